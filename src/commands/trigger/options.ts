import { API_OPTIONS } from '../../config/api-options.js';
import { FLOW_NAMES } from '../../emulator/medical/faults.js';

export const TRIGGER_ARGUMENTS = [
  { name: '[type]', description: 'meta.type of the sample, e.g. medical.document-download (see --list)' },
] as const;

export const TRIGGER_OPTIONS = [
  { flags: '--list', description: 'list the sample types' },
  { flags: '--to <url>', description: 'where to POST it (default: http://127.0.0.1:4747/webhook)' },
  {
    flags: '--webhook-key <key>',
    description: 'key to sign with (env: METRIPORT_WEBHOOK_KEY; else read from the account when an API key is given)',
  },
  {
    flags: '--set <path=value>',
    description:
      'change a field of the sample, e.g. --set patients.0.status=failed (repeatable; JSON values allowed; new keys only under meta.data)',
    repeatable: true,
  },
  { flags: '--failed', description: "send the type's failed outcome (e.g. a patient whose documents could not be fetched)" },
  { flags: '--via-api', description: 'ask the API (sandbox or emulator) to send it through /settings/webhook/sample-payload' },
  {
    flags: '--flow <flow>',
    description: 'have the emulator play a whole flow for one patient, its messages tied by requestId',
    choices: FLOW_NAMES,
  },
  {
    flags: '--faults <list>',
    description: 'with --flow: what goes wrong, comma-separated (e.g. out-of-order,duplicate; docs/emulator.md lists them)',
  },
  { flags: '--patient <id>', description: 'with --flow: the patient (default: a new sample patient)' },
  { flags: '--json', description: 'print the result as one JSON object' },
  ...API_OPTIONS,
] as const;
