import { LISTEN_OPTIONS } from '../../config/listen/listen-options.js';
import { defineCommand } from '../shared/define-command.js';

/** `listen`: its flags (`config/listen/listen-options.ts`); the wiring is loaded when the command runs, to keep `--help` fast. */
export const listenCommand = defineCommand({
  name: 'listen',
  description: 'Receive Metriport webhooks locally: verify each request, answer pings, show and store messages.',
  options: LISTEN_OPTIONS,
  usesApi: true,
  helpText: `
Examples:
  $ metriport-webhook listen                                   # ngrok tunnel, sandbox account
  $ metriport-webhook listen --emulator --out ./captures
  $ metriport-webhook listen --forward-to http://127.0.0.1:3000/webhook
  $ metriport-webhook listen --public-url https://abc.trycloudflare.com --port 4747
  $ metriport-webhook listen --no-tunnel --webhook-key "$KEY" --json | jq .type
  $ metriport-webhook listen --emulator --events medical. --jsonl messages.jsonl`,
  load: async () => {
    const { runListenCommand } = await import('./run.js');
    return { runToExitCode: ({ flags }) => runListenCommand(flags) };
  },
});
