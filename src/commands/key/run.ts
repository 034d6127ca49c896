import type { CommandInput } from '../../config/option-table.js';
import { accountHasNoWebhookKey } from '../../config/webhook-key.js';
import type { KeyResult } from '../../output/commands/key.js';
import { clientFromFlags } from '../shared/api-client.js';
import type { RunContext } from '../shared/run-command.js';
import type { KEY_OPTIONS } from './options.js';

export { renderKey as render } from '../../output/commands/key.js';

export type KeyInput = CommandInput<[], typeof KEY_OPTIONS>;

/** `key`: the webhook key from `GET /settings`. */
export async function run({ flags }: KeyInput, context: RunContext): Promise<KeyResult> {
  const client = clientFromFlags(flags, context);
  const settings = await client.getSettings();
  if (settings.webhookKey === null) throw accountHasNoWebhookKey({ target: client.target, orPassKey: false });
  return { webhookKey: settings.webhookKey, show: flags.show === true, webhookUrl: settings.webhookUrl };
}
