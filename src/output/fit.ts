/**
 * Text fitted to a terminal's width without splitting what people copy: lines break only between words, so a
 * URL, an id or a token is never cut in two by the terminal's own wrapping (unless it is wider than the
 * terminal itself). Pure; widths count characters, colour codes excluded.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is measured out
const COLOUR = /\u001b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return [...text.replace(COLOUR, '')].length;
}

/** A line broken between words to fit `columns`; continuation lines start with `indent`. */
export function wrapWords(line: string, columns: number | undefined, indent = '    '): string {
  if (columns === undefined || visibleLength(line) <= columns) return line;
  return breakLine(line, columns, { indent, join: '\n' });
}

/** A shell command broken between words to fit `columns`, each break a ` \` continuation, so it still runs pasted. */
export function wrapCommand(line: string, columns: number | undefined, indent = '      '): string {
  if (columns === undefined || visibleLength(line) <= columns) return line;
  return breakLine(line, columns - 2, { indent, join: ' \\\n' });
}

function breakLine(line: string, columns: number, how: { indent: string; join: string }): string {
  const lead = /^ */.exec(line)?.[0] ?? '';
  const words = line.slice(lead.length).split(/( +)/);
  // A shell continuation stays with the word before it: a `\` alone on a line would end the command there.
  if (words.length >= 3 && words[words.length - 1] === '\\') words.splice(-3, 3, `${words[words.length - 3]}${words[words.length - 2]}\\`);
  const lines: string[] = [];
  let current = lead;
  let width = lead.length;
  for (let index = 0; index < words.length; index += 2) {
    const word = words[index] as string;
    const space = index === 0 ? '' : (words[index - 1] as string);
    const size = visibleLength(word);
    if (width > visibleLength(lines.length === 0 ? lead : how.indent) && width + space.length + size > columns) {
      lines.push(current);
      current = how.indent + word;
      width = how.indent.length + size;
    } else {
      current += space + word;
      width += space.length + size;
    }
  }
  lines.push(current);
  return lines.join(how.join);
}
