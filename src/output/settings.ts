import type { ListenConfig } from '../config/listen/listen-config.js';
import type { Sourced } from '../config/sources.js';
import { maskSecret } from '../util/secret.js';
import { visible } from './visible.js';

/** `--verbose`: where each setting that matters came from, secrets masked. Pure. */
export function describeSources(config: ListenConfig): string {
  const secret = (label: string, value: Sourced<string> | undefined) =>
    value === undefined ? undefined : `${label}: ${maskSecret(value.value)} from ${value.origin}`;
  const tunnel = config.mode === 'registered' || config.mode === 'unregistered' ? config.tunnel : undefined;
  const lines = [
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
