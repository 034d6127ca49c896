import type { ApiTarget } from '../../metriport/target.js';
import type { Sourced } from '../sources.js';

/** Where the receiver listens and what it accepts. */
export interface ReceiverConfig {
  /** Loopback unless the user asked otherwise (with a warning): payloads are PHI. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The webhook path, e.g. `/webhook`; other paths answer 404. */
  path: string;
  /** Larger bodies get 413. */
  maxBodyBytes: number;
  /** `--events` entries; empty means every type. */
  events: string[];
}

/** Where verified messages are kept before they are acknowledged. Both absent: nothing is stored. */
export interface CaptureConfig {
  outDir: string | undefined;
  jsonlFile: string | undefined;
  /** This user's id: an existing `--jsonl` file of someone else's is refused (undefined: not checked). */
  uid?: number | undefined;
}

/** `--forward-to`: the developer's own handler gets each verified message. */
export interface ForwardConfig {
  url: string;
  /** `--header "Name: value"` extras, sent with Metriport's own headers. */
  headers: Record<string, string>;
  /** Budget from arrival to the app's answer, queueing included (default 4000 ms, under Metriport's 5 s). */
  timeoutMs: number;
  /** Most requests in flight to the app at once, so a burst cannot flood it. */
  concurrency: number;
  /** `--ack`: answer Metriport 200 whatever the app says. */
  ack: boolean;
}

export type TunnelConfig =
  | { kind: 'public-url'; url: string }
  | { kind: 'ngrok'; authtoken: Sourced<string>; domain: string | undefined; timeoutMs: number; lostAfterMs: number };

/** Changing the account's webhook URL, and putting it back. */
export interface RegistrationConfig {
  keepUrl: boolean;
  force: boolean;
  /** Ask before replacing the URL (production without `--yes`, on a terminal). */
  confirm: boolean;
  /** When Metriport's verdict on its ping is read: this long after our pong, or after registering if no ping came. */
  health: { afterPingMs: number; fallbackMs: number };
}

/** The Metriport API to register with, its key already required. */
export interface RegisteredApi {
  target: ApiTarget;
  apiKey: Sourced<string>;
}

/** How the terminal shows things; the command's business, never the engine's. */
export interface OutputConfig {
  json: boolean;
  /** The terminal view's payload preview: a few lines, all (`--full`), or none (`--no-preview`). */
  preview: 'preview' | 'full' | 'none';
  verbose: boolean;
}

/** The local web inspector; absent with `--no-inspect`. */
export interface InspectorConfig {
  port: number;
  /** Whether the port came from `--inspect-port` (then a taken port is an error, not a fallback). */
  portChosen: boolean;
}

interface CommonConfig {
  receiver: ReceiverConfig;
  inspector: InspectorConfig | undefined;
  capture: CaptureConfig;
  forward: ForwardConfig | undefined;
  output: OutputConfig;
  /** Things worth saying before starting, e.g. a non-loopback bind. */
  warnings: string[];
}

/**
 * `listen` resolved and checked, one shape per mode, so what a mode needs is present by type:
 * - `local` (`--no-tunnel`): nothing public, nothing registered; verifies with the given key.
 * - `unregistered` (`--no-register`): a tunnel, but the account is left alone; verifies with the given key.
 * - `registered`: a tunnel whose URL is registered with the API; verifies with the account's key.
 * - `emulator`: the in-process emulator is the API; no tunnel.
 */
export type ListenConfig =
  | (CommonConfig & { mode: 'local'; webhookKey: Sourced<string> })
  | (CommonConfig & { mode: 'unregistered'; webhookKey: Sourced<string>; tunnel: TunnelConfig })
  | (CommonConfig & {
      mode: 'registered';
      webhookKey: Sourced<string> | undefined;
      tunnel: TunnelConfig;
      api: RegisteredApi;
      registration: RegistrationConfig;
    })
  | (CommonConfig & { mode: 'emulator'; webhookKey: Sourced<string> | undefined; registration: RegistrationConfig });

export type ListenMode = ListenConfig['mode'];
