import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';
import { requirePort } from '../../config/port.js';
import type { EmulatorEvent } from '../../emulator/account.js';
import { DEFAULT_EMULATOR_API_KEY, startEmulator } from '../../emulator/app.js';
import { clock } from '../../output/format.js';
import { untilAborted } from '../../util/abort.js';
import { isLoopback } from '../../util/loopback.js';
import { maskSecret } from '../../util/secret.js';
import { processContext } from '../shared/process.js';
import { stopOnSignals } from '../shared/signals.js';
import type { EmulatorFlags } from './command.js';

export async function runEmulatorCommand(flags: EmulatorFlags): Promise<number> {
  const context = processContext();
  const port = requirePort(flags.port ?? String(DEFAULT_EMULATOR_PORT));
  const apiKey = flags.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const log = (line: string) => context.stderr.write(`${clock(new Date())}  ${line}\n`);
  const host = flags.host ?? '127.0.0.1';
  const stop = stopOnSignals({ stderr: context.stderr });
  try {
    const emulator = await startEmulator({
      host,
      port,
      apiKey,
      allowLocalUrls: flags.allowLocalUrls ?? false,
      onEvent: (event) => log(describeEmulatorEvent(event)),
    });
    if (!isLoopback(host))
      log(
        `warning  --host ${host} exposes the emulator beyond this machine; it sends test payloads to whatever URL is set, so keep it on 127.0.0.1.`,
      );
    announce({
      url: emulator.url,
      apiKey,
      allowLocalUrls: flags.allowLocalUrls ?? false,
      stderr: context.stderr,
      invocation: context.invocation,
    });
    await untilAborted(stop.signal);
    await emulator.close();
    return 0;
  } finally {
    stop.dispose();
  }
}

function announce(input: {
  url: string;
  apiKey: string;
  allowLocalUrls: boolean;
  stderr: NodeJS.WritableStream;
  invocation: string;
}): void {
  const { url, apiKey, allowLocalUrls } = input;
  const shownKey = apiKey === DEFAULT_EMULATOR_API_KEY ? apiKey : maskSecret(apiKey);
  input.stderr.write(
    [
      `Emulator API key: ${shownKey}${allowLocalUrls ? '; local webhook URLs allowed' : '; local webhook URLs refused, as Metriport does (--allow-local-urls to accept them)'}`,
      `Use it with: ${input.invocation} status --api-url ${url} --api-key ${apiKey === DEFAULT_EMULATOR_API_KEY ? apiKey : '<the key>'}`,
      `Emulator ready: ${url} (Ctrl-C to stop)`,
      '',
    ].join('\n'),
  );
}

function describeEmulatorEvent(event: EmulatorEvent): string {
  switch (event.type) {
    case 'url-updated':
      return `webhook URL set to ${event.webhookUrl}`;
    case 'ping':
      return `ping → ${event.url}: ${event.ok ? 'pong OK' : event.detail}`;
    case 'sent':
      return `${event.retry ? 'retry' : 'sent'} ${event.messageType} ${event.messageId} → ${event.result.status ?? '-'} ${event.result.ok ? 'success' : `failure (${event.result.detail})`} in ${event.result.durationMs} ms`;
    case 'not-sent':
      return `stored ${event.messageType} ${event.messageId} as failed: ${event.reason} (a retry sends it once a URL is set)`;
  }
}
