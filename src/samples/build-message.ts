import { randomUUID } from 'node:crypto';
import { isRecord } from '../util/json.js';

/**
 * Gives a payload the `meta.messageId` and `meta.when` Metriport would, keeping any already there, with `meta`
 * in the order Metriport's sender builds it: messageId, requestId, when, type, data, then anything else
 * (`packages/api/src/command/webhook/webhook.ts`, processRequest).
 */
export function completeMeta(payload: Record<string, unknown>, now: Date): Record<string, unknown> {
  const meta = isRecord(payload.meta) ? payload.meta : {};
  const { messageId, requestId, when, type, data, ...rest } = meta;
  const completed = {
    messageId: messageId ?? randomUUID(),
    ...(requestId === undefined ? {} : { requestId }),
    when: when ?? now.toISOString(),
    ...(type === undefined ? {} : { type }),
    ...(data === undefined ? {} : { data }),
    ...rest,
  };
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) result[key] = key === 'meta' ? completed : value;
  if (!('meta' in payload)) result.meta = completed;
  return result;
}

/** Why a `--set` could not be applied; `trigger` turns it into a usage error. */
export class OverrideError extends Error {}

/** `--set meta.data.x=y`: sets a dotted path, creating objects on the way. Values that parse as JSON are JSON. */
export function applyOverride(payload: Record<string, unknown>, assignment: string): void {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new OverrideError(`"${assignment}" is not path=value`);
  const path = assignment.slice(0, equals).split('.');
  const text = assignment.slice(equals + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // A plain string.
  }
  let node: Record<string, unknown> = payload;
  for (let depth = 0; depth < path.length - 1; depth += 1) {
    const key = path[depth] as string;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new OverrideError(`"${key}" cannot be set`);
    const next = node[key];
    // Arrays are walked too, so `patients.0.status=failed` works.
    if (typeof next === 'object' && next !== null) {
      node = next as Record<string, unknown>;
      continue;
    }
    // A missing object may be made (`meta.data.clinic`), but never an array entry or a list that is not there.
    const reached = path.slice(0, depth + 1).join('.');
    if (next !== undefined || Array.isArray(node) || /^\d+$/.test(path[depth + 1] ?? '')) {
      throw new OverrideError(`"${reached}" ${next === undefined ? 'does not exist in this sample' : 'is not an object'}`);
    }
    node = node[key] = {};
  }
  const last = path[path.length - 1] as string;
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') throw new OverrideError(`"${last}" cannot be set`);
  node[last] = value;
}
