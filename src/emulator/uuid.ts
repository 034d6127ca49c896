import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7 (48 bits of Unix milliseconds, then random bits), the kind Metriport gives patients, jobs
 * and request ids (`@metriport/core/util/uuid-v7`): ids made later sort later.
 */
export function uuidv7(now: Date): string {
  const bytes = randomBytes(16);
  const ms = BigInt(now.getTime());
  for (let index = 0; index < 6; index += 1) bytes[index] = Number((ms >> BigInt(8 * (5 - index))) & 0xffn);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
