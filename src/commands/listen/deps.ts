import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { createRegistrar } from '../../account/registrar.js';
import { DEFAULT_EMULATOR_PORT } from '../../config/defaults.js';
import type { ListenConfig, RegistrationConfig, TunnelConfig } from '../../config/listen/listen-config.js';
import { authtokenFromNgrokConfig, ngrokConfigPaths } from '../../config/ngrok-config.js';
import type { Sourced } from '../../config/sources.js';
import { type RunningEmulator, startEmulator } from '../../emulator/app.js';
import type { SessionEvent } from '../../listen/events.js';
import type { AccountLink } from '../../listen/listen-session.js';
import { createMetriportClient } from '../../metriport/client.js';
import { type ApiTarget, describeTarget } from '../../metriport/target.js';
import { DEFAULT_EMULATOR_API_KEY } from '../../metriport/types.js';
import { memoryStateStore } from '../../state/state-store.js';
import { publicUrlTunnel, type TunnelOpener } from '../../tunnel/tunnel.js';
import { askYesNo, isProcessAlive } from '../shared/process.js';
import { emulatorStoreFor, stateStoreFor } from '../shared/state.js';

export interface ListenWiring {
  account: AccountLink;
  openTunnel: TunnelOpener | undefined;
  /** The in-process emulator of `--emulator`. */
  emulator: RunningEmulator | undefined;
  close(): Promise<void>;
}

/**
 * Builds what the listen engine is given for this configuration: what it does with the account (nothing, with
 * a key given; or register through a registrar), the tunnel opener, and for `--emulator` the in-process emulator.
 */
export async function buildListenWiring(
  config: ListenConfig,
  input: { publish: (event: SessionEvent) => void; env: Record<string, string | undefined> },
): Promise<ListenWiring> {
  switch (config.mode) {
    case 'local':
    case 'unregistered':
      return {
        account: { kind: 'none', webhookKey: config.webhookKey.value },
        openTunnel: config.mode === 'unregistered' ? tunnelOpener(config.tunnel) : undefined,
        emulator: undefined,
        close: async () => undefined,
      };
    case 'registered':
      return {
        account: registered(config.registration, config.webhookKey, {
          target: config.api.target,
          apiKey: config.api.apiKey.value,
          env: input.env,
          inMemory: false,
          publish: input.publish,
        }),
        openTunnel: tunnelOpener(config.tunnel),
        emulator: undefined,
        close: async () => undefined,
      };
    case 'emulator': {
      const emulator = await startEmulator({
        host: '127.0.0.1',
        port: DEFAULT_EMULATOR_PORT,
        // The port the standalone emulator uses, so the commands printed stay right run after run; a free one
        // only when it is taken (then the commands printed carry that one).
        fallbackToFreePort: true,
        apiKey: DEFAULT_EMULATOR_API_KEY,
        allowLocalUrls: true,
        // The account lives on between runs, so the app's webhook key stays valid; --webhook-key pins it.
        store: emulatorStoreFor(input.env, DEFAULT_EMULATOR_API_KEY, (problem) =>
          input.publish({
            type: 'warning',
            at: new Date(),
            message: `The emulator's account in ${problem.path} could not be read; it is kept as ${problem.keptAs}, and a new account starts.`,
          }),
        ),
        webhookKey: config.webhookKey?.value,
      });
      input.publish({
        type: 'emulator-ready',
        url: emulator.url,
        apiKey: DEFAULT_EMULATOR_API_KEY,
        port: Number(new URL(emulator.url).port),
        requestedPort: DEFAULT_EMULATOR_PORT,
        fellBack: emulator.fellBack,
      });
      return {
        // The emulator's account is this tool's own: its URL is left for the next listen --emulator to replace.
        account: registered({ ...config.registration, keepUrl: true }, config.webhookKey, {
          target: describeTarget(emulator.url, 'listen --emulator'),
          apiKey: DEFAULT_EMULATOR_API_KEY,
          env: input.env,
          // Nothing of the user's is changed (the account is the emulator's), so there is nothing to restore after a crash.
          inMemory: true,
          publish: input.publish,
        }),
        openTunnel: undefined,
        emulator,
        close: () => emulator.close(),
      };
    }
  }
}

function registered(
  registration: RegistrationConfig,
  configuredKey: Sourced<string> | undefined,
  input: {
    target: ApiTarget;
    apiKey: string;
    env: Record<string, string | undefined>;
    inMemory: boolean;
    publish: (event: SessionEvent) => void;
  },
): AccountLink {
  const client = createMetriportClient({ target: input.target, apiKey: input.apiKey });
  const store = input.inMemory ? memoryStateStore() : stateStoreFor(input.env, input.target.baseUrl, { force: registration.force });
  const registrar = createRegistrar(
    { keepUrl: registration.keepUrl, force: registration.force },
    {
      client,
      store,
      pid: process.pid,
      isProcessAlive,
      confirm: registration.confirm
        ? async ({ currentUrl, newUrl, target }) =>
            askYesNo(
              `Replace the webhook URL of ${target}?\n  current: ${currentUrl ?? '(none)'}\n  new:     ${newUrl}\n(restored when listen exits)`,
            )
        : undefined,
      publish: input.publish,
      now: () => new Date(),
    },
  );
  return { kind: 'registered', registrar, configuredKey, health: registration.health };
}

function tunnelOpener(tunnel: TunnelConfig): TunnelOpener {
  if (tunnel.kind === 'public-url') return publicUrlTunnel(tunnel.url);
  return async (options) => {
    const { openNgrokTunnel } = await import('../../tunnel/ngrok.js');
    return openNgrokTunnel({
      ...options,
      authtoken: tunnel.authtoken.value,
      domain: tunnel.domain,
      timeoutMs: tunnel.timeoutMs,
      lostAfterMs: tunnel.lostAfterMs,
    });
  };
}

/** The authtoken that `ngrok config add-authtoken` saved, so ngrok users need no extra set-up. */
export function readNgrokConfigAuthtoken(env: Record<string, string | undefined>): Sourced<string> | undefined {
  for (const path of ngrokConfigPaths({ env, home: homedir(), platform: process.platform })) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const token = authtokenFromNgrokConfig(text);
    if (token !== undefined) return { value: token, source: 'default', origin: path };
  }
  return undefined;
}
