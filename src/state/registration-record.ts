import { isRecord } from '../util/json.js';

/** What `listen` writes before it changes the account, so a crash can be undone later. */
export interface RegistrationRecord {
  /** This session's own record, among the chain's. */
  id: string;
  environment: string;
  apiUrl: string;
  /**
   * The URL to put back; `null` when the account had none (it then cannot be cleared, see the notes). A
   * takeover (`--force`) inherits the original one, never the URL of the listen it took over from.
   */
  previousUrl: string | null;
  /** The URL before this listen could not be known (a damaged record was found): nothing is put back. */
  previousUnknown?: true;
  registeredUrl: string;
  pid: number;
  startedAt: string;
}

/** Pure: the records of a state file, or why it cannot be trusted. Reads the first format (one record) too. */
export function parseChain(text: string): { ok: true; records: RegistrationRecord[] } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, detail: 'it is not JSON (cut short by a crash?)' };
  }
  const items = isRecord(value) && Array.isArray(value.records) ? value.records : [value];
  const records: RegistrationRecord[] = [];
  for (const item of items) {
    const record = toRecord(item);
    if (record === undefined) return { ok: false, detail: 'a record does not have the expected fields' };
    records.push(record);
  }
  return { ok: true, records };
}

function toRecord(value: unknown): RegistrationRecord | undefined {
  if (!isRecord(value)) return undefined;
  const { environment, apiUrl, previousUrl, registeredUrl, pid, startedAt } = value;
  const valid =
    typeof environment === 'string' &&
    typeof apiUrl === 'string' &&
    (previousUrl === null || typeof previousUrl === 'string') &&
    typeof registeredUrl === 'string' &&
    registeredUrl !== '' &&
    typeof pid === 'number' &&
    Number.isInteger(pid) &&
    pid > 0 &&
    typeof startedAt === 'string';
  if (!valid) return undefined;
  const id = typeof value.id === 'string' && value.id !== '' ? value.id : `${pid}-${startedAt}`;
  return {
    id,
    environment,
    apiUrl,
    previousUrl,
    registeredUrl,
    pid,
    startedAt,
    ...(value.previousUnknown === true ? { previousUnknown: true as const } : {}),
  };
}
