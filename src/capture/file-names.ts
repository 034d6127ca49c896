import { createHash } from 'node:crypto';

/**
 * Names of `--out` files: `<arrival time>_<sequence>_<type>_<messageId>.json`, so that `ls` sorts them by
 * arrival and shows what each holds. Anything the tool keeps beside them starts with `.`.
 */
const SAFE_ID = /^[A-Za-z0-9._-]+$/;
const MAX_ID_LENGTH = 128;
const NO_ID = 'no-message-id';
const NAME_PATTERN = /^(\d{8}T\d{9}Z)_(\d{6,})_([a-z0-9.-]+)_(.+)\.json$/;

/**
 * The form of a messageId used in file names and for duplicate detection. Metriport's ids are UUIDs and
 * stay verbatim; anything else is percent-encoded, and an overlong id becomes a hash so names stay legal.
 */
export function messageIdKey(messageId: string): string {
  const encoded = SAFE_ID.test(messageId) ? messageId : percentEncode(messageId);
  if (encoded.length <= MAX_ID_LENGTH) return encoded;
  return `sha256-${createHash('sha256').update(messageId).digest('hex')}`;
}

export function captureFileName(input: { receivedAt: Date; sequence: number; type: string; messageId: string | undefined }): string {
  const id = input.messageId === undefined ? NO_ID : messageIdKey(input.messageId);
  return `${stampOf(input.receivedAt)}_${String(input.sequence).padStart(6, '0')}_${typeInName(input.type)}_${id}.json`;
}

// A name is made for every stored message: under a burst most share their millisecond and all share a
// handful of types, so both parts are remembered rather than formatted again (BENCHMARKS.md, --out).
let lastStamp = { ms: Number.NaN, text: '' };
function stampOf(at: Date): string {
  const ms = at.getTime();
  if (ms !== lastStamp.ms) lastStamp = { ms, text: at.toISOString().replace(/[-:.]/g, '') };
  return lastStamp.text;
}

const typeNames = new Map<string, string>();
/** Types are few, but a signed sender could invent many: past this many, names are made each time. */
const TYPE_NAMES_KEPT = 256;
function typeInName(type: string): string {
  let name = typeNames.get(type);
  if (name === undefined) {
    name =
      type
        .toLowerCase()
        .replace(/[^a-z0-9.-]/g, '-')
        .slice(0, 64) || 'unknown';
    if (typeNames.size < TYPE_NAMES_KEPT) typeNames.set(type, name);
  }
  return name;
}

/** Whether a file name (no folder) is one of our captures. */
export function isCaptureFileName(fileName: string): boolean {
  return NAME_PATTERN.test(fileName);
}

/** The messageId key of a capture file, or `undefined` for files that are not captures (or have no id). */
export function messageIdKeyOfFile(fileName: string): string | undefined {
  const match = NAME_PATTERN.exec(fileName);
  const key = match?.[4];
  return key === undefined || key === NO_ID ? undefined : key;
}

function percentEncode(value: string): string {
  return Array.from(Buffer.from(value, 'utf8'))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return byte < 0x80 && /[A-Za-z0-9.-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** The arrival time a capture's name starts with (`20261128T101112345Z_…`), which survives copies that reset mtime. */
export function arrivalOfCaptureName(name: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z_/.exec(name);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, ms] = match;
  const at = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
