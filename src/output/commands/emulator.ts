import type { EmulatorEvent } from '../../emulator/account.js';
import { DEFAULT_EMULATOR_API_KEY } from '../../metriport/types.js';
import { maskSecret } from '../../util/secret.js';
import { clock } from '../format.js';
import { commandLine } from '../next-command.js';
import type { Renderer } from '../render.js';
import { visible } from '../visible.js';

/** What the emulator does while it runs, each with when it happened. */
export type EmulatorCommandEvent =
  | { type: 'ready'; url: string; apiKey: string; allowLocalUrls: boolean; keptIn: string; reset: boolean }
  /** The file holding the account could not be read: it was moved aside, and the account starts afresh. */
  | { type: 'state-damaged'; at: Date; path: string; keptAs: string }
  | { type: 'exposed'; at: Date; host: string }
  | { type: 'emulator'; at: Date; event: EmulatorEvent };

/** Runs until Ctrl-C; everything it says goes to stderr as it happens. */
export const renderEmulator: Renderer<Record<string, never>, EmulatorCommandEvent> = {
  result: () => ({}),
  event(event, view) {
    switch (event.type) {
      case 'emulator':
        return { stderr: `${clock(event.at)}  ${visible(describeEmulatorEvent(event.event))}\n` };
      case 'state-damaged':
        return {
          stderr: `${clock(event.at)}  warning  The emulator's account in ${event.path} could not be read; it is kept as ${event.keptAs}, and a new account starts.\n`,
        };
      case 'exposed':
        return {
          stderr: `${clock(event.at)}  warning  --host ${event.host} exposes the emulator beyond this machine; it sends test payloads to whatever URL is set, so keep it on 127.0.0.1.\n`,
        };
      case 'ready': {
        const { url, apiKey, allowLocalUrls } = event;
        // Its default key is public and printed in full; any other is a secret, left for the user to fill in.
        const isDefault = apiKey === DEFAULT_EMULATOR_API_KEY;
        const status = commandLine(
          { command: 'status', flags: { '--api-url': url, '--api-key': isDefault ? apiKey : { fillIn: 'the key' } } },
          view.hints,
        );
        return {
          stderr: [
            `Emulator API key: ${isDefault ? apiKey : maskSecret(apiKey)}${allowLocalUrls ? '; local webhook URLs allowed' : '; local webhook URLs refused, as Metriport does (--allow-local-urls to accept them)'}`,
            `Use it with: ${status}`,
            `Account ${event.reset ? 'started afresh' : 'kept between runs'} in ${event.keptIn} (--reset starts a new one).`,
            `Emulator ready: ${url} (Ctrl-C to stop)`,
            '',
          ].join('\n'),
        };
      }
    }
  },
};

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
