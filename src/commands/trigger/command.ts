import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

export function triggerCommand(done: Done) {
  const command = new Command('trigger')
    .description('Send a signed sample message of a type to a listener, as Metriport would.')
    .argument('[type]', 'meta.type of the sample, e.g. medical.document-download (see --list)')
    .option('--list', 'list the sample types')
    .option('--to <url>', 'where to POST it (default: http://127.0.0.1:4747/webhook)')
    .option('--webhook-key <key>', 'key to sign with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)')
    .option('--set <path=value>', 'change a field, e.g. --set meta.data.clinic=7 (repeatable; JSON values allowed)', collect, [])
    .option('--failed', "send the type's failed outcome (e.g. a patient whose documents could not be fetched)")
    .option('--via-api', 'ask the API (sandbox or emulator) to send it through /settings/webhook/sample-payload')
    .option('--json', 'print the result as one JSON object');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook trigger --list
  $ metriport-webhook trigger patient.admit --webhook-key "$KEY"
  $ metriport-webhook trigger medical.consolidated-data --failed
  $ metriport-webhook trigger ping
  $ metriport-webhook trigger medical.document-download --set patients.0.status=failed --to http://127.0.0.1:3000/hook
  $ metriport-webhook trigger medical.consolidated-data --via-api --api-url http://127.0.0.1:4748`,
    )
    .action(async (type, flags) => {
      const { runTriggerCommand } = await import('./run.js');
      done(await runTriggerCommand(type, flags));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags of `trigger`, typed from the declarations above. */
export type TriggerFlags = FlagsOf<ReturnType<typeof triggerCommand>>;
