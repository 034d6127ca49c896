import type { ChalkInstance } from 'chalk';
import type { SessionEvent } from '../listen/events.js';
import type { FlagMap } from '../next-command.js';
import { wrapCommand, wrapWords } from './fit.js';
import { clock, shortId } from './format.js';
import { commandLine, type HintContext } from './next-command.js';
import { redactUrl } from './settings.js';
import type { Sink, TextOutput } from './sink.js';
import { visible } from './visible.js';
import { describeOutcome, describeRefusal, describeRestore, describeSender, describeStateProblem, describeVerifyFailure } from './words.js';

export interface LogSinkOptions {
  /** stderr: everything that is not message data. */
  err: TextOutput;
  palette: ChalkInstance;
  /** `--verbose`: also show the app's response bodies when forwarding. */
  verbose?: boolean;
  /** How the user runs the CLI, for the commands hints name (default `metriport-webhook`). */
  invocation?: string;
  /**
   * The flags that reached the API this listen registered with (`--api-url`, `--env`, the key or where to put
   * it), so the commands it suggests (`retry`) reach the same account.
   */
  apiFlags?: FlagMap;
  /** The terminal view shows each message with its outcome (without it, the log says what was forwarded). */
  messagesShown?: boolean;
  /** Where captures go, for the summary at the end. */
  captures?: { outDir: string | undefined; jsonlFile: string | undefined };
  /** `--forward-to`: the app verifies with the account's key, so say how to get it. */
  forwarding?: boolean;
  /** stderr's width now, when it is a terminal: lines break between words to fit it (output/fit.ts). */
  columns?: (() => number | undefined) | undefined;
}

/** The fixed readiness line scripts and tests wait for. Its shape is part of the CLI contract. */
export function readinessLine(localUrl: string): string {
  return `Ready: listening on ${localUrl} (Ctrl-C to stop)`;
}

/** Status, warnings and refusals on stderr, so stdout stays data only. */
export function createLogSink(options: LogSinkOptions): Sink {
  const { palette } = options;
  const invocation = options.invocation ?? 'metriport-webhook';
  // Every line fits the terminal, broken between words (never inside a URL, an id or a token).
  const err = {
    write: (text: string) => {
      const columns = options.columns?.();
      options.err.write(
        columns === undefined
          ? text
          : text
              .split('\n')
              .map((one) => wrapWords(one, columns))
              .join('\n'),
      );
    },
  };
  const line = (at: Date, text: string) => err.write(`${palette.dim(clock(at))}  ${text}\n`);
  // What the command reported around the session, shown where a reader needs it: in the panel, and again last.
  let inspectorUrl: string | undefined;
  let emulator: { url: string; apiKey: string } | undefined;
  // With --emulator the API is the in-process emulator: its URL and public key are what a command needs.
  const hints = (): HintContext => ({
    invocation,
    api: emulator === undefined ? options.apiFlags : { '--api-url': emulator.url, '--api-key': emulator.apiKey },
  });
  return {
    write(event: SessionEvent) {
      switch (event.type) {
        case 'inspector-ready':
          inspectorUrl = event.url;
          if (event.fellBack) {
            err.write(`The inspector's port ${event.requestedPort} is taken; it uses ${event.port} instead (--inspect-port to choose).\n`);
          }
          return;
        case 'emulator-ready':
          emulator = { url: event.url, apiKey: event.apiKey };
          if (event.fellBack) {
            line(
              new Date(),
              `${palette.yellow('warning')}  Port ${event.requestedPort} is taken, so the emulator runs on ${event.port}; the commands below use that port.`,
            );
          }
          return;
        case 'emulator-tour':
          if (event.phase === 'started') err.write(`The emulator now sends one sample of each of ${event.types} message types.\n`);
          // After ~20 messages the commands and the inspector's address have scrolled away: say them again, last.
          else if (emulator !== undefined)
            err.write(`${emulatorCommands(emulator, hints(), options.columns?.())}\n${inspectorLine(inspectorUrl)}`);
          return;
        case 'ready': {
          const before = [
            emulator === undefined ? undefined : emulatorCommands(emulator, hints(), options.columns?.()),
            options.forwarding ? forwardKeyHint(hints()) : undefined,
          ].filter((text) => text !== undefined);
          const panel = [`  Local URL:   ${event.localUrl}`];
          if (event.publicUrl !== undefined) panel.push(`  Registered:  ${event.publicUrl}`);
          if (event.outDir !== undefined) panel.push(`  Captures:    ${event.outDir} (one file per message, owner-only)`);
          if (event.jsonlFile !== undefined) panel.push(`  JSON lines:  ${event.jsonlFile}`);
          if (inspectorUrl !== undefined) panel.push(`  Inspector:   ${inspectorUrl}`);
          err.write(`${before.map((text) => `${text}\n`).join('')}${panel.join('\n')}\n`);
          // The readiness line has a fixed shape scripts wait for: never broken.
          options.err.write(`${palette.green(readinessLine(event.localUrl))}\n`);
          return;
        }
        case 'ping':
          line(event.at, `${palette.cyan('ping')}  answered {"pong":"${visible(event.ping)}"}`);
          return;
        case 'duplicate':
          line(
            event.at,
            `${palette.yellow('duplicate')}  ${visible(event.message.type)}  ${visible(event.message.messageId ?? '')}  already received: ${describeOutcome(event.outcome, { duplicate: true })}`,
          );
          return;
        case 'filtered':
          line(event.at, `${palette.dim('filtered')}  ${visible(event.messageType)}  not in --events: answered 200, not shown or stored`);
          return;
        case 'verify-failed':
          line(event.at, `${palette.red('refused 401')}  ${describeVerifyFailure(event.reason)}${describeSender(event.from)}`);
          return;
        case 'rejected':
          line(event.at, `${palette.red(`refused ${event.status}`)}  ${describeRefusal(event.refusal)}${describeSender(event.from)}`);
          return;
        case 'store-failed':
          line(
            event.at,
            `${palette.yellow('warning')}  Answered 500 and did not keep ${visible(event.message.type)} ${shortId(event.message.messageId)}: ${visible(event.error.message)}${hintOf(event.error)}`,
          );
          return;
        case 'internal-error':
          line(event.at, `${palette.yellow('warning')}  Answered 500 after an internal error: ${visible(event.error.message)}`);
          return;
        case 'key-differs':
          line(event.at, `${palette.yellow('warning')}  ${event.origin} differs from the account's webhook key; using the account's.`);
          return;
        case 'health-unreadable':
          line(event.at, `${palette.yellow('warning')}  Could not read the webhook's health: ${visible(event.error.message)}`);
          return;
        case 'recovering':
          line(
            event.at,
            `${palette.yellow('warning')}  A listen (pid ${event.record.pid}, started ${visible(event.record.startedAt)}) ended without restoring the webhook URL; restoring it first.`,
          );
          return;
        case 'state-problem':
          line(event.at, `${palette.yellow('warning')}  ${describeStateProblem(event.problem)}`);
          return;
        case 'taking-over':
          line(event.at, `${palette.yellow('warning')}  Taking the webhook URL over from listen pid ${event.pid} (--force).`);
          return;
        case 'url-kept':
          line(
            event.at,
            emulator === undefined
              ? `Kept ${visible(event.url)} registered (--keep-url).`
              : `The emulator's account keeps ${visible(event.url)} as its webhook URL; the next listen --emulator registers its own.`,
          );
          return;
        case 'warning':
          line(
            event.at,
            `${palette.yellow('warning')}  ${visible(event.message)}${event.hint === undefined ? '' : ` ${visible(event.hint)}`}`,
          );
          return;
        case 'registered':
          line(
            event.at,
            `${palette.green('registered')}  ${visible(event.webhookUrl)} at ${event.target} ${
              event.previousUrl === null
                ? '(the account had no URL before)'
                : `(previous URL ${visible(event.previousUrl)} is restored on exit)`
            }`,
          );
          return;
        case 'webhook-health':
          line(
            event.at,
            event.enabled
              ? `${palette.green('healthy')}  Metriport's ping succeeded (${visible(event.detail ?? 'OK')})`
              : `${palette.yellow('unhealthy')}  Metriport reports: ${visible(event.detail ?? 'no detail')}; ${whyUnhealthy(event.detail, { forwarding: options.forwarding === true, key: commandLine({ command: 'key', flags: { '--show': true }, sameApi: true }, hints()) })}`,
          );
          if (event.failed > 0)
            line(
              event.at,
              `${event.failed} failed request(s) wait for a retry: run \`${commandLine({ command: 'retry', sameApi: true }, hints())}\``,
            );
          return;
        case 'restored':
          line(event.at, describeRestore(event.outcome, { emulator: emulator !== undefined }));
          return;
        case 'info':
          err.write(`${event.message}\n`);
          return;
        case 'progress':
          err.write(`${progressText(event.step)}\n`);
          return;
        case 'tunnel-state':
          if (event.state === 'connected') line(event.at, `${palette.green('tunnel')}  ${visible(event.url)} → this listener`);
          else if (event.state === 'reconnecting') line(event.at, `${palette.yellow('tunnel')}  connection lost; reconnecting…`);
          else line(event.at, `${palette.red('tunnel')}  lost for good; stopping`);
          return;
        case 'stopped': {
          const s = event.stats;
          const forwarded = s.forwarded + s.forwardFailed > 0 ? `, forwarded ${s.forwarded}, forward failed ${s.forwardFailed}` : '';
          const where = [options.captures?.outDir, options.captures?.jsonlFile].filter((path): path is string => path !== undefined);
          err.write(
            `Stopped. Received ${s.received}, verified ${s.verified}, rejected ${s.rejected}, duplicates ${s.duplicates}, filtered ${s.filtered}, stored ${s.stored}${forwarded}.${where.length > 0 ? ` Captures: ${where.join(', ')}.` : ''}\n`,
          );
          return;
        }
        case 'message':
          // The terminal view prints the message with its outcome; with --json, stdout is data only, so a
          // forward's result is said here.
          if (!options.messagesShown && event.outcome.forward !== undefined) {
            line(
              event.message.receivedAt,
              `${palette.cyan('forward')}  ${visible(event.message.type)} → ${redactUrl(event.outcome.forward.url)}  ${describeOutcome(event.outcome)}`,
            );
          }
          if (options.verbose && event.outcome.forward?.kind === 'answered' && event.outcome.forward.body !== '')
            err.write(`  app: ${visible(event.outcome.forward.body.slice(0, 2000))}\n`);
          return;
      }
    },
    close: async () => undefined,
  };
}

export function progressText(step: 'tunnel' | 'registration'): string {
  return step === 'tunnel' ? 'Opening the tunnel…' : 'Registering the webhook URL with Metriport…';
}

function hintOf(error: Error): string {
  const hint = (error as { hint?: unknown }).hint;
  // A hint names paths and values from outside (a folder's name) as much as a message does.
  return typeof hint === 'string' ? ` ${visible(hint)}` : '';
}

/**
 * What to run from another terminal against `listen --emulator`, with the flags they need (never an `export`
 * that would outlive this run and steer later commands). The key is the emulator's public default.
 */
function emulatorCommands(emulator: { url: string; apiKey: string }, hints: HintContext, columns: number | undefined): string {
  const next = (command: string, args: string[], flags: FlagMap = {}) =>
    wrapCommand(`  ${commandLine({ command, args, flags, sameApi: true }, hints)}`, columns);
  return [
    `Emulator API: ${emulator.url} (API key: ${emulator.apiKey}).`,
    'From another terminal:',
    next('trigger', ['patient.admit'], { '--via-api': true }),
    next('trigger', [], { '--flow': 'document-query' }),
    next('status', []),
    next('requests', [], { '--failed': true }),
    next('retry', [], { '--wait': true }),
  ].join('\n');
}

function inspectorLine(url: string | undefined): string {
  return url === undefined ? '' : `Inspector (every request, its headers, replay): ${url}\n`;
}

/** `--forward-to`: the app verifies with the account's webhook key; say how to get it, with the flags it needs. */
function forwardKeyHint(hints: HintContext): string {
  return `Your app verifies forwarded requests with the account's webhook key: \`${commandLine({ command: 'key', sameApi: true }, hints)}\` shows it (masked; --show for all of it).`;
}

/**
 * What an unhealthy webhook most likely means, from the status Metriport recorded for its last failed send:
 * a 401 or 403 from the app behind --forward-to is a key it verifies with that is not the account's; a 502 or
 * 504 is the app not running or too slow; another 4xx or 5xx is the app's own answer; otherwise the public URL
 * does not reach this listener.
 */
function whyUnhealthy(detail: string | null, context: { forwarding: boolean; key: string }): string {
  const status = /"httpStatus":(\d{3})|status code (\d{3})/.exec(detail ?? '');
  const code = Number(status?.[1] ?? status?.[2]);
  if (detail === 'Bad response from webhook call')
    return 'the ping was answered without its pong: check what answers at the registered URL';
  if (context.forwarding && (code === 401 || code === 403)) {
    return `your app (--forward-to) refused the signature: it verifies with another webhook key than the account's; \`${context.key}\` shows the account's, then restart your app with it`;
  }
  if (context.forwarding && code === 502) return 'your app (--forward-to) did not answer: is it running?';
  if (context.forwarding && code === 504)
    return 'your app (--forward-to) answered too late: answer first, then do the work (Metriport gives up after 5 s)';
  // The listener passes the app's own status on: a 4xx or 5xx is the app's answer, not the tunnel's.
  if (context.forwarding && code >= 400) return `your app (--forward-to) answered ${code}: its log says why`;
  return 'check that the public URL reaches this listener';
}
