import { accountHasNoWebhookKey } from '../../config/webhook-key.js';
import { visible } from '../../output/visible.js';
import { maskSecret } from '../../util/secret.js';
import { clientFromFlags } from '../shared/api-client.js';
import { processContext } from '../shared/process.js';
import type { KeyFlags } from './command.js';

/** `key`: the webhook key from `GET /settings`, on stdout (so `$(… key --show)` works), masked unless asked. */
export async function runKeyCommand(flags: KeyFlags): Promise<number> {
  const context = processContext();
  const client = clientFromFlags(flags, context);
  const settings = await client.getSettings();
  if (settings.webhookKey === null) throw accountHasNoWebhookKey({ target: client.target, orPassKey: false });
  const shown = flags.show ? settings.webhookKey : maskSecret(settings.webhookKey);
  if (flags.json) {
    context.stdout.write(`${JSON.stringify({ webhookKey: shown, masked: !flags.show, webhookUrl: settings.webhookUrl })}\n`);
    return 0;
  }
  context.stdout.write(`${visible(shown)}\n`);
  if (!flags.show)
    context.stderr.write(
      `Masked; \`${context.invocation} key --show\` prints all of it (a secret: keep it out of logs and shared terminals).\n`,
    );
  return 0;
}
