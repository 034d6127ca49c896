import { maskSecret } from '../config/sources.js';
import { parsePort } from '../config/port.js';
import { usageError } from '../errors.js';
import { DEFAULT_EMULATOR_API_KEY, startEmulator } from '../emulator/app.js';
import type { EmulatorEvent } from '../emulator/account.js';
import { clock } from '../output/format.js';
import { processContext } from './context.js';
import { DEFAULT_EMULATOR_PORT } from './emulator.js';

interface EmulatorFlags {
  port?: string;
  host?: string;
  apiKey?: string;
  allowLocalUrls?: boolean;
}

export async function runEmulatorCommand(flags: EmulatorFlags): Promise<number> {
  const context = processContext();
  const port = parsePort(flags.port ?? String(DEFAULT_EMULATOR_PORT));
  const apiKey = flags.apiKey ?? DEFAULT_EMULATOR_API_KEY;
  const log = (line: string) => context.stderr.write(`${clock(new Date())}  ${line}\n`);
  let emulator;
  try {
    emulator = await startEmulator({
      host: flags.host ?? '127.0.0.1',
      port,
      apiKey,
      allowLocalUrls: flags.allowLocalUrls ?? false,
      onEvent: (event) => log(describeEmulatorEvent(event)),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(
      'LISTEN_FAILED',
      `The emulator could not listen on port ${port} (${code ?? String(error)}).`,
      code === 'EADDRINUSE' ? 'Another program uses that port: pick another with --port (0 picks a free one).' : 'Check --host and --port.',
    );
  }
  const shownKey = apiKey === DEFAULT_EMULATOR_API_KEY ? apiKey : maskSecret(apiKey);
  context.stderr.write(
    [
      `Emulator API key: ${shownKey}${flags.allowLocalUrls ? '; local webhook URLs allowed' : '; local webhook URLs refused, as Metriport does (--allow-local-urls to accept them)'}`,
      `Use it with: METRIPORT_API_URL=${emulator.url} METRIPORT_API_KEY=<the key> metriport-webhook status`,
      `Emulator ready: ${emulator.url} (Ctrl-C to stop)`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await emulator.close();
  return 0;
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
