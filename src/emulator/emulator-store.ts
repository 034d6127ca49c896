/**
 * Where the emulated account lives between runs: settings (the webhook key among them), request history,
 * patients, jobs and the files messages point to. The emulator hands it one JSON-able snapshot after every
 * change and reads it back at start; what the snapshot holds is the emulator's business (`snapshot.ts`), the
 * store only keeps it. `src/state/emulator-state-file.ts` keeps it in a 0600 file; `memoryEmulatorStore` for
 * everything that lives and dies with the process (the default).
 */
export interface EmulatorStore {
  /** Where the state is kept, for messages: a file path, or "(memory)". */
  readonly path: string;
  /** The last snapshot saved, or `undefined` when there is none (or it could not be used). */
  load(): Promise<unknown>;
  /** Replaces the saved snapshot; resolves once it is kept. */
  save(snapshot: unknown): Promise<void>;
  /** Forgets the saved snapshot (`emulator --reset`). */
  clear(): Promise<void>;
}

/** A store in memory: the account is forgotten when the process ends. `initial` is what `load` first gives. */
export function memoryEmulatorStore(initial?: unknown): EmulatorStore {
  let kept: string | undefined = initial === undefined ? undefined : JSON.stringify(initial);
  return {
    path: '(memory)',
    load: async () => (kept === undefined ? undefined : JSON.parse(kept)),
    save: async (snapshot) => {
      // Kept as text, so a caller that mutates its object afterwards cannot change what was saved.
      kept = JSON.stringify(snapshot);
    },
    clear: async () => {
      kept = undefined;
    },
  };
}
