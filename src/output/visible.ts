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
