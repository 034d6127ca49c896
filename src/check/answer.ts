import type { IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, inflateRawSync, inflateSync, unzipSync } from 'node:zlib';
import { isRecord, parseJsonOr } from '../util/json.js';
import type { Stack, StackName } from './results.js';

/**
 * An answer's body as Metriport's sender (axios 1.x in Node) reads it: the content-encoding undone (gzip,
 * x-gzip, compress, deflate, br) and a UTF-8 byte-order mark dropped. An encoding that cannot be undone makes
 * axios fail the request, so it is reported, not guessed around.
 */
export function decodeAnswer(input: { body: Buffer; headers: IncomingHttpHeaders; truncated: boolean }): {
  text: string;
  decoded: string[];
  undecodable?: string;
} {
  const encoding = headerText(input.headers['content-encoding'])?.trim().toLowerCase() ?? '';
  const decoded: string[] = [];
  let bytes = input.body;
  if (encoding !== '' && encoding !== 'identity' && bytes.length > 0) {
    try {
      bytes = undo(encoding, bytes);
      decoded.push(encoding);
    } catch {
      // A cut answer (the tool keeps its first MiB) cannot be undone either; that is ours, not the endpoint's.
      if (!input.truncated) return { text: '', decoded, undecodable: encoding };
    }
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
    decoded.push('bom');
  }
  return { text, decoded };
}

function undo(encoding: string, bytes: Buffer): Buffer {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
    case 'compress':
    case 'x-compress':
      return unzipSync(bytes);
    case 'deflate':
      // axios looks at the first byte: a zlib header, or raw deflate without one.
      return (bytes[0] ?? 0) === 0x78 ? inflateSync(bytes) : inflateRawSync(bytes);
    case 'br':
      return brotliDecompressSync(bytes);
    default:
      // axios leaves an encoding it does not know as it is.
      return bytes;
  }
}

/**
 * Whether a decoded answer is the pong Metriport's `sendTestPayload` accepts: axios parses any body that is
 * JSON (whatever its content-type), and the result must be an object whose `pong` is the ping's value.
 */
export function isPong(text: string, ping: string): boolean {
  const answer = parseJsonOr(text, undefined);
  return isRecord(answer) && answer.pong === ping;
}

const STACKS: ReadonlyArray<{ header: 'x-powered-by' | 'server'; pattern: RegExp; name: StackName }> = [
  { header: 'x-powered-by', pattern: /^express/i, name: 'express' },
  { header: 'x-powered-by', pattern: /next\.js/i, name: 'nextjs' },
  { header: 'x-powered-by', pattern: /^php/i, name: 'php' },
  { header: 'x-powered-by', pattern: /asp\.net/i, name: 'aspnet' },
  { header: 'server', pattern: /^kestrel/i, name: 'aspnet' },
  { header: 'server', pattern: /^uvicorn|^hypercorn/i, name: 'fastapi' },
  { header: 'server', pattern: /^werkzeug/i, name: 'flask' },
  { header: 'server', pattern: /^wsgiserver/i, name: 'django' },
  { header: 'server', pattern: /^gunicorn|^waitress/i, name: 'python' },
  { header: 'server', pattern: /^puma|^webrick|^passenger/i, name: 'rails' },
];

/** The framework an answer's `x-powered-by` or `server` header names, when one does. */
export function detectStack(answer: { server?: string | undefined; poweredBy?: string | undefined }): Stack | undefined {
  for (const rule of STACKS) {
    const value = rule.header === 'server' ? answer.server : answer.poweredBy;
    if (value !== undefined && rule.pattern.test(value)) return { name: rule.name, evidence: `${rule.header}: ${value}` };
  }
  return undefined;
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
