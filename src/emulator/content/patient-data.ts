/** The demographics the emulator keeps for a patient (Metriport's `PatientData`, as created through the API). */
export interface PatientAddress {
  addressLine1: string;
  addressLine2?: string | undefined;
  city: string;
  state: string;
  zip: string;
  country: string;
}

export interface PatientContact {
  phone?: string | undefined;
  email?: string | undefined;
}

export interface PatientDemographics {
  firstName: string;
  lastName: string;
  dob: string;
  genderAtBirth: 'F' | 'M' | 'O' | 'U';
  personalIdentifiers?: unknown[] | undefined;
  address: PatientAddress[];
  contact?: PatientContact[] | undefined;
}

/** What the content builders need to know of a patient. */
export interface ChartPatient {
  id: string;
  cxId: string;
  externalId?: string | undefined;
  data: PatientDemographics;
}

/** The invented patient of samples and of flows played without a patient (no PHI). */
export const SAMPLE_DEMOGRAPHICS: PatientDemographics = {
  firstName: 'Jane',
  lastName: 'Sample',
  dob: '1986-04-12',
  genderAtBirth: 'F',
  address: [{ addressLine1: '12 Sample Street', city: 'Springfield', state: 'IL', zip: '62701', country: 'USA' }],
  contact: [{ phone: '2175550100', email: 'jane.sample@example.com' }],
};
