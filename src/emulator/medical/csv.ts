/** The bulk patient import's CSV, read and answered as Metriport's patient-import steps do (`packages/core/src/command/patient-import/`). */

/** RFC 4180 fields: commas, double quotes doubled inside quoted fields, CRLF or LF line ends. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let index = 0; index < input.length; index += 1) {
    const char = input[index] as string;
    if (quoted) {
      if (char === '"' && input[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && input[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((cells) => cells.some((cell) => cell.trim() !== ''));
}

/** Writes a field, quoted when it holds a comma, a quote or a line end (`escapeCsvValueIfNeeded`). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export interface ImportRow {
  rowNumber: number;
  raw: string;
  patient?: {
    firstName: string;
    lastName: string;
    dob: string;
    genderAtBirth: 'F' | 'M' | 'O' | 'U';
    externalId?: string | undefined;
    address: { addressLine1: string; addressLine2?: string; city: string; state: string; zip: string; country: string };
    contact?: { phone?: string; email?: string };
  };
  error?: string;
}

/**
 * Each data row of an import file, parsed with its headers read case-insensitively (csv-parser lower-cases
 * them in Metriport) and the `-1` suffix of the first address and contact accepted. A row that cannot make a
 * patient carries the reason the result CSV shows.
 */
export function parseImportRows(text: string): { headers: string[]; rows: ImportRow[] } {
  const table = parseCsv(text);
  const [headerRow, ...data] = table;
  if (headerRow === undefined) return { headers: [], rows: [] };
  const headers = headerRow.map((header) => header.trim());
  const keys = headers.map((header) => header.toLowerCase().replace(/-1$/, ''));
  const rows = data.map((cells, index): ImportRow => {
    const value = (name: string) => (cells[keys.indexOf(name)] ?? '').trim();
    const raw = cells.map(csvField).join(',');
    const errors: string[] = [];
    const firstName = value('firstname');
    const lastName = value('lastname');
    if (!firstName) errors.push('Missing first name');
    if (!lastName) errors.push('Missing last name');
    const dob = normalizeDob(value('dob'));
    if (!dob) errors.push('Missing/invalid dob');
    const genderAtBirth = normalizeGender(value('genderatbirth'));
    if (!genderAtBirth) errors.push('Missing/invalid genderAtBirth');
    const zip = value('zip').replace(/\D/g, '');
    const addressLine1 = value('addressline1');
    const city = value('city');
    const state = value('state').toUpperCase();
    if (!addressLine1 || !city || state.length !== 2 || zip.length !== 5) errors.push('Missing/invalid address');
    if (errors.length > 0 || !dob || !genderAtBirth) return { rowNumber: index + 1, raw, error: errors.join('; ') };
    const phone = value('phone').replace(/\D/g, '');
    const email = value('email');
    const addressLine2 = value('addressline2');
    const externalId = value('externalid');
    return {
      rowNumber: index + 1,
      raw,
      patient: {
        firstName,
        lastName,
        dob,
        genderAtBirth,
        ...(externalId ? { externalId } : {}),
        address: { addressLine1, ...(addressLine2 ? { addressLine2 } : {}), city, state, zip, country: 'USA' },
        ...(phone || email ? { contact: { ...(phone ? { phone } : {}), ...(email ? { email } : {}) } } : {}),
      },
    };
  });
  return { headers, rows };
}

/** `1980-02-29`, `19800229` or `02/29/1980` → `1980-02-29`; anything else (or an impossible date) → undefined. */
function normalizeDob(text: string): string | undefined {
  const iso = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1]?.padStart(2, '0'), us[2]?.padStart(2, '0')] : [];
  if (year === undefined) return undefined;
  const candidate = `${year}-${month}-${day}`;
  const date = new Date(`${candidate}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === candidate ? candidate : undefined;
}

function normalizeGender(text: string): 'F' | 'M' | 'O' | 'U' | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'f' || value === 'female') return 'F';
  if (value === 'm' || value === 'male') return 'M';
  if (value === 'o' || value === 'other') return 'O';
  if (value === 'u' || value === 'unknown') return 'U';
  return undefined;
}

/** A ready-made import file (invented people), for the bulk-import flow and the docs. */
export const SAMPLE_IMPORT_CSV = [
  'externalId,firstName,lastName,dob,genderAtBirth,addressLine1,addressLine2,city,state,zip,phone,email',
  'ext-2001,Avery,Quinn,1984-03-12,F,12 Sample Street,,Springfield,IL,62701,2175550101,avery.quinn@example.com',
  'ext-2002,Jordan,Ellis,1979-11-02,M,48 Example Avenue,Apt 3,Springfield,IL,62702,2175550102,',
  'ext-2003,Casey,,1990-07-21,F,7 Invalid Row Road,,Springfield,IL,62703,,',
  '',
].join('\n');
