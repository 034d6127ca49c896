/** A word the shell passes on unchanged: bare when it is safe so, else in single quotes. */
export function quoteForShell(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
