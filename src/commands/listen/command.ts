import { DEFAULT_HOST, DEFAULT_INSPECTOR_PORT, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT } from '../../config/defaults.js';
import type { ListenFlags } from '../../config/listen/resolve.js';
import { addApiOptions } from '../shared/api-options.js';
import { Command, type FlagsOf } from '../shared/commander.js';
import type { Done } from '../shared/process.js';

/** `listen`: flags only; the wiring is loaded when the command runs, to keep `--help` fast. */
export function listenCommand(done: Done) {
  const command = new Command('listen')
    .description('Receive Metriport webhooks locally: verify each request, answer pings, show and store messages.')
    .optionsGroup('Where Metriport reaches you:')
    .option('--emulator', 'run against a built-in local Metriport emulator: no account, no tunnel, no network')
    .option('--public-url <url>', 'public URL of a tunnel you run (cloudflared, a reverse proxy) instead of ngrok')
    .option('--no-tunnel', 'local only: open no public tunnel and register nothing')
    .option('--ngrok-authtoken <token>', "ngrok authtoken (env: NGROK_AUTHTOKEN; else ngrok's own config file)")
    .option('--ngrok-domain <domain>', 'reserved or free static ngrok domain (env: NGROK_DOMAIN)')
    .optionsGroup('The account:')
    .option('--no-register', "do not change the account's webhook URL")
    .option('--keep-url', 'leave the URL registered on exit instead of restoring the previous one')
    .option('-y, --yes', 'change a production webhook URL without asking')
    .option('--force', 'take the URL over from another running listen')
    .option('--webhook-key <key>', 'webhook key, when nothing is registered (env: METRIPORT_WEBHOOK_KEY)')
    .optionsGroup('The receiver:')
    .option('--host <host>', `interface to bind; keep loopback, payloads are PHI (default: ${DEFAULT_HOST})`)
    .option('--port <port>', `port to listen on; 0 picks a free one (default: ${DEFAULT_PORT})`)
    .option('--path <path>', `URL path of the webhook (default: ${DEFAULT_PATH})`)
    .option('--max-body <size>', `largest body accepted, e.g. 20mb (default: ${DEFAULT_MAX_BODY})`)
    .option('--events <list>', 'only show and store these types or prefixes, comma-separated (e.g. medical.,patient.admit)')
    .optionsGroup('Output and storage:')
    .option('--out <dir>', 'store each message as a file holding the exact bytes received')
    .option('--jsonl <file>', 'append one JSON line per message to this file')
    .option('--json', 'print one JSON object per message on stdout instead of the terminal view')
    .option('--full', 'show whole payloads in the terminal view, not a 10-line preview')
    .option('--no-preview', 'one line per message in the terminal view: type, ids, outcome')
    .option('--verbose', "say where each setting came from (secrets masked); show headers and the app's response bodies")
    .option(
      '--inspect-port <port>',
      `port of the local web inspector, loopback only (default: ${DEFAULT_INSPECTOR_PORT}, or a free one when taken)`,
    )
    .option('--no-inspect', 'serve no web inspector')
    .optionsGroup('Forwarding to your app:')
    .option('--forward-to <url>', 'POST each verified message, exact bytes and signature, to your app; its status goes back to Metriport')
    .option(
      '--header <header>',
      'extra header for --forward-to, "Name: value" (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--forward-timeout <ms>', `how long the app may take, under Metriport's 5 s (default: 4000)`)
    .option('--forward-concurrency <n>', 'most requests in flight to the app (default: 4)')
    .option('--ack', 'answer Metriport 200 whatever the app says')
    .optionsGroup('The API:');
  return addApiOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ metriport-webhook listen                                   # ngrok tunnel, sandbox account
  $ metriport-webhook listen --emulator --out ./captures
  $ metriport-webhook listen --forward-to http://127.0.0.1:3000/webhook
  $ metriport-webhook listen --public-url https://abc.trycloudflare.com --port 4747
  $ metriport-webhook listen --no-tunnel --webhook-key "$KEY" --json | jq .type
  $ metriport-webhook listen --emulator --events medical. --jsonl messages.jsonl`,
    )
    .action(async (flags) => {
      const { runListenCommand } = await import('./run.js');
      done(await runListenCommand(flags));
    });
}

/** The flags of `listen`, typed from the declarations above. */
export type ListenCommandFlags = FlagsOf<ReturnType<typeof listenCommand>>;

// Compile-time: the declarations and the resolver's input have the same flags, so renaming one breaks the build.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
export const LISTEN_FLAGS_MATCH: SameKeys<ListenCommandFlags, ListenFlags> & (ListenCommandFlags extends ListenFlags ? true : never) = true;
