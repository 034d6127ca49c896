import { stableInt, stableUuid } from './ids.js';
import type { ChartPatient } from './patient-data.js';

/** A FHIR R4 resource as plain JSON. */
export interface Resource {
  resourceType: string;
  id: string;
  [field: string]: unknown;
}

export interface Bundle {
  resourceType: 'Bundle';
  [field: string]: unknown;
}

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
const UCUM = 'http://unitsofmeasure.org';
const NPI = 'http://hl7.org/fhir/sid/us-npi';

const GENDER = { F: 'female', M: 'male', O: 'other', U: 'unknown' } as const;

/** Invented clinical content (no PHI): picked per patient, so two patients differ but each stays the same. */
const PROBLEMS = [
  { snomed: '44054006', icd10: 'E11.9', display: 'Type 2 diabetes mellitus' },
  { snomed: '38341003', icd10: 'I10', display: 'Essential hypertension' },
  { snomed: '195967001', icd10: 'J45.909', display: 'Asthma' },
  { snomed: '55822004', icd10: 'E78.5', display: 'Hyperlipidemia' },
] as const;
const MEDICATIONS = [
  { rxnorm: '860975', display: 'metformin hydrochloride 500 MG Extended Release Oral Tablet', dose: 'Take 1 tablet by mouth daily' },
  { rxnorm: '314076', display: 'lisinopril 10 MG Oral Tablet', dose: 'Take 1 tablet by mouth daily' },
  { rxnorm: '745679', display: 'albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', dose: 'Inhale 2 puffs every 4 hours as needed' },
  { rxnorm: '617310', display: 'atorvastatin 20 MG Oral Tablet', dose: 'Take 1 tablet by mouth at bedtime' },
] as const;
const ALLERGIES = [
  { snomed: '7980', display: 'Penicillin G', rxnorm: true, reaction: { snomed: '271807003', display: 'Eruption of skin' } },
  { snomed: '2670', display: 'Codeine', rxnorm: true, reaction: { snomed: '422587007', display: 'Nausea' } },
] as const;

export interface ChartOptions {
  /** The chart's reference time: encounters and results are dated before it. */
  asOf: Date;
}

/** The people and places a patient's chart refers to. */
export function careTeam(patient: ChartPatient): { organization: Resource; practitioner: Resource; location: Resource } {
  const organization: Resource = {
    resourceType: 'Organization',
    id: stableUuid(`${patient.cxId}/organization`),
    identifier: [{ system: NPI, value: '1234567893' }],
    active: true,
    name: 'Example Community Health Center',
    telecom: [{ system: 'phone', value: '555-555-0100', use: 'work' }],
    address: [{ line: ['100 Example Way'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'USA' }],
  };
  const practitioner: Resource = {
    resourceType: 'Practitioner',
    id: stableUuid(`${patient.cxId}/practitioner`),
    identifier: [{ system: NPI, value: '1245319599' }],
    active: true,
    name: [{ family: 'Rivera', given: ['Alex'], prefix: ['Dr.'] }],
  };
  const location: Resource = {
    resourceType: 'Location',
    id: stableUuid(`${patient.cxId}/location/clinic`),
    status: 'active',
    name: 'Example Community Health Center - Main Clinic',
    type: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'OF', display: 'Outpatient facility' }],
      },
    ],
    address: { line: ['100 Example Way'], city: 'Springfield', state: 'IL', postalCode: '62701', country: 'USA' },
    managingOrganization: { reference: `Organization/${organization.id}` },
  };
  return { organization, practitioner, location };
}

/** The patient as a FHIR Patient resource (Metriport's `toFHIR`). */
export function patientResource(patient: ChartPatient): Resource {
  const { data } = patient;
  const telecom = (data.contact ?? []).flatMap((contact) => [
    ...(contact.phone ? [{ system: 'phone', value: contact.phone }] : []),
    ...(contact.email ? [{ system: 'email', value: contact.email }] : []),
  ]);
  return {
    resourceType: 'Patient',
    id: patient.id,
    ...(patient.externalId ? { identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.9621', value: patient.externalId }] } : {}),
    name: [{ family: data.lastName, given: [data.firstName] }],
    ...(telecom.length > 0 ? { telecom } : {}),
    gender: GENDER[data.genderAtBirth],
    birthDate: data.dob,
    address: data.address.map((address) => ({
      line: [address.addressLine1, ...(address.addressLine2 ? [address.addressLine2] : [])],
      city: address.city,
      state: address.state,
      postalCode: address.zip,
      country: address.country,
    })),
  };
}

function daysBefore(date: Date, days: number): string {
  return new Date(date.getTime() - days * 86_400_000).toISOString();
}

function dateOnly(iso: string): string {
  return iso.slice(0, 10);
}

function codeable(system: string, code: string, display: string): Record<string, unknown> {
  return { coding: [{ system, code, display }], text: display };
}

/**
 * A patient's chart as Metriport would have consolidated it from the documents it found: the patient, their
 * care team, an office visit, problems, medications, an allergy, vitals and a lab result with its report, an
 * immunization and a procedure. Every resource is valid FHIR R4 (the tests judge it with a real validator).
 */
export function patientChart(patient: ChartPatient, options: ChartOptions): Resource[] {
  const seed = patient.id;
  const team = careTeam(patient);
  const subject = { reference: `Patient/${patient.id}` };
  const visitDay = daysBefore(options.asOf, 30 + stableInt(`${seed}/visit`, 60));
  const encounter: Resource = {
    resourceType: 'Encounter',
    id: stableUuid(`${seed}/encounter/office`),
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    type: [codeable(SNOMED, '185349003', 'Encounter for check up')],
    subject,
    participant: [{ individual: { reference: `Practitioner/${team.practitioner.id}` } }],
    period: { start: visitDay, end: new Date(new Date(visitDay).getTime() + 30 * 60_000).toISOString() },
    location: [{ location: { reference: `Location/${team.location.id}` }, status: 'completed' }],
    serviceProvider: { reference: `Organization/${team.organization.id}` },
  };
  const encounterRef = { reference: `Encounter/${encounter.id}` };
  const first = stableInt(`${seed}/problems`, PROBLEMS.length);
  const problems = [PROBLEMS[first], PROBLEMS[(first + 1) % PROBLEMS.length]].map(
    (problem, index): Resource => ({
      resourceType: 'Condition',
      id: stableUuid(`${seed}/condition/${index}`),
      clinicalStatus: codeable('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
      verificationStatus: codeable('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
      category: [codeable('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')],
      code: {
        coding: [
          { system: SNOMED, code: problem?.snomed, display: problem?.display },
          { system: ICD10, code: problem?.icd10, display: problem?.display },
        ],
        text: problem?.display,
      },
      subject,
      encounter: encounterRef,
      onsetDateTime: daysBefore(options.asOf, 400 + index * 200),
      recordedDate: dateOnly(visitDay),
      recorder: { reference: `Practitioner/${team.practitioner.id}` },
    }),
  );
  const medications = [MEDICATIONS[first], MEDICATIONS[(first + 1) % MEDICATIONS.length]].map(
    (medication, index): Resource => ({
      resourceType: 'MedicationStatement',
      id: stableUuid(`${seed}/medication-statement/${index}`),
      status: 'active',
      medicationCodeableConcept: codeable(RXNORM, medication?.rxnorm ?? '', medication?.display ?? ''),
      subject,
      effectivePeriod: { start: daysBefore(options.asOf, 380 + index * 200) },
      dateAsserted: visitDay,
      informationSource: { reference: `Practitioner/${team.practitioner.id}` },
      dosage: [{ text: medication?.dose, timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
    }),
  );
  const allergyPick = ALLERGIES[stableInt(`${seed}/allergy`, ALLERGIES.length)] ?? ALLERGIES[0];
  const allergy: Resource = {
    resourceType: 'AllergyIntolerance',
    id: stableUuid(`${seed}/allergy`),
    clinicalStatus: codeable('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active'),
    verificationStatus: codeable('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed'),
    type: 'allergy',
    category: ['medication'],
    criticality: 'high',
    code: codeable(RXNORM, allergyPick.snomed, allergyPick.display),
    patient: subject,
    recordedDate: visitDay,
    reaction: [{ manifestation: [codeable(SNOMED, allergyPick.reaction.snomed, allergyPick.reaction.display)], severity: 'moderate' }],
  };
  const weight: Resource = {
    resourceType: 'Observation',
    id: stableUuid(`${seed}/observation/weight`),
    status: 'final',
    category: [codeable('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'Vital Signs')],
    code: codeable(LOINC, '29463-7', 'Body weight'),
    subject,
    encounter: encounterRef,
    effectiveDateTime: visitDay,
    valueQuantity: { value: 60 + stableInt(`${seed}/weight`, 40), unit: 'kg', system: UCUM, code: 'kg' },
  };
  const a1c: Resource = {
    resourceType: 'Observation',
    id: stableUuid(`${seed}/observation/a1c`),
    status: 'final',
    category: [codeable('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory')],
    code: codeable(LOINC, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
    subject,
    encounter: encounterRef,
    effectiveDateTime: visitDay,
    issued: visitDay,
    valueQuantity: { value: 5 + stableInt(`${seed}/a1c`, 40) / 10, unit: '%', system: UCUM, code: '%' },
    referenceRange: [{ low: { value: 4, unit: '%', system: UCUM, code: '%' }, high: { value: 5.6, unit: '%', system: UCUM, code: '%' } }],
  };
  const report: Resource = {
    resourceType: 'DiagnosticReport',
    id: stableUuid(`${seed}/report/a1c`),
    status: 'final',
    category: [codeable('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
    code: codeable(LOINC, '4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'),
    subject,
    encounter: encounterRef,
    effectiveDateTime: visitDay,
    issued: visitDay,
    performer: [{ reference: `Organization/${team.organization.id}` }],
    result: [{ reference: `Observation/${a1c.id}` }],
  };
  const immunization: Resource = {
    resourceType: 'Immunization',
    id: stableUuid(`${seed}/immunization/flu`),
    status: 'completed',
    vaccineCode: codeable(CVX, '158', 'influenza, injectable, quadrivalent, contains preservative'),
    patient: subject,
    encounter: encounterRef,
    occurrenceDateTime: visitDay,
    primarySource: true,
  };
  const procedure: Resource = {
    resourceType: 'Procedure',
    id: stableUuid(`${seed}/procedure/ecg`),
    status: 'completed',
    code: codeable(SNOMED, '29303009', 'Electrocardiographic procedure'),
    subject,
    encounter: encounterRef,
    performedDateTime: visitDay,
    performer: [{ actor: { reference: `Practitioner/${team.practitioner.id}` } }],
  };
  return [
    patientResource(patient),
    team.organization,
    team.practitioner,
    team.location,
    encounter,
    ...problems,
    ...medications,
    allergy,
    weight,
    a1c,
    report,
    immunization,
    procedure,
  ];
}

/** What a pharmacy network adds to the chart: the dispenses of the patient's medications. */
export function pharmacyResources(patient: ChartPatient, options: ChartOptions): Resource[] {
  const seed = patient.id;
  const first = stableInt(`${seed}/problems`, MEDICATIONS.length);
  const pharmacy: Resource = {
    resourceType: 'Organization',
    id: stableUuid(`${seed}/pharmacy`),
    active: true,
    type: [codeable('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name: 'Example Pharmacy #1042',
  };
  const dispenses = [MEDICATIONS[first], MEDICATIONS[(first + 1) % MEDICATIONS.length]].map(
    (medication, index): Resource => ({
      resourceType: 'MedicationDispense',
      id: stableUuid(`${seed}/dispense/${index}`),
      status: 'completed',
      medicationCodeableConcept: codeable(RXNORM, medication?.rxnorm ?? '', medication?.display ?? ''),
      subject: { reference: `Patient/${patient.id}` },
      performer: [{ actor: { reference: `Organization/${pharmacy.id}` } }],
      quantity: { value: 30, unit: 'tablet', system: UCUM, code: '{tbl}' },
      daysSupply: { value: 30, unit: 'day', system: UCUM, code: 'd' },
      whenHandedOver: daysBefore(options.asOf, 5 + index * 3),
      dosageInstruction: [{ text: medication?.dose }],
    }),
  );
  return [pharmacy, ...dispenses];
}

/** What a laboratory network adds to the chart: a lipid result and its report. */
export function labResources(patient: ChartPatient, options: ChartOptions): Resource[] {
  const seed = patient.id;
  const lab: Resource = {
    resourceType: 'Organization',
    id: stableUuid(`${seed}/reference-lab`),
    active: true,
    name: 'Example Reference Laboratory',
  };
  const collected = daysBefore(options.asOf, 3);
  const ldl: Resource = {
    resourceType: 'Observation',
    id: stableUuid(`${seed}/observation/ldl`),
    status: 'final',
    category: [codeable('http://terminology.hl7.org/CodeSystem/observation-category', 'laboratory', 'Laboratory')],
    code: codeable(LOINC, '13457-7', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation'),
    subject: { reference: `Patient/${patient.id}` },
    effectiveDateTime: collected,
    issued: collected,
    performer: [{ reference: `Organization/${lab.id}` }],
    valueQuantity: { value: 90 + stableInt(`${seed}/ldl`, 80), unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
  };
  const report: Resource = {
    resourceType: 'DiagnosticReport',
    id: stableUuid(`${seed}/report/lipid`),
    status: 'final',
    category: [codeable('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
    code: codeable(LOINC, '57698-3', 'Lipid panel with direct LDL - Serum or Plasma'),
    subject: { reference: `Patient/${patient.id}` },
    effectiveDateTime: collected,
    issued: collected,
    performer: [{ reference: `Organization/${lab.id}` }],
    result: [{ reference: `Observation/${ldl.id}` }],
  };
  return [lab, ldl, report];
}

/**
 * Keeps the resources of the requested types (all when none), the Patient, and whatever they refer to, as
 * Metriport hydrates a filtered consolidated query with the referenced resources.
 */
export function filterResources(resources: Resource[], types: readonly string[]): Resource[] {
  if (types.length === 0) return resources;
  const byReference = new Map(resources.map((resource) => [`${resource.resourceType}/${resource.id}`, resource]));
  const kept = new Set(resources.filter((resource) => types.includes(resource.resourceType) || resource.resourceType === 'Patient'));
  const pending = [...kept];
  while (pending.length > 0) {
    const resource = pending.pop() as Resource;
    for (const reference of referencesOf(resource)) {
      const target = byReference.get(reference);
      if (target !== undefined && !kept.has(target)) {
        kept.add(target);
        pending.push(target);
      }
    }
  }
  return resources.filter((resource) => kept.has(resource));
}

function referencesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => (key === 'reference' && typeof item === 'string' ? [item] : referencesOf(item)));
}

/** A `searchset` Bundle as Metriport builds one (`buildSearchSetBundle`): `total`, and each entry's `fullUrl`. */
export function searchSetBundle(resources: Resource[], options: { id: string; timestamp: Date }): Bundle {
  return {
    resourceType: 'Bundle',
    id: options.id,
    meta: { lastUpdated: options.timestamp.toISOString() },
    type: 'searchset',
    timestamp: options.timestamp.toISOString(),
    total: resources.length,
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource, search: { mode: 'match' } })),
  };
}

/** A `collection` Bundle (the shape of an ADT message converted to FHIR). */
export function collectionBundle(resources: Resource[], options: { id: string; timestamp: Date }): Bundle {
  return {
    resourceType: 'Bundle',
    id: options.id,
    type: 'collection',
    timestamp: options.timestamp.toISOString(),
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
  };
}

export type AdtEvent = 'admit' | 'transfer' | 'discharge';

export interface AdtEncounter {
  /** The link between an admit, its transfers and its discharge: Metriport's only one. */
  encounterId: string;
  admittedAt: Date;
  transferredAt?: Date | undefined;
  dischargedAt?: Date | undefined;
  emergencyName: string;
  wardName: string;
  facilityName: string;
}

/**
 * The encounter bundle an ADT message's `url` points to: the Patient, the inpatient Encounter (the same id
 * in the admit, the transfer and the discharge), its Locations, the facility, and the diagnosis (Condition).
 * The Encounter's status and location history follow the event.
 */
export function adtEncounterBundle(patient: ChartPatient, input: { encounter: AdtEncounter; event: AdtEvent; bundleId: string }): Bundle {
  const { encounter, event } = input;
  const seed = `${patient.id}/adt/${encounter.encounterId}`;
  const facility: Resource = {
    resourceType: 'Organization',
    id: stableUuid(`${seed}/facility`),
    active: true,
    name: encounter.facilityName,
  };
  const emergency: Resource = {
    resourceType: 'Location',
    id: stableUuid(`${seed}/location/emergency`),
    status: 'active',
    name: encounter.emergencyName,
    type: [codeable('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'ER', 'Emergency room')],
    managingOrganization: { reference: `Organization/${facility.id}` },
  };
  const ward: Resource = {
    resourceType: 'Location',
    id: stableUuid(`${seed}/location/ward`),
    status: 'active',
    name: encounter.wardName,
    type: [codeable('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'HU', 'Hospital unit')],
    managingOrganization: { reference: `Organization/${facility.id}` },
  };
  const diagnosis: Resource = {
    resourceType: 'Condition',
    id: stableUuid(`${seed}/diagnosis`),
    clinicalStatus: codeable('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    category: [codeable('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', 'Encounter Diagnosis')],
    code: {
      coding: [
        { system: ICD10, code: 'J18.9', display: 'Pneumonia, unspecified organism' },
        { system: SNOMED, code: '233604007', display: 'Pneumonia' },
      ],
      text: 'Pneumonia, unspecified organism',
    },
    subject: { reference: `Patient/${patient.id}` },
    encounter: { reference: `Encounter/${encounter.encounterId}` },
    recordedDate: encounter.admittedAt.toISOString(),
  };
  const moved = event !== 'admit' && encounter.transferredAt !== undefined;
  const locations = [
    {
      location: { reference: `Location/${emergency.id}`, display: encounter.emergencyName },
      status: moved || event === 'discharge' ? 'completed' : 'active',
      period: {
        start: encounter.admittedAt.toISOString(),
        ...(moved ? { end: encounter.transferredAt?.toISOString() } : {}),
        ...(!moved && event === 'discharge' ? { end: encounter.dischargedAt?.toISOString() } : {}),
      },
    },
    ...(moved
      ? [
          {
            location: { reference: `Location/${ward.id}`, display: encounter.wardName },
            status: event === 'discharge' ? 'completed' : 'active',
            period: {
              start: encounter.transferredAt?.toISOString(),
              ...(event === 'discharge' ? { end: encounter.dischargedAt?.toISOString() } : {}),
            },
          },
        ]
      : []),
  ];
  const fhirEncounter: Resource = {
    resourceType: 'Encounter',
    id: encounter.encounterId,
    status: event === 'discharge' ? 'finished' : 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    type: [codeable(SNOMED, '32485007', 'Hospital admission')],
    subject: { reference: `Patient/${patient.id}` },
    period: {
      start: encounter.admittedAt.toISOString(),
      ...(event === 'discharge' && encounter.dischargedAt ? { end: encounter.dischargedAt.toISOString() } : {}),
    },
    reasonCode: [codeable(SNOMED, '233604007', 'Pneumonia')],
    diagnosis: [{ condition: { reference: `Condition/${diagnosis.id}` }, rank: 1 }],
    hospitalization: {
      admitSource: codeable('http://terminology.hl7.org/CodeSystem/admit-source', 'emd', 'From accident/emergency department'),
      ...(event === 'discharge'
        ? { dischargeDisposition: codeable('http://terminology.hl7.org/CodeSystem/discharge-disposition', 'home', 'Home') }
        : {}),
    },
    location: locations,
    serviceProvider: { reference: `Organization/${facility.id}` },
  };
  const timestamp =
    event === 'admit'
      ? encounter.admittedAt
      : event === 'transfer'
        ? (encounter.transferredAt ?? encounter.admittedAt)
        : (encounter.dischargedAt ?? encounter.admittedAt);
  return collectionBundle([patientResource(patient), fhirEncounter, facility, emergency, ...(moved ? [ward] : []), diagnosis], {
    id: input.bundleId,
    timestamp,
  });
}
