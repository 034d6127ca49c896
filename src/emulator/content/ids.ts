import { createHash } from 'node:crypto';

/**
 * A UUID (version 4 layout) derived from `seed`: the same patient always gets the same chart ids, so the
 * consolidated bundle, the encounter bundles and the documents of one patient refer to each other.
 */
export function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A whole number in [0, max) derived from `seed`. */
export function stableInt(seed: string, max: number): number {
  return Number.parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) % max;
}
