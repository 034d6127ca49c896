import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { arrivalOfCaptureName } from '../../capture/file-names.js';
import { listCaptureFiles } from '../../capture/list-captures.js';
import { DEFAULT_INSPECTOR_PORT } from '../../config/defaults.js';
import { requirePort } from '../../config/port.js';
import { usageError } from '../../errors.js';
import { startInspector } from '../../inspector/inspector-server.js';
import { createInspectorStore } from '../../inspector/inspector-store.js';
import { untilAborted } from '../../util/abort.js';
import { parseBody } from '../../webhook/message.js';
import { processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import type { InspectFlags } from './command.js';

/** `inspect <paths...>`: the captures as inspector history, served until Ctrl-C; no listener, so no replay. */
export async function runInspectCommand(paths: string[], flags: InspectFlags): Promise<number> {
  const context = processContext();
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
  const stop = stopOnSignals({ stderr: context.stderr });
  try {
    const loaded = files.length - skipped;
    context.stderr.write(
      `Loaded ${loaded} captured message(s)${skipped > 0 ? `; skipped ${skipped} file(s) that are not captured messages` : ''}.\n`,
    );
    context.stderr.write(`Inspector: ${inspector.url}\nOpen it in a browser; Ctrl-C stops it.\n`);
    await untilAborted(stop.signal);
    return 0;
  } finally {
    stop.dispose();
    await inspector.close();
  }
}
