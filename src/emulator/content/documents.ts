import { escapeXml } from '../objects.js';
import type { Resource } from './fhir.js';
import type { ChartPatient } from './patient-data.js';

/**
 * The files a document query finds, the renderings Metriport makes of them, and the CSV a bulk import
 * answers with. Invented content, no PHI; each file is valid for its type (a C-CDA R2.1 CCD, a PDF, HTML).
 */

function textOf(concept: unknown): string {
  const value = concept as { text?: string; coding?: Array<{ display?: string }> } | undefined;
  return value?.text ?? value?.coding?.[0]?.display ?? '';
}

function codingOf(concept: unknown): { system: string; code: string; display: string } {
  const coding = (concept as { coding?: Array<{ system?: string; code?: string; display?: string }> } | undefined)?.coding?.[0];
  return { system: coding?.system ?? '', code: coding?.code ?? '', display: coding?.display ?? '' };
}

const OIDS: Record<string, string> = {
  'http://snomed.info/sct': '2.16.840.1.113883.6.96',
  'http://loinc.org': '2.16.840.1.113883.6.1',
  'http://www.nlm.nih.gov/research/umls/rxnorm': '2.16.840.1.113883.6.88',
  'http://hl7.org/fhir/sid/icd-10-cm': '2.16.840.1.113883.6.90',
};

/** `20261030091244+0000`: an HL7 v3 TS. */
function hl7Time(iso: string): string {
  return `${iso.slice(0, 19).replace(/[-:T]/g, '')}+0000`;
}

function code(concept: unknown, element = 'code'): string {
  const coding = codingOf(concept);
  return `<${element} code="${escapeXml(coding.code)}" codeSystem="${OIDS[coding.system] ?? '2.16.840.1.113883.6.96'}" displayName="${escapeXml(coding.display)}"/>`;
}

/**
 * A C-CDA R2.1 Continuity of Care Document for the patient: header (record target, author, custodian) and
 * Problems, Medications and Allergies sections, each with its narrative table and coded entries.
 */
export function ccdaDocument(input: { patient: ChartPatient; chart: Resource[]; documentId: string; createdAt: Date }): string {
  const { patient, chart } = input;
  const { data } = patient;
  const conditions = chart.filter((resource) => resource.resourceType === 'Condition');
  const medications = chart.filter((resource) => resource.resourceType === 'MedicationStatement');
  const allergies = chart.filter((resource) => resource.resourceType === 'AllergyIntolerance');
  const address = data.address[0];
  const gender = data.genderAtBirth === 'U' || data.genderAtBirth === 'O' ? 'UN' : data.genderAtBirth;
  const rows = (items: Resource[], cells: (item: Resource) => string[]) =>
    items
      .map(
        (item) =>
          `<tr>${cells(item)
            .map((cell) => `<td>${escapeXml(cell)}</td>`)
            .join('')}</tr>`,
      )
      .join('');
  const problemEntries = conditions
    .map(
      (condition) =>
        `<entry typeCode="DRIV"><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.3" extension="2015-08-01"/><id root="${condition.id}"/><code code="CONC" codeSystem="2.16.840.1.113883.5.6"/><statusCode code="active"/><effectiveTime><low value="${hl7Time(String(condition.onsetDateTime))}"/></effectiveTime><entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.4" extension="2015-08-01"/><id root="${condition.id}" extension="observation"/><code code="55607006" codeSystem="2.16.840.1.113883.6.96" displayName="Problem"/><statusCode code="completed"/><effectiveTime><low value="${hl7Time(String(condition.onsetDateTime))}"/></effectiveTime>${code(condition.code, 'value xsi:type="CD"')}</observation></entryRelationship></act></entry>`,
    )
    .join('');
  const medicationEntries = medications
    .map(
      (medication) =>
        `<entry typeCode="DRIV"><substanceAdministration classCode="SBADM" moodCode="INT"><templateId root="2.16.840.1.113883.10.20.22.4.16" extension="2014-06-09"/><id root="${medication.id}"/><statusCode code="active"/><effectiveTime xsi:type="IVL_TS"><low value="${hl7Time(String((medication.effectivePeriod as { start: string }).start))}"/></effectiveTime><consumable><manufacturedProduct classCode="MANU"><templateId root="2.16.840.1.113883.10.20.22.4.23" extension="2014-06-09"/><manufacturedMaterial>${code(medication.medicationCodeableConcept)}</manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>`,
    )
    .join('');
  const allergyEntries = allergies
    .map(
      (allergy) =>
        `<entry typeCode="DRIV"><act classCode="ACT" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.30" extension="2015-08-01"/><id root="${allergy.id}"/><code code="CONC" codeSystem="2.16.840.1.113883.5.6"/><statusCode code="active"/><effectiveTime><low value="${hl7Time(String(allergy.recordedDate))}"/></effectiveTime><entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.7" extension="2014-06-09"/><id root="${allergy.id}" extension="observation"/><code code="ASSERTION" codeSystem="2.16.840.1.113883.5.4"/><statusCode code="completed"/><value xsi:type="CD" code="416098002" codeSystem="2.16.840.1.113883.6.96" displayName="Drug allergy"/><participant typeCode="CSM"><participantRole classCode="MANU"><playingEntity classCode="MMAT">${code(allergy.code)}</playingEntity></participantRole></participant></observation></entryRelationship></act></entry>`,
    )
    .join('');
  const section = (input: { templateId: string; loinc: string; title: string; header: string[]; rows: string; entries: string }) =>
    `<component><section><templateId root="${input.templateId}" extension="2015-08-01"/><code code="${input.loinc}" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="${escapeXml(input.title)}"/><title>${escapeXml(input.title)}</title><text><table border="1" width="100%"><thead><tr>${input.header.map((cell) => `<th>${escapeXml(cell)}</th>`).join('')}</tr></thead><tbody>${input.rows}</tbody></table></text>${input.entries}</section></component>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc">',
    '<realmCode code="US"/>',
    '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
    '<templateId root="2.16.840.1.113883.10.20.22.1.1" extension="2015-08-01"/>',
    '<templateId root="2.16.840.1.113883.10.20.22.1.2" extension="2015-08-01"/>',
    `<id root="${input.documentId}"/>`,
    '<code code="34133-9" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Summarization of Episode Note"/>',
    '<title>Continuity of Care Document</title>',
    `<effectiveTime value="${hl7Time(input.createdAt.toISOString())}"/>`,
    '<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>',
    '<languageCode code="en-US"/>',
    '<recordTarget><patientRole>',
    `<id root="2.16.840.1.113883.3.9621" extension="${escapeXml(patient.id)}"/>`,
    address
      ? `<addr use="HP"><streetAddressLine>${escapeXml(address.addressLine1)}</streetAddressLine><city>${escapeXml(address.city)}</city><state>${escapeXml(address.state)}</state><postalCode>${escapeXml(address.zip)}</postalCode><country>US</country></addr>`
      : '',
    ...(data.contact ?? []).flatMap((contact) => [
      ...(contact.phone ? [`<telecom use="HP" value="tel:${escapeXml(contact.phone)}"/>`] : []),
      ...(contact.email ? [`<telecom use="HP" value="mailto:${escapeXml(contact.email)}"/>`] : []),
    ]),
    `<patient><name use="L"><given>${escapeXml(data.firstName)}</given><family>${escapeXml(data.lastName)}</family></name>`,
    `<administrativeGenderCode code="${gender}" codeSystem="2.16.840.1.113883.5.1"/>`,
    `<birthTime value="${data.dob.replace(/-/g, '')}"/></patient>`,
    '</patientRole></recordTarget>',
    `<author><time value="${hl7Time(input.createdAt.toISOString())}"/><assignedAuthor><id root="2.16.840.1.113883.4.6" extension="1245319599"/><assignedPerson><name><given>Alex</given><family>Rivera</family></name></assignedPerson></assignedAuthor></author>`,
    '<custodian><assignedCustodian><representedCustodianOrganization><id root="2.16.840.1.113883.4.6" extension="1234567893"/><name>Example Community Health Center</name></representedCustodianOrganization></assignedCustodian></custodian>',
    '<component><structuredBody>',
    section({
      templateId: '2.16.840.1.113883.10.20.22.2.5.1',
      loinc: '11450-4',
      title: 'Problems',
      header: ['Problem', 'Status', 'Onset'],
      rows: rows(conditions, (condition) => [textOf(condition.code), 'Active', String(condition.onsetDateTime).slice(0, 10)]),
      entries: problemEntries,
    }),
    section({
      templateId: '2.16.840.1.113883.10.20.22.2.1.1',
      loinc: '10160-0',
      title: 'Medications',
      header: ['Medication', 'Instructions', 'Start'],
      rows: rows(medications, (medication) => [
        textOf(medication.medicationCodeableConcept),
        String((medication.dosage as Array<{ text?: string }>)[0]?.text ?? ''),
        String((medication.effectivePeriod as { start: string }).start).slice(0, 10),
      ]),
      entries: medicationEntries,
    }),
    section({
      templateId: '2.16.840.1.113883.10.20.22.2.6.1',
      loinc: '48765-2',
      title: 'Allergies and Intolerances',
      header: ['Substance', 'Reaction', 'Severity'],
      rows: rows(allergies, (allergy) => [
        textOf(allergy.code),
        textOf((allergy.reaction as Array<{ manifestation: unknown[] }>)[0]?.manifestation[0]),
        'Moderate',
      ]),
      entries: allergyEntries,
    }),
    '</structuredBody></component>',
    '</ClinicalDocument>',
    '',
  ].join('\n');
}

/** The chart rendered as an HTML page (the `html` rendering of a document or a medical record summary). */
export function summaryHtml(input: { patient: ChartPatient; chart: Resource[]; title: string }): string {
  const { data } = input.patient;
  const byType = (type: string) => input.chart.filter((resource) => resource.resourceType === type);
  const list = (heading: string, items: string[]) =>
    `<h2>${escapeXml(heading)}</h2>${items.length === 0 ? '<p>None recorded.</p>' : `<ul>${items.map((item) => `<li>${escapeXml(item)}</li>`).join('')}</ul>`}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>',
    escapeXml(input.title),
    '</title></head><body>',
    `<h1>${escapeXml(input.title)}</h1>`,
    `<p>${escapeXml(`${data.firstName} ${data.lastName}`)} · born ${escapeXml(data.dob)} · sex at birth ${escapeXml(data.genderAtBirth)}</p>`,
    list(
      'Problems',
      byType('Condition').map((item) => textOf(item.code)),
    ),
    list(
      'Medications',
      byType('MedicationStatement').map((item) => textOf(item.medicationCodeableConcept)),
    ),
    list(
      'Allergies',
      byType('AllergyIntolerance').map((item) => textOf(item.code)),
    ),
    list(
      'Results',
      byType('Observation').map(
        (item) =>
          `${textOf(item.code)}: ${(item.valueQuantity as { value: number; unit: string }).value} ${(item.valueQuantity as { unit: string }).unit}`,
      ),
    ),
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * A one-page PDF 1.4 with the lines given, in Helvetica: a real PDF (header, objects, a cross-reference table
 * with exact byte offsets, trailer), small enough to write by hand.
 */
export function simplePdf(lines: readonly string[]): Buffer {
  const pdfText = (text: string) => text.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
  const content = [
    'BT',
    '/F1 12 Tf',
    '14 TL',
    '72 740 Td',
    ...lines.map((line, index) => `${index === 0 ? '' : 'T* '}(${pdfText(line)}) Tj`),
    'ET',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(pdf, 'latin1'));
    pdf += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** The lines of a chart's PDF rendering. */
export function summaryLines(input: { patient: ChartPatient; chart: Resource[]; title: string }): string[] {
  const { data } = input.patient;
  const byType = (type: string) => input.chart.filter((resource) => resource.resourceType === type);
  return [
    input.title,
    `${data.firstName} ${data.lastName}, born ${data.dob}`,
    '',
    'Problems:',
    ...byType('Condition').map((item) => `  - ${textOf(item.code)}`),
    'Medications:',
    ...byType('MedicationStatement').map((item) => `  - ${textOf(item.medicationCodeableConcept)}`),
    'Allergies:',
    ...byType('AllergyIntolerance').map((item) => `  - ${textOf(item.code)}`),
  ];
}
