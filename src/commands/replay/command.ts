import { defineCommand } from '../shared/define-command.js';
import { REPLAY_ARGUMENTS, REPLAY_OPTIONS } from './options.js';

export const replayCommand = defineCommand({
  name: 'replay',
  description: 'Re-send captured messages (listen --out files) with their exact bytes and a fresh signature.',
  args: REPLAY_ARGUMENTS,
  options: REPLAY_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook replay ./captures --to http://127.0.0.1:3000/webhook --webhook-key "$KEY"
  $ metriport-webhook replay ./captures --api-url http://127.0.0.1:4748 --api-key local-emulator   (key read from the account)
  $ metriport-webhook replay ./captures/20261128T101112345Z_000001_patient.admit_*.json`,
  load: () => import('./run.js'),
});
