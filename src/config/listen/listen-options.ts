import { API_OPTIONS } from '../api-options.js';
import { DEFAULT_HOST, DEFAULT_INSPECTOR_PORT, DEFAULT_MAX_BODY, DEFAULT_PATH, DEFAULT_PORT } from '../defaults.js';
import { type FlagsOf, inGroup } from '../option-table.js';

const REACH = 'Where Metriport reaches you:';
const ACCOUNT = 'The account:';
const RECEIVER = 'The receiver:';
const OUTPUT = 'Output and storage:';
const FORWARD = 'Forwarding to your app:';

/** Every flag of `listen`, in `--help` order: commander is told about them from here, and `ListenFlags` is derived. */
export const LISTEN_OPTIONS = [
  { group: REACH, flags: '--emulator', description: 'run against a built-in local Metriport emulator: no account, no tunnel, no network' },
  {
    group: REACH,
    flags: '--public-url <url>',
    description: 'public URL of a tunnel you run (cloudflared, a reverse proxy) instead of ngrok',
  },
  { group: REACH, flags: '--no-tunnel', description: 'local only: open no public tunnel and register nothing' },
  { group: REACH, flags: '--ngrok-authtoken <token>', description: "ngrok authtoken (env: NGROK_AUTHTOKEN; else ngrok's own config file)" },
  { group: REACH, flags: '--ngrok-domain <domain>', description: 'reserved or free static ngrok domain (env: NGROK_DOMAIN)' },
  { group: ACCOUNT, flags: '--no-register', description: "do not change the account's webhook URL" },
  { group: ACCOUNT, flags: '--keep-url', description: 'leave the URL registered on exit instead of restoring the previous one' },
  { group: ACCOUNT, flags: '-y, --yes', description: 'change a production webhook URL without asking' },
  { group: ACCOUNT, flags: '--force', description: 'take the URL over from another running listen' },
  { group: ACCOUNT, flags: '--webhook-key <key>', description: 'webhook key, when nothing is registered (env: METRIPORT_WEBHOOK_KEY)' },
  { group: RECEIVER, flags: '--host <host>', description: `interface to bind; keep loopback, payloads are PHI (default: ${DEFAULT_HOST})` },
  { group: RECEIVER, flags: '--port <port>', description: `port to listen on; 0 picks a free one (default: ${DEFAULT_PORT})` },
  { group: RECEIVER, flags: '--path <path>', description: `URL path of the webhook (default: ${DEFAULT_PATH})` },
  { group: RECEIVER, flags: '--max-body <size>', description: `largest body accepted, e.g. 20mb (default: ${DEFAULT_MAX_BODY})` },
  {
    group: RECEIVER,
    flags: '--events <list>',
    description: 'only show and store these types or prefixes, comma-separated (e.g. medical.,patient.admit)',
  },
  { group: OUTPUT, flags: '--out <dir>', description: 'store each message as a file holding the exact bytes received' },
  { group: OUTPUT, flags: '--jsonl <file>', description: 'append one JSON line per message to this file' },
  { group: OUTPUT, flags: '--json', description: 'print one JSON object per message on stdout instead of the terminal view' },
  { group: OUTPUT, flags: '--full', description: 'show whole payloads in the terminal view, not a 10-line preview' },
  { group: OUTPUT, flags: '--no-preview', description: 'one line per message in the terminal view: type, ids, outcome' },
  {
    group: OUTPUT,
    flags: '--verbose',
    description: "say where each setting came from (secrets masked); show headers and the app's response bodies",
  },
  {
    group: OUTPUT,
    flags: '--inspect-port <port>',
    description: `port of the local web inspector, loopback only (default: ${DEFAULT_INSPECTOR_PORT}, or a free one when taken)`,
  },
  { group: OUTPUT, flags: '--no-inspect', description: 'serve no web inspector' },
  {
    group: FORWARD,
    flags: '--forward-to <url>',
    description: 'POST each verified message, exact bytes and signature, to your app; its status goes back to Metriport',
  },
  {
    group: FORWARD,
    flags: '--header <header>',
    description: 'extra header for --forward-to, "Name: value" (repeatable)',
    repeatable: true,
  },
  { group: FORWARD, flags: '--forward-timeout <ms>', description: `how long the app may take, under Metriport's 5 s (default: 4000)` },
  { group: FORWARD, flags: '--forward-concurrency <n>', description: 'most requests in flight to the app (default: 4)' },
  { group: FORWARD, flags: '--ack', description: 'answer Metriport 200 whatever the app says' },
  ...inGroup('The API:', API_OPTIONS),
] as const;

/** The flags of `listen` as commander hands them over (strings unparsed): the input of `resolveListenConfig`. */
export type ListenFlags = FlagsOf<typeof LISTEN_OPTIONS>;
