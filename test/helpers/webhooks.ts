import { sign } from '../../src/webhook/signature.js';

export const TEST_KEY = 'whk_test_7PqL2mZx9VbN4tR8cYwE';

let counter = 0;

/** A compact, Metriport-shaped message body with a unique messageId unless one is given. */
export function messageBody(type = 'medical.document-conversion', extra: Record<string, unknown> = {}, messageId?: string): Buffer {
  counter += 1;
  const id = messageId ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}-${process.pid}`;
  return Buffer.from(
    JSON.stringify({
      meta: { messageId: id, when: '2026-11-28T10:00:00.000Z', type },
      patients: [{ patientId: 'p-1', status: 'completed' }],
      ...extra,
    }),
  );
}

export function signedHeaders(body: Buffer | string, key = TEST_KEY): Record<string, string> {
  return { 'content-type': 'application/json', 'user-agent': 'Metriport API', 'x-metriport-signature': sign(key, body) };
}

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

export async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

export function postSigned(url: string, body: Buffer, key = TEST_KEY): Promise<Answer> {
  return post(url, body, signedHeaders(body, key));
}
