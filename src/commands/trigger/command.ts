import { defineCommand } from '../shared/define-command.js';
import { TRIGGER_ARGUMENTS, TRIGGER_OPTIONS } from './options.js';

export const triggerCommand = defineCommand({
  name: 'trigger',
  description: 'Send a signed sample message of a type to a listener, as Metriport would.',
  args: TRIGGER_ARGUMENTS,
  options: TRIGGER_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook trigger --list
  $ metriport-webhook trigger patient.admit --webhook-key "$KEY"
  $ metriport-webhook trigger medical.consolidated-data --failed
  $ metriport-webhook trigger ping
  $ metriport-webhook trigger medical.document-download --set patients.0.status=failed --to http://127.0.0.1:3000/hook
  $ metriport-webhook trigger medical.consolidated-data --via-api --api-url http://127.0.0.1:4748
  $ metriport-webhook trigger --flow document-query --faults out-of-order,duplicate \\
      --api-url http://127.0.0.1:4748 --api-key local-emulator`,
  load: () => import('./run.js'),
});
