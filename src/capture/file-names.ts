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
  const stamp = input.receivedAt.toISOString().replace(/[-:.]/g, '');
  const type = input.type.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 64) || 'unknown';
  const id = input.messageId === undefined ? NO_ID : messageIdKey(input.messageId);
  return `${stamp}_${String(input.sequence).padStart(6, '0')}_${type}_${id}.json`;
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
