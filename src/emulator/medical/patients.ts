import { isRecord, jsonKind } from '../../util/json.js';
import { issue, ValidationError } from '../api-errors.js';
import type { PatientAddress, PatientContact, PatientDemographics } from '../content/patient-data.js';

/** A patient of the emulated account (Metriport's Patient row, with what the emulator tracks for its flows). */
export interface EmulatedPatient {
  id: string;
  eTag: string;
  cxId: string;
  facilityIds: string[];
  externalId?: string | undefined;
  createdAt: string;
  data: PatientDemographics;
}

/** `PatientDTO` as Metriport's `dtoFromModel` builds it (`routes/medical/dtos/patientDTO.ts`); undefined fields vanish in JSON. */
export function patientDto(patient: EmulatedPatient): Record<string, unknown> {
  const { firstName, lastName, dob, genderAtBirth, personalIdentifiers, address, contact } = patient.data;
  return {
    id: patient.id,
    eTag: patient.eTag,
    facilityIds: patient.facilityIds,
    externalId: patient.externalId,
    dateCreated: patient.createdAt,
    firstName,
    lastName,
    dob,
    genderAtBirth,
    personalIdentifiers,
    address,
    contact,
  };
}

const US_STATES = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'DC',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'AS',
  'GU',
  'MP',
  'PR',
  'VI',
  'UM',
];
const GENDERS = ['F', 'M', 'O', 'U'] as const;

/**
 * The body of `POST /patient`, checked as the SDK's `patientCreateSchema` (which Metriport's route parses
 * with) checks the fields an integration sends: names, date of birth, sex at birth, one or more US addresses,
 * contacts. Every issue is collected, in field order, as zod would report them.
 */
export function parsePatientCreate(body: unknown, today: Date): { data: PatientDemographics; externalId: string | undefined } {
  if (!isRecord(body)) throw new ValidationError([issue(`Expected object, received ${jsonKind(body)}`, [])]);
  const issues: string[] = [];
  const name = (field: 'firstName' | 'lastName') => {
    const value = body[field];
    if (value === undefined) issues.push(issue('Required', [field]));
    else if (typeof value !== 'string') issues.push(issue(`Expected string, received ${jsonKind(value)}`, [field]));
    else if (value.trim().length === 0) issues.push(issue('String must contain at least 1 character(s)', [field]));
    return typeof value === 'string' ? value.trim() : '';
  };
  const firstName = name('firstName');
  const lastName = name('lastName');
  const dob = body.dob;
  if (dob === undefined) issues.push(issue('Required', ['dob']));
  else if (typeof dob !== 'string') issues.push(issue(`Expected string, received ${jsonKind(dob)}`, ['dob']));
  else if (!isValidDate(dob) || dob > today.toISOString().slice(0, 10) || dob < '1900-01-01')
    issues.push(issue('Invalid date of birth', ['dob']));
  const gender = body.genderAtBirth;
  if (gender === undefined) issues.push(issue('Required', ['genderAtBirth']));
  else if (!GENDERS.includes(gender as (typeof GENDERS)[number]))
    issues.push(
      issue(`Invalid enum value. Expected ${GENDERS.map((item) => `'${item}'`).join(' | ')}, received '${String(gender)}'`, [
        'genderAtBirth',
      ]),
    );
  const addresses = parseAddresses(body.address, issues);
  const contact = parseContacts(body.contact, issues);
  if (body.externalId !== undefined && typeof body.externalId !== 'string')
    issues.push(issue(`Expected string, received ${jsonKind(body.externalId)}`, ['externalId']));
  if (body.personalIdentifiers !== undefined && !Array.isArray(body.personalIdentifiers))
    issues.push(issue(`Expected array, received ${jsonKind(body.personalIdentifiers)}`, ['personalIdentifiers']));
  if (issues.length > 0) throw new ValidationError(issues);
  // The schema is not strict: other keys (settings, cohorts, hie, …) are accepted; the emulator keeps none of them.
  return {
    data: {
      firstName,
      lastName,
      dob: dob as string,
      genderAtBirth: gender as PatientDemographics['genderAtBirth'],
      ...(Array.isArray(body.personalIdentifiers) ? { personalIdentifiers: body.personalIdentifiers } : {}),
      address: addresses,
      ...(contact === undefined ? {} : { contact }),
    },
    externalId: typeof body.externalId === 'string' ? body.externalId : undefined,
  };
}

function isValidDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** `address`: one address or a non-empty array of them; stored as an array, as Metriport stores it. */
function parseAddresses(value: unknown, issues: string[]): PatientAddress[] {
  if (value === undefined) {
    issues.push(issue('Required', ['address']));
    return [];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) issues.push(issue('Array must contain at least 1 element(s)', ['address']));
    return value.map((item, index) => parseAddress(item, ['address', index], issues));
  }
  return [parseAddress(value, ['address'], issues)];
}

function parseAddress(value: unknown, path: Array<string | number>, issues: string[]): PatientAddress {
  if (!isRecord(value)) {
    issues.push(issue(`Expected object, received ${jsonKind(value)}`, path));
    return { addressLine1: '', city: '', state: '', zip: '', country: 'USA' };
  }
  const text = (field: string, message: string): string => {
    const item = value[field];
    if (item === undefined) issues.push(issue('Required', [...path, field]));
    else if (typeof item !== 'string') issues.push(issue(`Expected string, received ${jsonKind(item)}`, [...path, field]));
    else if (item.trim().length === 0) issues.push(issue(message, [...path, field]));
    return typeof item === 'string' ? item.trim() : '';
  };
  const addressLine1 = text('addressLine1', 'Address line must be specified');
  const addressLine2 = typeof value.addressLine2 === 'string' && value.addressLine2.trim() !== '' ? value.addressLine2.trim() : undefined;
  const city = text('city', 'City must be specified');
  const state = value.state;
  if (state === undefined) issues.push(issue('Required', [...path, 'state']));
  else if (typeof state !== 'string' || !US_STATES.includes(state.toUpperCase())) issues.push(issue('Invalid input', [...path, 'state']));
  const zip = String(value.zip ?? '').replace(/\D/g, '');
  if (value.zip === undefined) issues.push(issue('Required', [...path, 'zip']));
  else if (zip.length !== 5) issues.push(issue('Zip must be a string consisting of 5 numbers', [...path, 'zip']));
  if (value.country !== undefined && value.country !== 'USA')
    issues.push(issue('Invalid literal value, expected "USA"', [...path, 'country']));
  return {
    addressLine1,
    ...(addressLine2 === undefined ? {} : { addressLine2 }),
    city,
    state: typeof state === 'string' ? state.toUpperCase() : '',
    zip,
    country: 'USA',
  };
}

/** `contact`: one or an array; each needs an email or a phone (10 digits once normalised). */
function parseContacts(value: unknown, issues: string[]): PatientContact[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) => {
    const path = Array.isArray(value) ? ['contact', index] : ['contact'];
    if (!isRecord(item)) {
      issues.push(issue(`Expected object, received ${jsonKind(item)}`, path));
      return {};
    }
    const phone =
      item.phone === undefined || item.phone === null
        ? undefined
        : String(item.phone)
            .replace(/\D/g, '')
            .replace(/^1(\d{10})$/, '$1');
    const email = typeof item.email === 'string' ? item.email : undefined;
    if (phone !== undefined && phone.length !== 10)
      issues.push(issue('Phone must be a string consisting of 10 numbers. For example: 4153245540', [...path, 'phone']));
    if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) issues.push(issue('Invalid email address', [...path, 'email']));
    if (phone === undefined && email === undefined) issues.push(issue('Either email or phone must be present', path));
    return { ...(phone === undefined ? {} : { phone }), ...(email === undefined ? {} : { email }) };
  });
}
