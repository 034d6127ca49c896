/**
 * The one way out of the process. `cli.ts` uses it when a command ends; the signal helper uses it when a
 * second Ctrl-C forces the exit. Nothing else calls process.exit.
 */
export function exitNow(code: number): never {
  process.exit(code);
}
