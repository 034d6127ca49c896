import type { ChalkInstance } from 'chalk';
import { isRecord } from '../util/json.js';
import { visible } from './visible.js';

export interface PrettyJsonOptions {
  /** Stop after this many lines (the rest is counted, not rendered). */
  maxLines: number;
  /** Longer strings are cut, with the number of characters left out. */
  maxStringLength: number;
  palette: ChalkInstance;
}

export interface PrettyJson {
  lines: string[];
  /** True when `maxLines` cut the output short. */
  truncated: boolean;
}

type Frame = { indent: string; keys: string[] | undefined; values: unknown[]; index: number; close: string; suffix: string };

/** Deeper levels are shown at this indentation: a payload nested 100,000 deep must not build 200 KB lines. */
const MAX_INDENT_LEVELS = 40;

/**
 * Indented, coloured JSON that stops as soon as `maxLines` is reached, so a 20 MB payload costs no more
 * to preview than a small one. Iterative, so deeply nested input cannot overflow the stack.
 */
export function prettyJson(value: unknown, options: PrettyJsonOptions): PrettyJson {
  const { palette, maxLines } = options;
  const lines: string[] = [];
  const stack: Frame[] = [];

  const emit = (indent: string, prefix: string, item: unknown, suffix: string) => {
    if (Array.isArray(item) && item.length > 0) {
      lines.push(`${indent}${prefix}[`);
      stack.push({ indent, keys: undefined, values: item, index: 0, close: ']', suffix });
    } else if (isRecord(item) && Object.keys(item).length > 0) {
      const keys = Object.keys(item);
      lines.push(`${indent}${prefix}{`);
      stack.push({ indent, keys, values: keys.map((key) => item[key]), index: 0, close: '}', suffix });
    } else {
      lines.push(`${indent}${prefix}${scalar(item, options)}${suffix}`);
    }
  };

  emit('', '', value, '');
  while (stack.length > 0 && lines.length <= maxLines) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.index >= frame.values.length) {
      stack.pop();
      lines.push(`${frame.indent}${frame.close}${frame.suffix}`);
      continue;
    }
    const i = frame.index++;
    const key = frame.keys?.[i];
    const prefix = key === undefined ? '' : `${palette.cyan(quoted(key))}: `;
    const indent = frame.indent.length >= MAX_INDENT_LEVELS * 2 ? frame.indent : `${frame.indent}  `;
    emit(indent, prefix, frame.values[i], i < frame.values.length - 1 ? ',' : '');
  }
  const truncated = lines.length > maxLines || stack.length > 0;
  return { lines: lines.slice(0, maxLines), truncated };
}

/** What needs escaping in a JSON string, or on a terminal: quote, backslash, C0, DEL, C1, and surrogates (lone ones are escaped by JSON.stringify). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPING = /["\\\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;

/**
 * A string as JSON shows it, safe for a terminal. Most keys and values need no escaping at all, and
 * quoting them directly is much cheaper than stringifying and scanning (a preview runs per message).
 */
function quoted(text: string): string {
  return NEEDS_ESCAPING.test(text) ? visible(JSON.stringify(text)) : `"${text}"`;
}

function scalar(value: unknown, options: PrettyJsonOptions): string {
  const { palette } = options;
  if (typeof value === 'string') {
    const cut = value.length > options.maxStringLength;
    // JSON.stringify escapes C0 controls but not DEL or C1 (the 8-bit CSI): those are escaped for the terminal.
    const shown = quoted(cut ? value.slice(0, options.maxStringLength) : value);
    return palette.green(shown) + (cut ? palette.dim(` …+${value.length - options.maxStringLength} chars`) : '');
  }
  if (typeof value === 'number') return palette.yellow(String(value));
  if (typeof value === 'boolean' || value === null) return palette.magenta(String(value));
  if (Array.isArray(value)) return '[]';
  return '{}';
}
