import type { ListenConfig } from '../config/listen/listen-config.js';
import type { Sourced } from '../config/sources.js';
import { maskSecret } from '../util/secret.js';
import { visible } from './visible.js';

const MODE_LINES: Record<ListenConfig['mode'], string> = {
  local: 'Mode: local only (--no-tunnel): nothing public, nothing registered',
  unregistered: 'Mode: public tunnel, account left alone (--no-register)',
  registered: "Mode: public tunnel registered as the account's webhook URL, put back on exit",
  emulator: 'Mode: the built-in emulator is the API (--emulator): nothing public, no account',
};

/** `--verbose`: what `listen` will do and where each setting that matters came from, secrets masked. Pure. */
export function describeSources(config: ListenConfig): string {
  const secret = (label: string, value: Sourced<string> | undefined) =>
    value === undefined ? undefined : `${label}: ${maskSecret(value.value)} from ${value.origin}`;
  const tunnel = config.mode === 'registered' || config.mode === 'unregistered' ? config.tunnel : undefined;
  const { receiver, capture, inspector } = config;
  const lines = [
    MODE_LINES[config.mode],
    `Receiver: http://${receiver.host.includes(':') ? `[${receiver.host}]` : receiver.host}:${receiver.port === 0 ? '<any free port>' : receiver.port}${receiver.path}, bodies up to ${receiver.maxBodyBytes} bytes`,
    `Events: ${receiver.events.length === 0 ? 'every type' : receiver.events.join(', ')}`,
    capture.outDir === undefined && capture.jsonlFile === undefined
      ? 'Capture: off (messages are shown, not stored)'
      : `Capture: ${[capture.outDir === undefined ? undefined : `files in ${capture.outDir}`, capture.jsonlFile === undefined ? undefined : `lines in ${capture.jsonlFile}`].filter(Boolean).join(' and ')} (owner-only)`,
    inspector === undefined
      ? 'Inspector: off'
      : `Inspector: port ${inspector.port}${inspector.portChosen ? '' : ' (or the next free one)'}`,
    config.mode === 'emulator' ? 'API: the built-in emulator, its account kept between runs' : undefined,
    config.mode === 'emulator'
      ? (secret('Webhook key', config.webhookKey) ?? "Webhook key: the emulator account's (emulator --reset makes a new one)")
      : undefined,
    config.mode === 'registered' ? `API: ${config.api.target.description} (from ${config.api.target.urlOrigin})` : undefined,
    config.mode === 'registered' ? secret('API key', config.api.apiKey) : undefined,
    config.mode === 'local' || config.mode === 'unregistered' ? secret('Webhook key', config.webhookKey) : undefined,
    tunnel?.kind === 'ngrok' ? secret('ngrok authtoken', tunnel.authtoken) : undefined,
    tunnel?.kind === 'ngrok' && tunnel.domain !== undefined ? `ngrok domain: ${tunnel.domain}` : undefined,
    tunnel?.kind === 'public-url' ? `Public URL: ${tunnel.url}` : undefined,
    config.forward === undefined
      ? undefined
      : `Forwarding to ${redactUrl(config.forward.url)} (timeout ${config.forward.timeoutMs} ms, ${config.forward.concurrency} at a time${config.forward.ack ? ', always 200' : ''})`,
  ];
  return lines
    .filter((line): line is string => line !== undefined)
    .map((line) => `  ${visible(line)}`)
    .join('\n');
}

/** A URL with any user:password in it masked: `--forward-to` credentials are secrets too. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = parsed.username === '' ? '' : '****';
  parsed.password = parsed.password === '' ? '' : '****';
  return parsed.toString();
}
