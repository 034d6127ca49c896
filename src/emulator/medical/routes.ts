import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isRecord, jsonKind } from '../../util/json.js';
import { badRequest, issue, ValidationError } from '../api-errors.js';
import { isIsoDate } from '../settings-routes.js';
import { parsePatientCreate } from './patients.js';
import { type EmulatedMedical, patientDto } from './world.js';

/** What Metriport consolidates (`resourceTypeForConsolidation` in `@metriport/shared`), for `resources`. */
const CONSOLIDATION_RESOURCES = [
  'Account',
  'AllergyIntolerance',
  'Appointment',
  'AppointmentResponse',
  'AuditEvent',
  'Basic',
  'BodyStructure',
  'CarePlan',
  'CareTeam',
  'ChargeItem',
  'Claim',
  'ClaimResponse',
  'ClinicalImpression',
  'Communication',
  'CommunicationRequest',
  'Composition',
  'Condition',
  'Consent',
  'Contract',
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'DetectedIssue',
  'Device',
  'DeviceRequest',
  'DeviceUseStatement',
  'DiagnosticReport',
  'DocumentManifest',
  'DocumentReference',
  'Encounter',
  'EnrollmentRequest',
  'EpisodeOfCare',
  'ExplanationOfBenefit',
  'FamilyMemberHistory',
  'Flag',
  'Goal',
  'GuidanceResponse',
  'ImagingStudy',
  'Immunization',
  'ImmunizationEvaluation',
  'ImmunizationRecommendation',
  'Invoice',
  'List',
  'MeasureReport',
  'Media',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'MolecularSequence',
  'NutritionOrder',
  'Observation',
  'Person',
  'Procedure',
  'Provenance',
  'QuestionnaireResponse',
  'RelatedPerson',
  'RequestGroup',
  'ResearchSubject',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
  'AdverseEvent',
  'Task',
  'Location',
  'Organization',
  'Patient',
  'Practitioner',
  'Binary',
];
const NETWORK_SOURCES = ['hie', 'pharmacy', 'lab'] as const;

const query = (request: FastifyRequest): Record<string, unknown> => (isRecord(request.query) ? request.query : {});

/** `getFromQuery`: a query parameter as a trimmed string (the first one when repeated), undefined when empty. */
function fromQuery(request: FastifyRequest, name: string): string | undefined {
  const raw = query(request)[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `getFromQueryOrFail`: 400 `Missing <name> query param`. */
function fromQueryOrFail(request: FastifyRequest, name: string): string {
  const value = fromQuery(request, name);
  if (value === undefined) throw badRequest(`Missing ${name} query param`);
  return value;
}

/** `stringToBoolean`: "true"/"false" (any case), anything else undefined. */
function booleanQuery(request: FastifyRequest, name: string): boolean | undefined {
  const value = fromQuery(request, name)?.toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** `parseISODate`: `Date must be in format YYYY-MM-DD - got …`. */
function dateQuery(request: FastifyRequest, name: string): string | undefined {
  const value = fromQuery(request, name);
  if (value !== undefined && !isIsoDate(value)) throw badRequest(`Date must be in format YYYY-MM-DD - got ${value}`);
  return value;
}

function enumIssue(options: readonly string[], received: unknown, path: Array<string | number>): string {
  return issue(`Invalid enum value. Expected ${options.map((option) => `'${option}'`).join(' | ')}, received '${String(received)}'`, path);
}

/** `cxRequestMetadataSchema`: an optional `metadata` of at most 50 string pairs (keys 1–40, values ≤ 500 characters). */
export function parseMetadata(body: unknown): Record<string, string> | undefined {
  if (!isRecord(body) || body.metadata === undefined) return undefined;
  const metadata = body.metadata;
  if (!isRecord(metadata)) throw new ValidationError([issue(`Expected object, received ${jsonKind(metadata)}`, ['metadata'])]);
  const issues: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (key.length < 1) issues.push(issue('String must contain at least 1 character(s)', ['metadata', key]));
    if (key.length > 40) issues.push(issue('String must contain at most 40 character(s)', ['metadata', key]));
    if (typeof value !== 'string') issues.push(issue(`Expected string, received ${jsonKind(value)}`, ['metadata', key]));
    else if (value.length > 500) issues.push(issue('String must contain at most 500 character(s)', ['metadata', key]));
  }
  if (Object.keys(metadata).length > 50) issues.push(issue('Record has too many properties', ['metadata', 'meta']));
  if (issues.length > 0) throw new ValidationError(issues);
  return metadata as Record<string, string>;
}

/** `networkQueryBodySchema.sources`: `["hie", "pharmacy", "lab"]` (at least one) or `{hie: {enabled}, …}`. */
function parseSources(value: unknown): Array<(typeof NETWORK_SOURCES)[number]> {
  if (Array.isArray(value)) {
    const issues: string[] = [];
    if (value.length < 1) issues.push(issue('Array must contain at least 1 element(s)', ['sources']));
    value.forEach((item, index) => {
      if (!NETWORK_SOURCES.includes(item)) issues.push(enumIssue(NETWORK_SOURCES, item, ['sources', index]));
    });
    if (issues.length > 0) throw new ValidationError(issues);
    return [...new Set(value as Array<(typeof NETWORK_SOURCES)[number]>)];
  }
  if (isRecord(value)) {
    const unknown = Object.keys(value).filter((key) => !(NETWORK_SOURCES as readonly string[]).includes(key));
    if (unknown.length > 0)
      throw new ValidationError([issue(`Unrecognized key(s) in object: ${unknown.map((key) => `'${key}'`).join(', ')}`, ['sources'])]);
    const enabled = NETWORK_SOURCES.filter(
      (source) => isRecord(value[source]) && (value[source] as { enabled?: unknown }).enabled === true,
    );
    if (enabled.length === 0) throw new ValidationError([issue('At least one source must be enabled', ['sources'])]);
    return [...enabled];
  }
  throw new ValidationError([issue('Invalid input', ['sources'])]);
}

/**
 * The `/medical/v1` routes an integration's SDK calls to start and follow flows, answered as Metriport's routes
 * answer them (`packages/api/src/routes/medical/`): status codes, bodies, errors and ids.
 */
export function registerMedicalRoutes(app: FastifyInstance, medical: EmulatedMedical, now: () => Date): void {
  const base = '/medical/v1';

  app.get(`${base}/facility`, async () => ({ facilities: medical.listFacilities() }));
  app.get(`${base}/facility/:id`, async (request) => medical.getFacility((request.params as { id: string }).id));

  app.post(`${base}/patient`, async (request, reply) => {
    const facilityId = fromQueryOrFail(request, 'facilityId');
    const { data, externalId } = parsePatientCreate(request.body, now());
    const patient = medical.createPatient({ data, externalId, facilityId });
    return reply.code(201).send(patientDto(patient));
  });

  app.get(`${base}/patient`, async (request) => {
    const facilityId = fromQuery(request, 'facilityId');
    const patients = medical.listPatients(facilityId).map(patientDto);
    const params = query(request);
    // Without pagination parameters Metriport answers every patient and no meta (`isPaginated`).
    if (params.fromItem === undefined && params.toItem === undefined && params.count === undefined) return { patients };
    return paginate({ request, items: patients, facilityId });
  });

  app.get(`${base}/patient/:id`, async (request) => patientDto(medical.getPatient((request.params as { id: string }).id)));

  app.delete(`${base}/patient/:id`, async (request, reply) => {
    medical.deletePatient((request.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.get(`${base}/patient/:id/consolidated/query`, async (request) =>
    medical.consolidatedQueryStatus((request.params as { id: string }).id),
  );

  app.get(`${base}/patient/:id/consolidated/query/:requestId`, async (request) => {
    const { id, requestId } = request.params as { id: string; requestId: string };
    return medical.consolidatedQuery(id, requestId);
  });

  app.post(`${base}/patient/:id/consolidated/query`, async (request) => {
    const patientId = (request.params as { id: string }).id;
    medical.getPatient(patientId);
    const resourcesParam = fromQuery(request, 'resources');
    const resources = resourcesParam
      ? resourcesParam
          .replaceAll('"', '')
          .replaceAll("'", '')
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '')
      : [];
    const resourceIssues = resources.flatMap((resource, index) =>
      CONSOLIDATION_RESOURCES.includes(resource) ? [] : [enumIssue(CONSOLIDATION_RESOURCES, resource, [index])],
    );
    if (resourceIssues.length > 0) throw new ValidationError(resourceIssues);
    const dateFrom = dateQuery(request, 'dateFrom');
    const dateTo = dateQuery(request, 'dateTo');
    const conversionType = fromQueryOrFail(request, 'conversionType');
    if (conversionType !== 'html' && conversionType !== 'pdf' && conversionType !== 'json') {
      throw new ValidationError([enumIssue(['html', 'pdf', 'json'], conversionType, [])]);
    }
    const metadata = parseMetadata(request.body);
    return medical.startConsolidatedQuery({ patientId, resources, dateFrom, dateTo, conversionType, metadata }).response;
  });

  app.post(`${base}/patient/bulk`, async (request) => {
    const facilityId = fromQuery(request, 'facilityId');
    return medical.createImportJob({ facilityId, dryRun: booleanQuery(request, 'dryRun') ?? false }).response;
  });

  app.get(`${base}/document`, async (request) => ({ documents: medical.listDocuments(fromQueryOrFail(request, 'patientId')) }));

  app.get(`${base}/document/query`, async (request) => medical.documentQueryStatus(fromQueryOrFail(request, 'patientId')));

  app.post(`${base}/document/query`, async (request) => {
    const patientId = fromQueryOrFail(request, 'patientId');
    medical.getPatient(patientId);
    const metadata = parseMetadata(request.body);
    return medical.startDocumentQuery({ patientId, facilityId: fromQuery(request, 'facilityId'), metadata }).response;
  });

  const downloadUrl = async (request: FastifyRequest) => {
    const fileName = fromQueryOrFail(request, 'fileName');
    const conversionType = fromQuery(request, 'conversionType');
    if (conversionType !== undefined && conversionType !== 'html' && conversionType !== 'pdf') {
      throw new ValidationError([enumIssue(['html', 'pdf'], conversionType, [])]);
    }
    return { url: medical.documentDownloadUrl({ fileName, conversionType }) };
  };
  app.get(`${base}/document/download-url`, downloadUrl);
  app.get(`${base}/document/downloadUrl`, downloadUrl);

  app.post(`${base}/document/download-url/bulk`, async (request) => {
    const patientId = fromQueryOrFail(request, 'patientId');
    medical.getPatient(patientId);
    const metadata = parseMetadata(request.body);
    return medical.startBulkGetDocumentUrl({ patientId, metadata }).response;
  });

  app.post(`${base}/network/query`, async (request) => {
    const patientId = fromQueryOrFail(request, 'patientId');
    medical.getPatient(patientId);
    const body = isRecord(request.body) ? request.body : {};
    const sources = parseSources(body.sources);
    const metadata = parseMetadata(body);
    return medical.startNetworkQuery({ patientId, sources, metadata }).response;
  });

  app.get(`${base}/network/query/:requestId`, async (request) =>
    medical.networkQueryStatus((request.params as { requestId: string }).requestId),
  );
}

/** Metriport's cursor pagination (`routes/pagination.ts`): `count` (default 50, at most 500), `fromItem`/`toItem`, `meta.nextPage`. */
function paginate(input: { request: FastifyRequest; items: Array<Record<string, unknown>>; facilityId: string | undefined }) {
  const params = query(input.request);
  const fromItem = fromQuery(input.request, 'fromItem');
  const toItem = fromQuery(input.request, 'toItem');
  if (fromItem !== undefined && toItem !== undefined)
    throw new ValidationError([issue('Either fromItem or toItem can be provided, but not both', [])]);
  const count = params.count === undefined ? 50 : Number(params.count);
  if (!Number.isInteger(count) || count < 0) throw new ValidationError([issue('Count has to be greater than or equal to 0', ['count'])]);
  if (count > 500) throw new ValidationError([issue('Count has to be less than or equal to 500', ['count'])]);
  const ids = input.items.map((item) => item.id as string);
  let start = 0;
  if (fromItem !== undefined) start = Math.max(0, ids.indexOf(fromItem));
  if (toItem !== undefined) start = Math.max(0, ids.indexOf(toItem) - count + 1);
  const page = input.items.slice(start, start + count);
  const next = input.items[start + count];
  const previous = start > 0 ? input.items[start - 1] : undefined;
  const origin = `${input.request.protocol}://${input.request.host}/medical/v1/patient`;
  const url = (item: { fromItem: string } | { toItem: string }) => {
    const search = new URLSearchParams(item);
    search.append('count', String(count));
    if (input.facilityId !== undefined) search.append('facilityId', input.facilityId);
    return `${origin}?${search.toString()}`;
  };
  return {
    meta: {
      ...(previous === undefined ? {} : { prevPage: url({ toItem: previous.id as string }) }),
      ...(next === undefined ? {} : { nextPage: url({ fromItem: next.id as string }) }),
      itemsOnPage: page.length,
      itemsInTotal: input.items.length,
    },
    patients: page,
  };
}
