import type { ListenConfig } from './listen-config.js';
import { type Sourced, maskSecret } from './sources.js';

/** `--verbose`: where each setting that matters came from, secrets masked. Pure. */
export function describeSources(config: ListenConfig): string {
  const secret = (label: string, value: Sourced<string> | undefined) =>
    value === undefined ? undefined : `${label}: ${maskSecret(value.value)} from ${value.origin}`;
  const lines = [
    config.api === undefined ? undefined : `API: ${config.api.target.description}`,
    secret('API key', config.api?.apiKey),
    secret('Webhook key', config.registration === undefined ? config.webhookKey : undefined),
    config.tunnel?.kind === 'ngrok' ? secret('ngrok authtoken', config.tunnel.authtoken) : undefined,
    config.tunnel?.kind === 'ngrok' && config.tunnel.domain !== undefined ? `ngrok domain: ${config.tunnel.domain}` : undefined,
    config.tunnel?.kind === 'public-url' ? `Public URL: ${config.tunnel.url}` : undefined,
    config.forward === undefined ? undefined : `Forwarding to ${config.forward.url} (timeout ${config.forward.timeoutMs} ms, ${config.forward.concurrency} at a time${config.forward.ack ? ', always 200' : ''})`,
  ];
  return lines.filter((line): line is string => line !== undefined).map((line) => `  ${line}`).join('\n');
}
