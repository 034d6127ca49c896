import { gzipSync } from 'node:zlib';
import { isRecord } from '../../util/json.js';
import type { EmulatedAccount, SendOutcome } from '../account.js';
import { badRequest, notFound } from '../api-errors.js';
import { ccdaDocument, simplePdf, summaryHtml, summaryLines } from '../content/documents.js';
import {
  type AdtEncounter,
  type AdtEvent,
  adtEncounterBundle,
  collectionBundle,
  filterResources,
  labResources,
  patientChart,
  patientResource,
  pharmacyResources,
  type Resource,
  searchSetBundle,
} from '../content/fhir.js';
import { stableUuid } from '../content/ids.js';
import { type ChartPatient, type PatientDemographics, SAMPLE_DEMOGRAPHICS } from '../content/patient-data.js';
import { BUCKETS, type ObjectStore, type StoredObject } from '../objects.js';
import type { PresignedTarget, Presigner, URL_LIFETIMES_S } from '../presign.js';
import type { Random } from '../random.js';
import type { Scheduler } from '../scheduler.js';
import { uuidv7 } from '../uuid.js';
import { csvField, parseImportRows } from './csv.js';
import type { Fault, FlowName } from './faults.js';
import { type EmulatedPatient, patientDto } from './patients.js';

export interface MedicalDeps {
  account: EmulatedAccount;
  objects: ObjectStore;
  presigner: Presigner;
  scheduler: Scheduler;
  random: Random;
  now: () => Date;
  /** How long a query takes before its messages go out, in ms (Metriport's sandbox: a random 0–5 s). */
  flowDelay: () => number;
  /** Told after every change worth keeping. */
  changed: () => void;
  onFlow: (event: FlowEvent) => void;
}

/** One step of a flow, for logs and tests. */
export interface FlowEvent {
  flow: FlowName;
  requestId: string;
  patientId?: string | undefined;
  /** `sent`: a message went out; `done`: the flow ended; `stuck`: it never will. */
  step: 'sent' | 'done' | 'stuck';
  messageType?: string | undefined;
  messageId?: string | undefined;
  status?: string | undefined;
}

/** A message a flow sent, as `trigger --flow` reports it. */
export interface SentMessage {
  type: string;
  messageId: string;
  requestId: string | undefined;
  delivery: SendOutcome['status'];
  httpStatus: number | null;
  /** Delivered a second time with the same messageId (the `duplicate` fault). */
  duplicated?: boolean;
  /** Sent as a late retry whose URLs had expired (the `expired-retry` fault). */
  late?: boolean;
}

/** What a started flow hands back: the API's answer now, the flow's messages once it ends. */
export interface StartedFlow<T> {
  response: T;
  requestId: string;
  /** Resolves when the flow has sent its last message (never for a `stuck` one: it resolves then with `stuck: true`). */
  done: Promise<{ messages: SentMessage[]; stuck: boolean }>;
}

export interface FlowOptions {
  faults?: ReadonlySet<Fault>;
  /** `meta.data` of the messages (the request body's `metadata`). */
  metadata?: Record<string, string> | undefined;
}

interface Progress {
  status: 'processing' | 'completed' | 'failed';
  total?: number;
  successful?: number;
  errors?: number;
}

interface DocumentQuery {
  requestId: string;
  startedAt: string;
  download?: Progress;
  convert?: Progress;
  triggerConsolidated: boolean;
}

interface StoredDocument {
  id: string;
  fileName: string;
  description: string;
  status: string;
  indexed: string;
  mimeType: string;
  size: number;
  type: { coding: Array<{ system: string; code: string; display: string }>; text: string };
}

export interface ConsolidatedQuery {
  requestId: string;
  status: 'processing' | 'completed' | 'failed';
  startedAt: string;
  resources: string[];
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  conversionType: 'json' | 'pdf' | 'html';
}

type NetworkSource = 'hie' | 'pharmacy' | 'lab';

interface NetworkQuery {
  requestId: string;
  patientId: string;
  startedAt: string;
  sources: Array<{ type: NetworkSource; status: 'processing' | 'completed' | 'failed'; startedAt: string; completedAt?: string }>;
}

export interface ImportJob {
  requestId: string;
  facilityId: string;
  status: 'waiting' | 'processing' | 'completed' | 'failed' | 'expired';
  reason?: string | undefined;
  createdAt: string;
  uploadDeadline: string;
  dryRun: boolean;
  total: number;
  successful: number;
  failed: number;
  faults: Fault[];
}

interface Facility {
  id: string;
  eTag: string;
  oid: string;
  name: string;
  npi: string;
  tin: string | undefined;
  active: boolean;
  address: { addressLine1: string; city: string; state: string; zip: string; country: string };
}

/** The specific source Metriport names in `source.source` for each network source (`@metriport/shared` network-query). */
const SPECIFIC_SOURCE: Record<NetworkSource, string> = { hie: 'national-hie', pharmacy: 'surescripts', lab: 'quest' };
const CONVERTIBLE = 'application/xml';

/**
 * The medical side of the emulated account: facilities, patients and their documents, and every flow an API
 * call starts (document query, bulk document URLs, consolidated data, network query, bulk patient import) or
 * the emulator plays (ADT), each sending its messages through the account as Metriport's code does.
 */
export class EmulatedMedical {
  private readonly facilities = new Map<string, Facility>();
  private readonly patients = new Map<string, EmulatedPatient>();
  private readonly documents = new Map<string, StoredDocument[]>();
  private readonly documentQueries = new Map<string, DocumentQuery>();
  private readonly bulkUrlProgress = new Map<string, { status: 'processing' | 'completed' | 'failed'; requestId: string }>();
  private readonly consolidatedQueries = new Map<string, ConsolidatedQuery[]>();
  private readonly networkSourcesDone = new Map<string, NetworkSource[]>();
  private readonly networkQueries = new Map<string, NetworkQuery>();
  private readonly imports = new Map<string, ImportJob>();

  constructor(private readonly deps: MedicalDeps) {}

  private get cxId(): string {
    return this.deps.account.cxId;
  }

  // ---- facilities and patients -------------------------------------------------------------------------

  /** The account's facility (made on first use): the one the SDK's `listFacilities` shows. */
  defaultFacility(): Facility {
    const [first] = this.facilities.values();
    if (first !== undefined) return first;
    return this.acceptFacility(stableUuid(`${this.cxId}/facility`));
  }

  /** Any facility id is accepted (the emulator has no facility setup): an unknown one is registered. */
  acceptFacility(id: string): Facility {
    const known = this.facilities.get(id);
    if (known !== undefined) return known;
    const facility: Facility = {
      id,
      eTag: stableUuid(`${id}/etag/1`).slice(0, 8),
      oid: `2.16.840.1.113883.3.9621.5.${this.facilities.size + 1}`,
      name: this.facilities.size === 0 ? 'Emulated Facility' : `Emulated Facility ${this.facilities.size + 1}`,
      npi: '1234567893',
      tin: undefined,
      active: true,
      address: { addressLine1: '100 Example Way', city: 'Springfield', state: 'IL', zip: '62701', country: 'USA' },
    };
    this.facilities.set(id, facility);
    this.deps.changed();
    return facility;
  }

  listFacilities(): Facility[] {
    this.defaultFacility();
    return [...this.facilities.values()];
  }

  getFacility(id: string): Facility {
    this.defaultFacility();
    const facility = this.facilities.get(id);
    if (facility === undefined) throw notFound('Could not find facility', { id });
    return facility;
  }

  createPatient(input: { data: PatientDemographics; externalId: string | undefined; facilityId: string }): EmulatedPatient {
    this.acceptFacility(input.facilityId);
    const now = this.deps.now();
    const id = uuidv7(now);
    const patient: EmulatedPatient = {
      id,
      eTag: stableUuid(`${id}/etag/1`).slice(0, 8),
      cxId: this.cxId,
      facilityIds: [input.facilityId],
      ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
      createdAt: now.toISOString(),
      data: input.data,
    };
    this.patients.set(id, patient);
    this.deps.changed();
    return patient;
  }

  /** `getPatientOrFail`: 404 "Could not find patient" with the id in `additionalInfo`. */
  getPatient(id: string): EmulatedPatient {
    const patient = this.patients.get(id);
    if (patient === undefined) throw notFound('Could not find patient', { id });
    return patient;
  }

  findPatient(id: string): EmulatedPatient | undefined {
    return this.patients.get(id);
  }

  /** Newest first (ids are UUIDv7), optionally of one facility. */
  listPatients(facilityId?: string): EmulatedPatient[] {
    return [...this.patients.values()]
      .filter((patient) => facilityId === undefined || patient.facilityIds.includes(facilityId))
      .sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  deletePatient(id: string): void {
    this.getPatient(id);
    this.patients.delete(id);
    this.documentQueries.delete(id);
    this.consolidatedQueries.delete(id);
    this.bulkUrlProgress.delete(id);
    this.deps.changed();
  }

  // ---- document query --------------------------------------------------------------------------------------

  /** `GET /document/query`: the patient's document query progress, `{}` before the first one. */
  documentQueryStatus(patientId: string): Record<string, unknown> {
    this.getPatient(patientId);
    const query = this.documentQueries.get(patientId);
    return query === undefined ? {} : { ...query };
  }

  /**
   * `POST /document/query` (`queryDocumentsAcrossHIEs`): one query per patient at a time (a second call while
   * one runs answers its progress and starts nothing). After the flow delay, the documents found this time are
   * stored and `medical.document-download` and `medical.document-conversion` go out with the same requestId,
   * in either order.
   */
  startDocumentQuery(
    input: { patientId: string; facilityId?: string | undefined; requestId?: string } & FlowOptions,
  ): StartedFlow<Record<string, unknown>> {
    const patient = this.getPatient(input.patientId);
    const facilityId = input.facilityId ?? patient.facilityIds[0];
    if (facilityId === undefined || !patient.facilityIds.includes(facilityId)) {
      throw badRequest('Patient not associated with given facility', { patientId: patient.id, facilityId });
    }
    const current = this.documentQueries.get(patient.id);
    if (current?.download?.status === 'processing' || current?.convert?.status === 'processing') {
      return { response: queryResponse(current), requestId: current.requestId, done: Promise.resolve({ messages: [], stuck: true }) };
    }
    const faults = input.faults ?? new Set<Fault>();
    const query: DocumentQuery = {
      requestId: input.requestId ?? uuidv7(this.deps.now()),
      startedAt: this.deps.now().toISOString(),
      download: { status: 'processing' },
      triggerConsolidated: false,
    };
    this.documentQueries.set(patient.id, query);
    this.deps.changed();
    const done = this.deps.scheduler
      .run(() => this.runDocumentQuery(patient, query, { ...input, faults }))
      .then((result) => result ?? { messages: [], stuck: false });
    return { response: queryResponse(query), requestId: query.requestId, done };
  }

  private async runDocumentQuery(
    patient: EmulatedPatient,
    query: DocumentQuery,
    input: FlowOptions & { faults: ReadonlySet<Fault> },
  ): Promise<{ messages: SentMessage[]; stuck: boolean }> {
    const flow: FlowName = 'document-query';
    const messages: SentMessage[] = [];
    if (input.faults.has('stuck')) {
      this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: 'stuck' });
      return { messages, stuck: true };
    }
    await this.deps.scheduler.wait(this.deps.flowDelay());
    const common = { flow, requestId: query.requestId, data: input.metadata, messages, patientId: patient.id };
    if (input.faults.has('failed')) {
      query.download = { status: 'failed', total: 0, successful: 0, errors: 0 };
      this.deps.changed();
      await this.emit({
        ...common,
        type: 'medical.document-download',
        body: { patients: [{ ...patientRef(patient), status: 'failed' }] },
        duplicate: input.faults.has('duplicate'),
      });
      this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: 'done', status: 'failed' });
      return { messages, stuck: false };
    }
    const found = input.faults.has('empty-documents') ? [] : this.findDocuments(patient);
    const convertible = found.filter((document) => document.mimeType === CONVERTIBLE).length;
    query.download = { status: 'completed', total: found.length, successful: found.length, errors: 0 };
    query.convert = { status: 'completed', total: convertible, successful: convertible, errors: 0 };
    this.deps.changed();
    const download = () =>
      this.emit({
        ...common,
        type: 'medical.document-download',
        body: { patients: [{ ...patientRef(patient), documents: found.map(documentDto), status: 'completed' }] },
        duplicate: input.faults.has('duplicate'),
      });
    const conversion = () =>
      this.emit({
        ...common,
        type: 'medical.document-conversion',
        ...(input.faults.has('no-request-id') ? { omitRequestId: true } : {}),
        body: { patients: [{ ...patientRef(patient), status: 'completed' }] },
      });
    if (input.faults.has('empty-documents')) {
      await download();
    } else {
      // Sent without waiting for each other: they arrive in either order.
      const conversionFirst = input.faults.has('out-of-order') || this.deps.random.next() < 0.5;
      for (const send of conversionFirst ? [conversion, download] : [download, conversion]) await send();
    }
    this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: 'done', status: 'completed' });
    return { messages, stuck: false };
  }

  /** The documents a query finds: a C-CDA summary and a PDF discharge summary, new each time, stored as files. */
  private findDocuments(patient: EmulatedPatient): StoredDocument[] {
    const now = this.deps.now();
    const chart = this.chart(patient);
    const ccdId = uuidv7(now);
    const xml = Buffer.from(ccdaDocument({ patient: chartPatient(patient), chart, documentId: ccdId, createdAt: now }));
    const pdfId = uuidv7(now);
    const pdf = simplePdf(summaryLines({ patient: chartPatient(patient), chart, title: 'Discharge summary' }));
    const documents: StoredDocument[] = [
      {
        id: ccdId,
        fileName: `${this.filePrefix(patient)}_${ccdId}.xml`,
        description: 'Continuity of Care Document',
        status: 'current',
        indexed: now.toISOString(),
        mimeType: 'application/xml',
        size: xml.length,
        type: {
          coding: [{ system: 'http://loinc.org', code: '34133-9', display: 'Summarization of episode note' }],
          text: 'Summarization of episode note',
        },
      },
      {
        id: pdfId,
        fileName: `${this.filePrefix(patient)}_${pdfId}.pdf`,
        description: 'Discharge summary',
        status: 'current',
        indexed: now.toISOString(),
        mimeType: 'application/pdf',
        size: pdf.length,
        type: {
          coding: [{ system: 'http://loinc.org', code: '18842-5', display: 'Discharge summary' }],
          text: 'Discharge summary',
        },
      },
    ];
    this.putObject(BUCKETS.medicalDocuments, documents[0]?.fileName ?? '', 'application/xml', xml);
    this.putObject(BUCKETS.medicalDocuments, documents[1]?.fileName ?? '', 'application/pdf', pdf);
    this.documents.set(patient.id, [...(this.documents.get(patient.id) ?? []), ...documents]);
    this.deps.changed();
    return documents;
  }

  /** `GET /document`: the patient's documents as FHIR DocumentReferences (the API's default `fhir` output). */
  listDocuments(patientId: string): Resource[] {
    const patient = this.getPatient(patientId);
    return (this.documents.get(patient.id) ?? []).map((document) => ({
      resourceType: 'DocumentReference',
      id: document.id,
      status: 'current',
      type: document.type,
      subject: { reference: `Patient/${patient.id}` },
      date: document.indexed,
      description: document.description,
      content: [
        {
          attachment: {
            contentType: document.mimeType,
            url: `https://${BUCKETS.medicalDocuments}.s3.us-east-2.amazonaws.com/${document.fileName}`,
            size: document.size,
            title: document.fileName,
            creation: document.indexed,
          },
        },
      ],
    }));
  }

  /**
   * `GET /document/download-url?fileName&conversionType` (`getMedicalDocumentsDownloadUrl`): a 3-minute URL to
   * the file, or to its html/pdf rendering (made on first ask; only XML converts).
   */
  documentDownloadUrl(input: { fileName: string; conversionType: 'html' | 'pdf' | undefined }): string {
    const object = this.deps.objects.get(BUCKETS.medicalDocuments, input.fileName);
    if (object === undefined) throw notFound('File does not exist');
    if (input.conversionType !== undefined && object.contentType !== 'application/xml' && object.contentType !== 'text/xml') {
      throw badRequest(`Source file must be xml to convert to ${input.conversionType}, but it was ${object.contentType}`);
    }
    if (input.conversionType === undefined)
      return this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key: input.fileName, purpose: 'documentDownload' });
    const key = `${input.fileName}.${input.conversionType}`;
    if (this.deps.objects.get(BUCKETS.medicalDocuments, key) === undefined) {
      const owner = [...this.documents.entries()].find(([, documents]) =>
        documents.some((document) => document.fileName === input.fileName),
      )?.[0];
      const patient = owner === undefined ? undefined : this.patients.get(owner);
      const rendering = {
        patient: chartPatient(patient ?? placeholderPatient(this.cxId)),
        chart: patient ? this.chart(patient) : [],
        title: 'Continuity of Care Document',
      };
      if (input.conversionType === 'html') this.putObject(BUCKETS.medicalDocuments, key, 'text/html', Buffer.from(summaryHtml(rendering)));
      else this.putObject(BUCKETS.medicalDocuments, key, 'application/pdf', simplePdf(summaryLines(rendering)));
    }
    return this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key, purpose: 'documentDownload' });
  }

  /**
   * `POST /document/download-url/bulk` (`startBulkGetDocumentUrls`): `{status, requestId}` now; then
   * `medical.document-bulk-download-urls` with a 10-minute URL per document. While one runs, a second call
   * answers its progress.
   */
  startBulkGetDocumentUrl(input: { patientId: string } & FlowOptions): StartedFlow<{ status: string; requestId: string }> {
    const patient = this.getPatient(input.patientId);
    const current = this.bulkUrlProgress.get(patient.id);
    if (current?.status === 'processing') {
      return { response: { ...current }, requestId: current.requestId, done: Promise.resolve({ messages: [], stuck: true }) };
    }
    const progress = { status: 'processing' as const, requestId: uuidv7(this.deps.now()) };
    this.bulkUrlProgress.set(patient.id, progress);
    this.deps.changed();
    const faults = input.faults ?? new Set<Fault>();
    const done = this.deps.scheduler
      .run(async () => {
        const messages: SentMessage[] = [];
        const flow: FlowName = 'document-query';
        if (faults.has('stuck')) return { messages, stuck: true };
        await this.deps.scheduler.wait(this.deps.flowDelay());
        const failed = faults.has('failed');
        const late = faults.has('expired-retry') ? this.lateTime('bulkDocument') : undefined;
        const documents = failed
          ? []
          : (this.documents.get(patient.id) ?? []).map((document) => ({
              ...documentDto(document),
              url: this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key: document.fileName, purpose: 'bulkDocument' }, late),
            }));
        this.bulkUrlProgress.set(patient.id, { status: failed ? 'failed' : 'completed', requestId: progress.requestId });
        this.deps.changed();
        await this.emit({
          flow,
          type: 'medical.document-bulk-download-urls',
          requestId: progress.requestId,
          data: input.metadata,
          messages,
          patientId: patient.id,
          body: { patients: [{ ...patientRef(patient), documents, status: failed ? 'failed' : 'completed' }] },
          duplicate: faults.has('duplicate'),
          late,
        });
        return { messages, stuck: false };
      })
      .then((result) => result ?? { messages: [], stuck: false });
    return { response: { ...progress }, requestId: progress.requestId, done };
  }

  // ---- consolidated data -----------------------------------------------------------------------------------

  consolidatedQueryStatus(patientId: string): Record<string, unknown> {
    this.getPatient(patientId);
    const queries = this.consolidatedQueries.get(patientId);
    const latest = queries === undefined ? undefined : [...queries].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))[0];
    return {
      status: latest?.status ?? null,
      queries: queries ?? null,
      message: 'Trigger a new query by POST /patient/:id/consolidated/query; data will be sent through Webhook',
    };
  }

  consolidatedQuery(patientId: string, requestId: string): ConsolidatedQuery {
    this.getPatient(patientId);
    const query = this.consolidatedQueries.get(patientId)?.find((item) => item.requestId === requestId);
    if (query === undefined) throw notFound('Consolidated query not found');
    return query;
  }

  /**
   * `POST /patient/:id/consolidated/query` (`startConsolidatedQuery`): the same parameters while one runs
   * answer that query; otherwise a new one, and after the flow delay `medical.consolidated-data` whose bundle
   * holds one DocumentReference (no id, status or titles) pointing at the JSON and its gzip (or the pdf/html
   * rendering), 3-minute URLs at Metriport's S3 keys, with the four filters as strings.
   */
  startConsolidatedQuery(
    input: {
      patientId: string;
      resources: string[];
      dateFrom?: string | undefined;
      dateTo?: string | undefined;
      conversionType: 'json' | 'pdf' | 'html';
    } & FlowOptions,
  ): StartedFlow<ConsolidatedQuery> {
    const patient = this.getPatient(input.patientId);
    const queries = this.consolidatedQueries.get(patient.id) ?? [];
    const same = queries.find(
      (query) =>
        query.status === 'processing' &&
        sameResources(query.resources, input.resources) &&
        query.dateFrom === input.dateFrom &&
        query.dateTo === input.dateTo &&
        query.conversionType === input.conversionType,
    );
    if (same !== undefined)
      return { response: { ...same }, requestId: same.requestId, done: Promise.resolve({ messages: [], stuck: true }) };
    const query: ConsolidatedQuery = {
      requestId: uuidv7(this.deps.now()),
      status: 'processing',
      startedAt: this.deps.now().toISOString(),
      resources: input.resources,
      ...(input.dateFrom === undefined ? {} : { dateFrom: input.dateFrom }),
      ...(input.dateTo === undefined ? {} : { dateTo: input.dateTo }),
      conversionType: input.conversionType,
    };
    this.consolidatedQueries.set(patient.id, [...queries, query]);
    this.deps.changed();
    const faults = input.faults ?? new Set<Fault>();
    const done = this.deps.scheduler
      .run(async () => {
        const flow: FlowName = 'consolidated';
        const messages: SentMessage[] = [];
        if (faults.has('stuck')) {
          this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: 'stuck' });
          return { messages, stuck: true };
        }
        await this.deps.scheduler.wait(this.deps.flowDelay());
        const filters = {
          resources: query.resources.join(', '),
          dateFrom: query.dateFrom,
          dateTo: query.dateTo,
          conversionType: query.conversionType,
        };
        const failed = faults.has('failed');
        const late = faults.has('expired-retry') ? this.lateTime('consolidated') : undefined;
        const result = failed ? undefined : this.consolidatedFiles(patient, query, late);
        query.status = failed ? 'failed' : 'completed';
        this.deps.changed();
        await this.emit({
          flow,
          type: 'medical.consolidated-data',
          requestId: query.requestId,
          data: input.metadata,
          messages,
          patientId: patient.id,
          body: {
            patients: [
              {
                ...patientRef(patient),
                status: query.status,
                ...(result === undefined ? {} : { bundle: result.bundle }),
                // JSON with data: the four filters as strings ("" when absent); otherwise as given.
                filters: result?.stringFilters ? stringFilters(filters) : filters,
              },
            ],
          },
          duplicate: faults.has('duplicate'),
          late,
        });
        this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: 'done', status: query.status });
        return { messages, stuck: false };
      })
      .then((result) => result ?? { messages: [], stuck: false });
    return { response: { ...query }, requestId: query.requestId, done };
  }

  /** Stores the consolidated files of a query and answers the message's bundle. */
  private consolidatedFiles(patient: EmulatedPatient | ChartPatient, query: ConsolidatedQuery, issuedAt: Date | undefined) {
    const now = this.deps.now();
    const resources = filterResources(this.chart(patient), query.resources);
    const base = `${this.filePrefix(patient)}_MR`;
    const attachments: Array<{ contentType: string; url: string }> = [];
    if (query.conversionType === 'json') {
      const json = Buffer.from(JSON.stringify(searchSetBundle(resources, { id: query.requestId, timestamp: now })));
      this.putObject(BUCKETS.medicalDocuments, `${base}.json`, 'application/json', json);
      this.putObject(BUCKETS.medicalDocuments, `${base}.json.gz`, 'application/gzip', gzipSync(json));
      attachments.push(
        {
          contentType: 'application/json',
          url: this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key: `${base}.json`, purpose: 'consolidated' }, issuedAt),
        },
        {
          contentType: 'application/gzip',
          url: this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key: `${base}.json.gz`, purpose: 'consolidated' }, issuedAt),
        },
      );
    } else {
      const rendering = { patient: chartPatient(patient), chart: resources, title: 'Medical Record Summary' };
      const key = query.conversionType === 'pdf' ? `${base}.html.pdf` : `${base}.html`;
      if (query.conversionType === 'pdf')
        this.putObject(BUCKETS.medicalDocuments, key, 'application/pdf', simplePdf(summaryLines(rendering)));
      else this.putObject(BUCKETS.medicalDocuments, key, 'text/html', Buffer.from(summaryHtml(rendering)));
      attachments.push({
        contentType: query.conversionType === 'pdf' ? 'application/pdf' : 'text/html',
        url: this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key, purpose: 'consolidated' }, issuedAt),
      });
    }
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      entry: [
        {
          resource: {
            resourceType: 'DocumentReference',
            subject: { reference: `Patient/${patient.id}` },
            content: attachments.map((attachment) => ({ attachment })),
          },
        },
      ],
    };
    return { bundle, stringFilters: query.conversionType === 'json' };
  }

  // ---- network query ---------------------------------------------------------------------------------------

  networkQueryStatus(requestId: string): Record<string, unknown> {
    const query = this.networkQueries.get(requestId);
    if (query === undefined) throw notFound('Network query not found', { requestId });
    return networkQueryDto(query);
  }

  /**
   * `POST /network/query?patientId`: answers the query's status (2xx even when a source fails: see `errors`),
   * then one `network-query.<source>` per source as each completes, in random order, each with a URL to the
   * patient's consolidated data as it stands then; `network-query.hie.first-data-ready` once before the HIE
   * result.
   */
  startNetworkQuery(input: { patientId: string; sources: NetworkSource[] } & FlowOptions): StartedFlow<Record<string, unknown>> {
    const patient = this.getPatient(input.patientId);
    const now = this.deps.now();
    const query: NetworkQuery = {
      requestId: uuidv7(now),
      patientId: patient.id,
      startedAt: now.toISOString(),
      sources: input.sources.map((type) => ({ type, status: 'processing', startedAt: now.toISOString() })),
    };
    this.networkQueries.set(query.requestId, query);
    this.deps.changed();
    const faults = input.faults ?? new Set<Fault>();
    const done = this.deps.scheduler
      .run(async () => {
        const flow: FlowName = 'network-query';
        const messages: SentMessage[] = [];
        const common = { flow, requestId: query.requestId, data: input.metadata, messages, patientId: patient.id };
        const order = this.deps.random.shuffle(query.sources);
        const failing = faults.has('failed') ? order[0]?.type : undefined;
        const stuckOn = faults.has('stuck') ? order[order.length - 1]?.type : undefined;
        const firstDataReady = async () => {
          await this.emit({
            ...common,
            type: 'network-query.hie.first-data-ready',
            body: {
              payload: {
                ...patientRef(patient),
                consolidatedDataUrl: this.networkConsolidatedUrl(patient, undefined),
                source: { type: 'hie', status: 'processing', firstDataReadyAt: this.deps.now().toISOString() },
              },
            },
          });
        };
        // The sources run at once, each finishing after its own wait: they arrive in the order their waits end.
        const timed = order.map((source) => ({ source, at: this.deps.flowDelay() })).sort((a, b) => a.at - b.at);
        let elapsed = 0;
        for (const { source, at } of timed) {
          if (source.type === stuckOn) continue;
          await this.deps.scheduler.wait(at - elapsed);
          elapsed = at;
          if (source.type === 'hie' && !faults.has('out-of-order') && failing !== 'hie') {
            await firstDataReady();
          }
          const failed = source.type === failing;
          const completedAt = this.deps.now().toISOString();
          if (!failed)
            this.networkSourcesDone.set(patient.id, [...new Set([...(this.networkSourcesDone.get(patient.id) ?? []), source.type])]);
          source.status = failed ? 'failed' : 'completed';
          source.completedAt = completedAt;
          this.deps.changed();
          const late = faults.has('expired-retry') ? this.lateTime('networkQuery') : undefined;
          await this.emit({
            ...common,
            type: `network-query.${source.type}`,
            body: {
              payload: {
                ...patientRef(patient),
                consolidatedDataUrl: this.networkConsolidatedUrl(patient, late),
                source: { type: source.type, source: SPECIFIC_SOURCE[source.type], status: source.status, completedAt },
              },
            },
            duplicate: faults.has('duplicate') && source === order[0],
            late,
          });
          if (source.type === 'hie' && faults.has('out-of-order') && !failed) {
            await firstDataReady();
          }
        }
        const stuck = stuckOn !== undefined;
        this.deps.onFlow({ flow, requestId: query.requestId, patientId: patient.id, step: stuck ? 'stuck' : 'done' });
        return { messages, stuck };
      })
      .then((result) => result ?? { messages: [], stuck: false });
    return { response: networkQueryDto(query), requestId: query.requestId, done };
  }

  /** The patient's consolidated data as it stands, stored at its S3 key, and a URL to it. */
  private networkConsolidatedUrl(patient: EmulatedPatient, issuedAt: Date | undefined): string {
    const key = `${this.filePrefix(patient)}_CONSOLIDATED_DATA.json`;
    const bundle = searchSetBundle(this.chart(patient), { id: uuidv7(this.deps.now()), timestamp: this.deps.now() });
    this.putObject(BUCKETS.medicalDocuments, key, 'application/json', Buffer.from(JSON.stringify(bundle)));
    return this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key, purpose: 'networkQuery' }, issuedAt);
  }

  // ---- bulk patient import ---------------------------------------------------------------------------------

  /**
   * `POST /patient/bulk?facilityId&dryRun` (`createPatientImportJob`): the job waits for its CSV at a
   * 10-minute upload URL. The upload (a PUT to that URL) starts it: `medical.bulk-patient-create` processing,
   * each new patient's document query (requestId = the job's), then completed with a 3-minute result CSV URL,
   * or failed. Nothing uploaded: the job expires, with no message.
   */
  createImportJob(input: { facilityId: string | undefined; dryRun: boolean } & FlowOptions): StartedFlow<Record<string, unknown>> {
    const facility = input.facilityId === undefined ? this.defaultFacility() : this.acceptFacility(input.facilityId);
    const now = this.deps.now();
    const requestId = uuidv7(now);
    const upload = this.sign({
      method: 'PUT',
      bucket: BUCKETS.patientImport,
      key: this.importKey(requestId, 'raw'),
      purpose: 'bulkImportUpload',
    });
    const job: ImportJob = {
      requestId,
      facilityId: facility.id,
      status: 'waiting',
      createdAt: now.toISOString(),
      uploadDeadline: new Date(now.getTime() + this.deps.presigner.lifetimeSeconds('bulkImportUpload') * 1000).toISOString(),
      dryRun: input.dryRun,
      total: 0,
      successful: 0,
      failed: 0,
      faults: [...(input.faults ?? [])],
    };
    this.imports.set(requestId, job);
    this.deps.changed();
    const response = {
      requestId,
      facilityId: facility.id,
      status: 'waiting',
      uploadUrl: upload,
      params: { dryRun: input.dryRun },
      createdAt: job.createdAt,
    };
    return { response, requestId, done: Promise.resolve({ messages: [], stuck: false }) };
  }

  /** A bulk import job as it stands (`expired` once its upload URL lapsed with nothing uploaded). */
  importJob(requestId: string): ImportJob {
    const job = this.imports.get(requestId);
    if (job === undefined) throw notFound('Bulk import not found', { requestId });
    if (job.status === 'waiting' && this.deps.now().toISOString() > job.uploadDeadline) {
      job.status = 'expired';
      this.deps.changed();
    }
    return { ...job };
  }

  /** Called for every object PUT through a presigned URL: an import file starts its job. */
  onUpload(object: StoredObject): Promise<{ messages: SentMessage[]; stuck: boolean }> | undefined {
    if (object.bucket !== BUCKETS.patientImport) return undefined;
    const job = [...this.imports.values()].find((item) => this.importKey(item.requestId, 'raw') === object.key);
    if (job === undefined || job.status !== 'waiting') return undefined;
    job.status = 'processing';
    this.deps.changed();
    return this.deps.scheduler
      .run(() => this.runImport(job, object.body.toString('utf8')))
      .then((result) => result ?? { messages: [], stuck: false });
  }

  private async runImport(job: ImportJob, csv: string): Promise<{ messages: SentMessage[]; stuck: boolean }> {
    const flow: FlowName = 'bulk-import';
    const faults = new Set(job.faults);
    const messages: SentMessage[] = [];
    const common = { flow, requestId: job.requestId, messages };
    await this.deps.scheduler.wait(this.deps.flowDelay());
    const bulk = (status: string, result?: string) => ({
      bulkPatientCreate: { requestId: job.requestId, status, ...(result === undefined ? {} : { result }) },
    });
    const { headers, rows } = parseImportRows(faults.has('failed') ? '' : csv);
    const valid = rows.filter((row) => row.patient !== undefined);
    if (valid.length === 0) {
      job.status = 'failed';
      job.reason = 'Empty or invalid file';
      job.total = rows.length;
      job.failed = rows.length;
      this.deps.changed();
      await this.emit({ ...common, type: 'medical.bulk-patient-create', body: bulk('failed') });
      this.deps.onFlow({ flow, requestId: job.requestId, step: 'done', status: 'failed' });
      return { messages, stuck: false };
    }
    job.total = rows.length;
    job.failed = rows.length - valid.length;
    this.deps.changed();
    await this.emit({ ...common, type: 'medical.bulk-patient-create', body: bulk('processing') });
    if (faults.has('stuck')) {
      this.deps.onFlow({ flow, requestId: job.requestId, step: 'stuck' });
      return { messages, stuck: true };
    }
    const results: Array<{ raw: string; patientId: string; status: string; reason: string }> = [];
    const queries: Array<Promise<{ messages: SentMessage[] }>> = [];
    for (const row of rows) {
      if (row.patient === undefined) {
        results.push({ raw: row.raw, patientId: '', status: 'failed', reason: row.error ?? 'Invalid row' });
        continue;
      }
      if (job.dryRun) {
        results.push({ raw: row.raw, patientId: '', status: 'successful', reason: '' });
        continue;
      }
      const { contact, ...demographics } = row.patient;
      const patient = this.createPatient({
        data: { ...demographics, address: [row.patient.address], ...(contact === undefined ? {} : { contact: [contact] }) },
        externalId: row.patient.externalId,
        facilityId: job.facilityId,
      });
      results.push({ raw: row.raw, patientId: patient.id, status: 'successful', reason: '' });
      // Each created patient's data pipeline starts with a document query; the job finishes after them all.
      queries.push(this.startDocumentQuery({ patientId: patient.id, requestId: job.requestId }).done);
    }
    for (const query of queries) messages.push(...(await query).messages);
    job.successful = results.filter((result) => result.status === 'successful').length;
    const resultCsv = [
      `${headers.map(csvField).join(',')},metriportId,status,reason`,
      ...results.map((result) => `${result.raw},${csvField(result.patientId)},${result.status},${csvField(result.reason)}`),
    ].join('\n');
    this.putObject(BUCKETS.patientImport, this.importKey(job.requestId, 'result'), 'text/csv', Buffer.from(resultCsv));
    job.status = 'completed';
    this.deps.changed();
    const late = faults.has('expired-retry') ? this.lateTime('bulkImportResult') : undefined;
    await this.emit({
      ...common,
      type: 'medical.bulk-patient-create',
      body: bulk(
        'completed',
        this.sign(
          { method: 'GET', bucket: BUCKETS.patientImport, key: this.importKey(job.requestId, 'result'), purpose: 'bulkImportResult' },
          late,
        ),
      ),
      duplicate: faults.has('duplicate'),
      late,
    });
    this.deps.onFlow({ flow, requestId: job.requestId, step: 'done', status: 'completed' });
    return { messages, stuck: false };
  }

  private importKey(requestId: string, stage: 'raw' | 'result'): string {
    return `patient-import/cxid=${this.cxId}/jobid=${requestId}/files/${stage}.csv`;
  }

  /** Stores an upload as the PUT to `uploadUrl` would (the bulk-import player uploads its sample this way). */
  upload(requestId: string, csv: string): Promise<{ messages: SentMessage[]; stuck: boolean }> | undefined {
    const object = this.deps.objects.put({
      bucket: BUCKETS.patientImport,
      key: this.importKey(requestId, 'raw'),
      contentType: 'text/csv',
      body: Buffer.from(csv),
      lastModified: this.deps.now(),
    });
    return this.onUpload(object);
  }

  // ---- ADT -------------------------------------------------------------------------------------------------

  /**
   * A hospital stay as monitored patients' HL7 feeds report it: `patient.admit`, `patient.transfer` (ED to a
   * ward), `patient.discharge`, each with a fresh requestId and a 10-minute URL to that message's encounter
   * bundle; the Encounter id inside the bundles is the only thing linking them.
   */
  async playAdt(input: { patientId: string } & FlowOptions): Promise<{ requestId: string; messages: SentMessage[]; stuck: boolean }> {
    const patient = this.getPatient(input.patientId);
    const faults = input.faults ?? new Set<Fault>();
    const flow: FlowName = 'adt';
    const messages: SentMessage[] = [];
    const now = this.deps.now();
    const encounter: AdtEncounter = {
      encounterId: uuidv7(now),
      admittedAt: new Date(now.getTime() - 26 * 3_600_000),
      transferredAt: new Date(now.getTime() - 20 * 3_600_000),
      dischargedAt: new Date(now.getTime() - 60_000),
      emergencyName: 'Example General Emergency Department',
      wardName: 'Example General Ward 4',
      facilityName: 'Example General Hospital',
    };
    const send = async (event: AdtEvent) => {
      const requestId = uuidv7(this.deps.now());
      const bundle = adtEncounterBundle(chartPatient(patient), { encounter, event, bundleId: requestId });
      const trigger = event === 'admit' ? 'A01' : event === 'transfer' ? 'A02' : 'A03';
      const stamp =
        (event === 'admit' ? encounter.admittedAt : event === 'transfer' ? encounter.transferredAt : encounter.dischargedAt) ?? now;
      const key = `${this.cxId}/${patient.id}/ADT/${encounter.encounterId}/${stamp.toISOString()}_${requestId}_${trigger}.hl7.json`;
      const object = this.putObject(BUCKETS.hl7Conversions, key, 'application/json', Buffer.from(JSON.stringify(bundle)));
      const late = faults.has('expired-retry') && event === 'discharge' ? this.lateTime('adtBundle') : undefined;
      const url = this.sign(
        { method: 'GET', bucket: BUCKETS.hl7Conversions, key, purpose: 'adtBundle', versionId: object.versionId },
        late,
      );
      const payload: Record<string, unknown> = {
        ...patientRef(patient),
        url,
        whenSourceSent: new Date(stamp.getTime() + 7_000).toISOString(),
        admitTimestamp: encounter.admittedAt.toISOString(),
        ...(event === 'transfer'
          ? {
              transfers: [
                {
                  timestamp: encounter.transferredAt?.toISOString(),
                  sourceLocation: { name: encounter.emergencyName, type: 'emergency' },
                  destinationLocation: { name: encounter.wardName, type: 'inpatient' },
                },
              ],
            }
          : {}),
        ...(event === 'discharge' ? { dischargeTimestamp: encounter.dischargedAt?.toISOString() } : {}),
      };
      await this.emit({
        flow,
        type: `patient.${event}`,
        requestId,
        messages,
        patientId: patient.id,
        body: { payload },
        duplicate: faults.has('duplicate') && event === 'admit',
        late,
      });
    };
    await this.deps.scheduler.wait(this.deps.flowDelay());
    await send('admit');
    const stuck = faults.has('stuck');
    const rest: AdtEvent[] = stuck ? ['transfer'] : faults.has('out-of-order') ? ['discharge', 'transfer'] : ['transfer', 'discharge'];
    for (const event of rest) {
      await this.deps.scheduler.wait(this.deps.flowDelay());
      await send(event);
    }
    this.deps.onFlow({ flow, requestId: encounter.encounterId, patientId: patient.id, step: stuck ? 'stuck' : 'done' });
    return { requestId: encounter.encounterId, messages, stuck };
  }

  // ---- what started a flow --------------------------------------------------------------------------------

  /**
   * The API call this emulator answered that started the flow of `requestId`, if it did (read only: the
   * inspector of `listen --emulator` shows it at the top of the flow). A bulk import's patients' document
   * queries carry the job's requestId, so the job is looked for first.
   */
  flowStart(requestId: string): { flow: FlowName; call: string; at: string; patientId?: string; sources?: string[] } | undefined {
    const job = this.imports.get(requestId);
    if (job !== undefined) return { flow: 'bulk-import', call: 'POST /medical/v1/patient/bulk', at: job.createdAt };
    const network = this.networkQueries.get(requestId);
    if (network !== undefined) {
      const sources = network.sources.map((source) => source.type);
      return {
        flow: 'network-query',
        call: 'POST /medical/v1/network/query',
        at: network.startedAt,
        patientId: network.patientId,
        sources,
      };
    }
    for (const [patientId, query] of this.documentQueries) {
      if (query.requestId === requestId)
        return { flow: 'document-query', call: 'POST /medical/v1/document/query', at: query.startedAt, patientId };
    }
    for (const [patientId, queries] of this.consolidatedQueries) {
      const query = queries.find((item) => item.requestId === requestId);
      if (query !== undefined)
        return { flow: 'consolidated', call: 'POST /medical/v1/patient/:id/consolidated/query', at: query.startedAt, patientId };
    }
    return undefined;
  }

  // ---- shared ----------------------------------------------------------------------------------------------

  /**
   * Sends one message of a flow through the account (stored, counted, retryable, in Metriport's key order).
   * `late`: sent as Metriport's bulk retry sends a stored request long after it was made (`meta.when` that old,
   * no `meta.data`). `duplicate`: delivered a second time with the same messageId.
   */
  private async emit(input: {
    flow: FlowName;
    type: string;
    requestId: string;
    omitRequestId?: boolean;
    data?: unknown;
    body: Record<string, unknown>;
    messages: SentMessage[];
    patientId?: string | undefined;
    duplicate?: boolean;
    late?: Date | undefined;
  }): Promise<void> {
    if (this.deps.scheduler.closed) return;
    const requestId = input.omitRequestId ? undefined : input.requestId;
    const meta = {
      ...(requestId === undefined ? {} : { requestId }),
      ...(input.late === undefined ? {} : { when: input.late.toISOString() }),
      type: input.type,
      ...(input.data === undefined ? {} : { data: input.data }),
    };
    const outcome = await this.deps.account.send({ meta, ...input.body }, { asRetry: input.late !== undefined });
    const sent: SentMessage = {
      type: input.type,
      messageId: outcome.messageId,
      requestId,
      delivery: outcome.status,
      httpStatus: outcome.httpStatus,
      ...(input.late === undefined ? {} : { late: true }),
    };
    this.deps.onFlow({
      flow: input.flow,
      requestId: input.requestId,
      patientId: input.patientId,
      step: 'sent',
      messageType: input.type,
      messageId: outcome.messageId,
      status: outcome.status,
    });
    if (input.duplicate) {
      await this.deps.account.redeliver(outcome.messageId);
      sent.duplicated = true;
    }
    input.messages.push(sent);
  }

  /** When a late retry's message (and its URLs) was made: longer ago than the URL's lifetime. */
  private lateTime(purpose: keyof typeof URL_LIFETIMES_S): Date {
    return new Date(this.deps.now().getTime() - (this.deps.presigner.lifetimeSeconds(purpose) + 60) * 1000);
  }

  private sign(target: PresignedTarget, issuedAt?: Date): string {
    return this.deps.presigner.sign(target, issuedAt);
  }

  private putObject(bucket: string, key: string, contentType: string, body: Buffer): StoredObject {
    return this.deps.objects.put({ bucket, key, contentType, body, lastModified: this.deps.now() });
  }

  /** `cxId/patientId/cxId_patientId` (Metriport's `createFilePath` without the file id). */
  private filePrefix(patient: { id: string }): string {
    return `${this.cxId}/${patient.id}/${this.cxId}_${patient.id}`;
  }

  /** The patient's chart, with what network queries added. */
  private chart(
    patient: EmulatedPatient | ChartPatient,
    sources: readonly NetworkSource[] = this.networkSourcesDone.get(patient.id) ?? [],
  ): Resource[] {
    const asOf = 'createdAt' in patient ? new Date(patient.createdAt) : SAMPLE_AS_OF;
    const chartOf = chartPatient(patient);
    return [
      ...patientChart(chartOf, { asOf }),
      ...(sources.includes('pharmacy') ? pharmacyResources(chartOf, { asOf }) : []),
      ...(sources.includes('lab') ? labResources(chartOf, { asOf }) : []),
    ];
  }

  // ---- samples ---------------------------------------------------------------------------------------------

  /**
   * A sample message (from `fixtures/`) with every URL it holds replaced by one the emulator minted, to a file
   * it serves: documents, consolidated data, encounter bundles, the bulk import's result. The sample's patient
   * id is kept; its files are made for an invented patient of that id.
   */
  localizeSample(message: Record<string, unknown>): Record<string, unknown> {
    const meta = isRecord(message.meta) ? message.meta : {};
    const type = typeof meta.type === 'string' ? meta.type : '';
    const requestId = typeof meta.requestId === 'string' ? meta.requestId : uuidv7(this.deps.now());
    const copy = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
    const patientOf = (value: unknown): ChartPatient => {
      const record = isRecord(value) ? value : {};
      return {
        id: typeof record.patientId === 'string' ? record.patientId : stableUuid(`${this.cxId}/sample-patient`),
        cxId: this.cxId,
        externalId: typeof record.externalId === 'string' ? record.externalId : undefined,
        data: SAMPLE_DEMOGRAPHICS,
      };
    };
    const localizeDocuments = (entry: Record<string, unknown>, withUrls: 'url' | 'paged' | undefined) => {
      const patient = patientOf(entry);
      if (!Array.isArray(entry.documents)) return;
      for (const document of entry.documents as Array<Record<string, unknown>>) {
        const id = typeof document.id === 'string' ? document.id : uuidv7(this.deps.now());
        const xml = document.mimeType === 'application/xml';
        const body = xml
          ? Buffer.from(ccdaDocument({ patient, chart: this.chart(patient, []), documentId: id, createdAt: SAMPLE_AS_OF }))
          : simplePdf(summaryLines({ patient, chart: this.chart(patient, []), title: String(document.description ?? 'Document') }));
        const fileName = `${this.filePrefix(patient)}_${id}.${xml ? 'xml' : 'pdf'}`;
        this.putObject(BUCKETS.medicalDocuments, fileName, xml ? 'application/xml' : 'application/pdf', body);
        document.fileName = fileName;
        document.size = body.length;
        if (withUrls !== undefined)
          document.url = this.sign({ method: 'GET', bucket: BUCKETS.medicalDocuments, key: fileName, purpose: 'bulkDocument' });
        if (withUrls === 'paged')
          document.downloadUrl = `${this.deps.presigner.origin()}/medical/v1/document/download-url?fileName=${encodeURIComponent(fileName)}`;
      }
    };
    const patients = Array.isArray(copy.patients) ? (copy.patients as Array<Record<string, unknown>>).filter(isRecord) : [];
    const payload = isRecord(copy.payload) ? copy.payload : undefined;
    switch (type) {
      case 'medical.document-download':
        for (const entry of patients) localizeDocuments(entry, undefined);
        break;
      case 'medical.document-bulk-download-urls':
        for (const entry of patients) localizeDocuments(entry, 'url');
        break;
      case 'medical.document-bulk-download-paged':
        for (const entry of patients) localizeDocuments(entry, 'paged');
        break;
      case 'medical.consolidated-data':
        for (const entry of patients) {
          if (entry.bundle === undefined) continue;
          const query: ConsolidatedQuery = { requestId, status: 'completed', startedAt: '', resources: [], conversionType: 'json' };
          entry.bundle = this.consolidatedFiles(patientOf(entry), query, undefined).bundle;
        }
        break;
      case 'medical.bulk-patient-create': {
        const bulk = isRecord(copy.bulkPatientCreate) ? copy.bulkPatientCreate : undefined;
        if (bulk?.result !== undefined) {
          const jobId = typeof bulk.requestId === 'string' ? bulk.requestId : requestId;
          const patient = patientOf({});
          const csv = `externalId,firstName,lastName,dob,genderAtBirth,addressLine1,city,state,zip,metriportId,status,reason\next-1001,Jane,Sample,1986-04-12,F,12 Sample Street,Springfield,IL,62701,${patient.id},successful,\n`;
          this.putObject(BUCKETS.patientImport, this.importKey(jobId, 'result'), 'text/csv', Buffer.from(csv));
          bulk.result = this.sign({
            method: 'GET',
            bucket: BUCKETS.patientImport,
            key: this.importKey(jobId, 'result'),
            purpose: 'bulkImportResult',
          });
        }
        break;
      }
      case 'patient.admit':
      case 'patient.transfer':
      case 'patient.discharge': {
        if (payload === undefined) break;
        const patient = patientOf(payload);
        const event = type.slice('patient.'.length) as AdtEvent;
        const transfers = Array.isArray(payload.transfers) ? (payload.transfers as Array<Record<string, unknown>>) : [];
        const encounter: AdtEncounter = {
          encounterId: stableUuid(`${patient.id}/sample-encounter`),
          admittedAt: new Date(String(payload.admitTimestamp ?? SAMPLE_AS_OF.toISOString())),
          transferredAt: new Date(String(transfers[0]?.timestamp ?? SAMPLE_TRANSFER_AT)),
          ...(typeof payload.dischargeTimestamp === 'string' ? { dischargedAt: new Date(payload.dischargeTimestamp) } : {}),
          emergencyName: 'Example General Emergency Department',
          wardName: 'Example General Ward 4',
          facilityName: 'Example General Hospital',
        };
        payload.url = this.storeBundle({
          key: `${this.cxId}/${patient.id}/ADT/${encounter.encounterId}/${requestId}_${type}.hl7.json`,
          bundle: adtEncounterBundle(patient, { encounter, event, bundleId: requestId }),
          purpose: 'adtBundle',
          bucket: BUCKETS.hl7Conversions,
        });
        break;
      }
      case 'patient.pharmacy':
      case 'patient.laboratory': {
        if (payload === undefined) break;
        const patient = patientOf(payload);
        const extra =
          type === 'patient.pharmacy' ? pharmacyResources(patient, { asOf: SAMPLE_AS_OF }) : labResources(patient, { asOf: SAMPLE_AS_OF });
        payload.url = this.storeBundle({
          key: `${this.cxId}/${patient.id}/${type}/${requestId}.json`,
          bundle: collectionBundle([patientResource(patient), ...extra], { id: requestId, timestamp: SAMPLE_AS_OF }),
          purpose: 'adtBundle',
          bucket: BUCKETS.hl7Conversions,
        });
        break;
      }
      default:
        if (type.startsWith('network-query.') && payload !== undefined) {
          const patient = patientOf(payload);
          payload.consolidatedDataUrl = this.storeBundle({
            key: `${this.filePrefix(patient)}_CONSOLIDATED_DATA.json`,
            bundle: searchSetBundle(this.chart(patient, ['pharmacy', 'lab']), { id: requestId, timestamp: SAMPLE_AS_OF }),
            purpose: 'networkQuery',
            bucket: BUCKETS.medicalDocuments,
          });
        }
    }
    return copy;
  }

  private storeBundle(input: { key: string; bundle: unknown; purpose: keyof typeof URL_LIFETIMES_S; bucket: string }): string {
    const object = this.putObject(input.bucket, input.key, 'application/json', Buffer.from(JSON.stringify(input.bundle)));
    return this.sign({
      method: 'GET',
      bucket: input.bucket,
      key: input.key,
      purpose: input.purpose,
      ...(input.bucket === BUCKETS.hl7Conversions ? { versionId: object.versionId } : {}),
    });
  }

  // ---- persistence -----------------------------------------------------------------------------------------

  snapshot(): Record<string, unknown> {
    return {
      facilities: [...this.facilities.values()],
      patients: [...this.patients.values()],
      documents: Object.fromEntries(this.documents),
      documentQueries: Object.fromEntries(this.documentQueries),
      bulkUrlProgress: Object.fromEntries(this.bulkUrlProgress),
      consolidatedQueries: Object.fromEntries(this.consolidatedQueries),
      networkSourcesDone: Object.fromEntries(this.networkSourcesDone),
      networkQueries: [...this.networkQueries.values()],
      imports: [...this.imports.values()],
    };
  }

  restore(snapshot: unknown): void {
    this.clear();
    if (!isRecord(snapshot)) return;
    const list = (value: unknown) => (Array.isArray(value) ? (value as Array<Record<string, unknown>>).filter(isRecord) : []);
    const map = (value: unknown) => (isRecord(value) ? Object.entries(value) : []);
    for (const facility of list(snapshot.facilities))
      if (typeof facility.id === 'string') this.facilities.set(facility.id, facility as unknown as Facility);
    for (const patient of list(snapshot.patients))
      if (typeof patient.id === 'string') this.patients.set(patient.id, patient as unknown as EmulatedPatient);
    for (const [id, value] of map(snapshot.documents)) if (Array.isArray(value)) this.documents.set(id, value as StoredDocument[]);
    for (const [id, value] of map(snapshot.documentQueries))
      if (isRecord(value)) this.documentQueries.set(id, value as unknown as DocumentQuery);
    for (const [id, value] of map(snapshot.bulkUrlProgress)) if (isRecord(value)) this.bulkUrlProgress.set(id, value as never);
    for (const [id, value] of map(snapshot.consolidatedQueries))
      if (Array.isArray(value)) this.consolidatedQueries.set(id, value as ConsolidatedQuery[]);
    for (const [id, value] of map(snapshot.networkSourcesDone))
      if (Array.isArray(value)) this.networkSourcesDone.set(id, value as NetworkSource[]);
    for (const query of list(snapshot.networkQueries))
      if (typeof query.requestId === 'string') this.networkQueries.set(query.requestId, query as unknown as NetworkQuery);
    for (const job of list(snapshot.imports))
      if (typeof job.requestId === 'string') this.imports.set(job.requestId, job as unknown as ImportJob);
  }

  clear(): void {
    for (const collection of [
      this.facilities,
      this.patients,
      this.documents,
      this.documentQueries,
      this.bulkUrlProgress,
      this.consolidatedQueries,
      this.networkSourcesDone,
      this.networkQueries,
      this.imports,
    ]) {
      collection.clear();
    }
  }
}

/** `createQueryResponse`: the download progress first, then the rest of the stored progress. */
function queryResponse(query: DocumentQuery): Record<string, unknown> {
  return { download: { status: 'processing', ...query.download }, ...query };
}

function networkQueryDto(query: NetworkQuery): Record<string, unknown> {
  const statuses = query.sources.map((source) => source.status);
  const status = statuses.some((item) => item === 'processing')
    ? 'processing'
    : statuses.every((item) => item === 'completed')
      ? 'completed'
      : statuses.every((item) => item === 'failed')
        ? 'failed'
        : 'partial';
  return {
    requestId: query.requestId,
    startedAt: query.startedAt,
    status,
    sources: query.sources.map((source) => ({
      type: source.type,
      status: source.status,
      startedAt: source.startedAt,
      ...(source.completedAt === undefined ? {} : { completedAt: source.completedAt }),
    })),
  };
}

/** The patient fields every medical message carries: `patientId`, and `externalId` when there is one. */
function patientRef(patient: EmulatedPatient): Record<string, unknown> {
  return { patientId: patient.id, ...(patient.externalId ? { externalId: patient.externalId } : {}) };
}

/** `DocumentReferenceDTO` (`routes/medical/dtos/documentDTO.ts`). */
function documentDto(document: StoredDocument): Record<string, unknown> {
  return {
    id: document.id,
    description: document.description,
    fileName: document.fileName,
    type: document.type,
    status: document.status,
    indexed: document.indexed,
    mimeType: document.mimeType,
    size: document.size,
  };
}

/** `filtersToString`: every value a string, "" when absent. */
function stringFilters(filters: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).map(([key, value]) => [key, value ?? '']));
}

function sameResources(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function chartPatient(patient: EmulatedPatient | ChartPatient): ChartPatient {
  return { id: patient.id, cxId: patient.cxId, externalId: patient.externalId, data: patient.data };
}

/** The date samples are made as of (the fixtures' `meta.when`), so sample files stay the same run after run. */
const SAMPLE_AS_OF = new Date('2026-11-02T15:04:05.123Z');
const SAMPLE_TRANSFER_AT = '2026-11-03T08:00:00.000Z';

function placeholderPatient(cxId: string): EmulatedPatient {
  return {
    id: stableUuid(`${cxId}/placeholder`),
    eTag: '0',
    cxId,
    facilityIds: [],
    createdAt: new Date(0).toISOString(),
    data: { firstName: 'Unknown', lastName: 'Patient', dob: '1970-01-01', genderAtBirth: 'U', address: [] },
  };
}

export { patientDto };
