/**
 * Text that came from outside (payload fields, API answers, an app's body) made safe to print on a terminal:
 * control characters (C0, DEL, C1: the start of every ANSI, OSC and CSI sequence) are shown escaped, as
 * `\x1b`, never dropped, so nothing a sender writes can clear the screen, forge lines or set the clipboard.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same class, not global: most text has no control character, and a test is far cheaper than a replace. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function visible(text: string): string {
  if (!HAS_CONTROL.test(text)) return text;
  return text.replace(CONTROL, (char) => {
    const code = char.charCodeAt(0);
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** DEL and C1, which `JSON.stringify` leaves as they are. */
const JSON_LEAVES_RAW = /[\u007f-\u009f]/g;

/**
 * One `--json` line of a command's result: `JSON.stringify` escapes C0 controls but writes DEL and C1 (the
 * 8-bit CSI `\u009b` among them) raw, so a reader of the terminal would get them as sequences. They are
 * written as `\u` escapes instead: the same value to any JSON reader, inert on a terminal. Outside strings
 * JSON is plain ASCII, so only string contents change.
 */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(JSON_LEAVES_RAW, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
