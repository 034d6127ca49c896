import { defineCommand } from '../shared/define-command.js';
import { EMULATOR_OPTIONS } from './options.js';

export const emulatorCommand = defineCommand({
  name: 'emulator',
  description: "Run a local stand-in for Metriport's settings and webhook API (no account, no network).",
  options: EMULATOR_OPTIONS,
  helpText: `
The account (its webhook key, request history, patients) is kept between runs in the state folder, one per
--api-key; --reset starts a new one.

Examples:
  $ metriport-webhook emulator --allow-local-urls
  $ metriport-webhook emulator --reset --webhook-key "$APP_WEBHOOK_KEY" --seed 7 --delay 0s
  $ metriport-webhook listen --public-url http://127.0.0.1:4747 --api-url http://127.0.0.1:4748 --api-key local-emulator
  $ curl -X POST -H 'x-api-key: local-emulator' -d '{"type":"patient.admit"}' \\
      -H 'content-type: application/json' http://127.0.0.1:4748/emulator/messages`,
  load: () => import('./run.js'),
});
