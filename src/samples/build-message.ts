import { randomUUID } from 'node:crypto';
import { isRecord } from '../util/json.js';
import { closest } from '../util/suggest.js';

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
export class OverrideError extends Error {
  constructor(
    message: string,
    readonly hint = 'Write it as path=value, e.g. --set meta.data.clinic=7.',
  ) {
    super(message);
  }
}

/**
 * `--set meta.data.x=y`: sets a dotted path. Values that parse as JSON are JSON. The path must name a field
 * Metriport sends in this type (one of the `shapes`, the type's completed and failed samples), so a typo is
 * refused with the closest field rather than quietly added; new keys are free only where the payload is
 * the user's own (`meta.data`) or open by design (inside a FHIR resource).
 */
export function applyOverride(payload: Record<string, unknown>, assignment: string, shapes: readonly unknown[]): void {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw new OverrideError(`"${assignment}" is not path=value`, 'Write it as path=value, e.g. --set meta.data.clinic=7.');
  const path = assignment.slice(0, equals).split('.');
  const text = assignment.slice(equals + 1);
  let value: unknown = text;
  try {
    value = JSON.parse(text);
  } catch {
    // A plain string.
  }
  let node: Record<string, unknown> = payload;
  // Objects the path needs are made detached and attached only once the whole path is accepted.
  let detached: { parent: Record<string, unknown>; key: string; root: Record<string, unknown> } | undefined;
  // `meta.data` is the user's own metadata, sent back as given: any key goes.
  let open = path[0] === 'meta' && path[1] === 'data';
  for (let depth = 0; depth < path.length; depth += 1) {
    const key = path[depth] as string;
    const reached = path.slice(0, depth + 1).join('.');
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new OverrideError(`"${key}" cannot be set`);
    open ||= typeof node.resourceType === 'string';
    if (Array.isArray(node) && !(/^\d+$/.test(key) && Number(key) < node.length)) {
      throw new OverrideError(
        `"${reached}" does not exist in this sample`,
        `The list has ${node.length} ${node.length === 1 ? 'entry' : 'entries'}, from 0.`,
      );
    }
    if (!Array.isArray(node) && !Object.hasOwn(node, key) && !(open && depth > 0)) {
      const known = keysAt(shapes, path.slice(0, depth));
      if (!known.includes(key)) throw unknownField(reached, key, known);
    }
    if (depth === path.length - 1) break;
    const next = node[key];
    // Arrays are walked too, so `patients.0.status=failed` works.
    if (typeof next === 'object' && next !== null) {
      node = next as Record<string, unknown>;
      continue;
    }
    // A missing object may be made (`meta.data.clinic`), but never an array entry or a list that is not there.
    if (next !== undefined || /^\d+$/.test(path[depth + 1] ?? '')) {
      throw new OverrideError(`"${reached}" ${next === undefined ? 'does not exist in this sample' : 'is not an object'}`);
    }
    const made: Record<string, unknown> = {};
    if (detached === undefined) detached = { parent: node, key, root: made };
    else node[key] = made;
    node = made;
  }
  node[path[path.length - 1] as string] = value;
  if (detached !== undefined) detached.parent[detached.key] = detached.root;
}

function unknownField(reached: string, key: string, known: readonly string[]): OverrideError {
  const guess = closest(key, known);
  const parent = reached.slice(0, reached.length - key.length);
  if (guess !== undefined) return new OverrideError(`"${reached}" is not a field of this message`, `Did you mean ${parent}${guess}?`);
  if (known.length === 0) return new OverrideError(`"${reached}" is not a field of this message`, 'Fields of your own go under meta.data.');
  return new OverrideError(
    `"${reached}" is not a field of this message`,
    `Fields there: ${known.join(', ')}; fields of your own go under meta.data.`,
  );
}

/** The keys the shapes have at `path`, where a number step means any element of a list. */
function keysAt(shapes: readonly unknown[], path: readonly string[]): string[] {
  let nodes = [...shapes];
  for (const step of path) {
    nodes = nodes.flatMap((node) => {
      if (Array.isArray(node)) return /^\d+$/.test(step) ? node : [];
      return isRecord(node) && Object.hasOwn(node, step) ? [node[step]] : [];
    });
  }
  return [...new Set(nodes.flatMap((node) => (isRecord(node) ? Object.keys(node) : [])))];
}
