/** Local wall-clock time `HH:MM:SS`, the prefix of every event line. */
export function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

/** The first block of a messageId: enough to tell messages apart on screen. */
export function shortId(messageId: string | undefined): string {
  if (messageId === undefined) return '(no id)';
  return messageId.length <= 8 ? messageId : messageId.slice(0, 8);
}
