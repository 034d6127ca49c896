import { defineCommand } from '../shared/define-command.js';
import { INSPECT_ARGUMENTS, INSPECT_OPTIONS } from './options.js';

export const inspectCommand = defineCommand({
  name: 'inspect',
  description: 'Open the web inspector over a listen --out folder: every captured message, its JSON tree and exact bytes.',
  args: INSPECT_ARGUMENTS,
  options: INSPECT_OPTIONS,
  helpText: `
The inspector listens on 127.0.0.1 only and needs the token in the printed URL. Replay needs a running
listener: use the inspector that \`listen\` serves for that.

Examples:
  $ metriport-webhook inspect ./captures
  $ metriport-webhook inspect ./captures --port 0`,
  load: () => import('./run.js'),
});
