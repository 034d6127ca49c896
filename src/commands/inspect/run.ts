import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { arrivalOfCaptureName } from '../../capture/file-names.js';
import { listCaptureFiles } from '../../capture/list-captures.js';
import { DEFAULT_INSPECTOR_PORT } from '../../config/defaults.js';
import type { CommandInput } from '../../config/option-table.js';
import { requirePort } from '../../config/port.js';
import { usageError } from '../../errors.js';
import { startInspector } from '../../inspector/inspector-server.js';
import { createInspectorStore } from '../../inspector/inspector-store.js';
import type { InspectEvent } from '../../output/commands/inspect.js';
import { untilAborted } from '../../util/abort.js';
import { parseBody } from '../../webhook/message.js';
import type { RunContext } from '../shared/run-command.js';
import { stopOnSignals } from '../shared/signals.js';
import type { INSPECT_ARGUMENTS, INSPECT_OPTIONS } from './options.js';

export { renderInspect as render } from '../../output/commands/inspect.js';

export type InspectInput = CommandInput<typeof INSPECT_ARGUMENTS, typeof INSPECT_OPTIONS>;

/** `inspect <paths...>`: the captures as inspector history, served until Ctrl-C; no listener, so no replay. */
export async function run({ args, flags }: InspectInput, context: RunContext<InspectEvent>): Promise<Record<string, never>> {
  const { paths } = args;
  const port = requirePort(flags.port ?? String(DEFAULT_INSPECTOR_PORT));
  const files = await listCaptureFiles(paths);
  if (files.length === 0)
    throw usageError(
      'NOTHING_TO_INSPECT',
      `No capture files in ${paths.join(', ')}.`,
      'Pass the folder given to listen --out, or its .json files.',
    );
  const store = createInspectorStore();
  let skipped = 0;
  for (const file of files) {
    const raw = await readFile(file);
    const parsed = parseBody(raw);
    if (!parsed.ok || parsed.body.type === 'unknown') {
      skipped += 1;
      continue;
    }
    store.addCapture({
      raw,
      payload: parsed.body.payload,
      fileName: file,
      at: arrivalOfCaptureName(basename(file)) ?? (await stat(file)).mtime,
      type: parsed.body.type,
      messageId: parsed.body.messageId,
    });
  }
  const inspector = await startInspector({ port, fallbackToFreePort: flags.port === undefined, store });
  const stop = stopOnSignals({});
  try {
    context.emit({
      type: 'serving',
      loaded: files.length - skipped,
      skipped,
      url: inspector.url,
      fellBackFrom: inspector.fellBack ? port : undefined,
    });
    await untilAborted(stop.signal);
    return {};
  } finally {
    stop.dispose();
    await inspector.close();
  }
}
