import type { ChalkInstance } from 'chalk';
import type { SessionEvent } from '../session/events.js';
import { clock } from './format.js';
import type { Sink, TextOutput } from './sink.js';

export interface LogSinkOptions {
  /** stderr: everything that is not message data. */
  err: TextOutput;
  palette: ChalkInstance;
  /** `--verbose`: also show the app's response bodies when forwarding. */
  verbose?: boolean;
}

/** The fixed readiness line scripts and tests wait for. Its shape is part of the CLI contract. */
export function readinessLine(localUrl: string): string {
  return `Ready: listening on ${localUrl} (Ctrl-C to stop)`;
}

/** Status, warnings and refusals on stderr, so stdout stays data only. */
export function createLogSink(options: LogSinkOptions): Sink {
  const { err, palette } = options;
  const line = (at: Date, text: string) => err.write(`${palette.dim(clock(at))}  ${text}\n`);
  return {
    write(event: SessionEvent) {
      switch (event.type) {
        case 'ready': {
          const panel = [`  Local URL:   ${event.localUrl}`];
          if (event.publicUrl !== undefined) panel.push(`  Registered:  ${event.publicUrl}`);
          if (event.outDir !== undefined) panel.push(`  Captures:    ${event.outDir} (one file per message, owner-only)`);
          if (event.jsonlFile !== undefined) panel.push(`  JSON lines:  ${event.jsonlFile}`);
          err.write(`${panel.join('\n')}\n${palette.green(readinessLine(event.localUrl))}\n`);
          return;
        }
        case 'ping':
          line(event.at, `${palette.cyan('ping')}  answered {"pong":"${event.ping}"}`);
          return;
        case 'duplicate':
          line(event.at, `${palette.yellow('duplicate')}  ${event.messageType}  ${event.messageId}  already received: answered 200, not stored again`);
          return;
        case 'filtered':
          line(event.at, `${palette.dim('filtered')}  ${event.messageType}  not in --events: answered 200, not shown or stored`);
          return;
        case 'verify-failed':
          line(event.at, `${palette.red('refused 401')}  ${event.detail}`);
          return;
        case 'rejected':
          line(event.at, `${palette.red(`refused ${event.status}`)}  ${event.detail}`);
          return;
        case 'warning':
          line(event.at, `${palette.yellow('warning')}  ${event.message}${event.hint === undefined ? '' : ` ${event.hint}`}`);
          return;
        case 'registered':
          line(
            event.at,
            `${palette.green('registered')}  ${event.webhookUrl} at ${event.target} ${
              event.previousUrl === null ? '(the account had no URL before)' : `(previous URL ${event.previousUrl} is restored on exit)`
            }`,
          );
          return;
        case 'webhook-health':
          line(
            event.at,
            event.enabled
              ? `${palette.green('healthy')}  Metriport's ping succeeded (${event.detail ?? 'OK'})`
              : `${palette.yellow('unhealthy')}  Metriport reports: ${event.detail ?? 'no detail'}; check that the public URL reaches this listener`,
          );
          if (event.failed > 0) line(event.at, `${event.failed} failed request(s) wait for a retry: run \`metriport-webhook retry\``);
          return;
        case 'restored':
          line(event.at, event.message);
          return;
        case 'info':
          err.write(`${event.message}\n`);
          return;
        case 'progress':
          err.write(`${event.message}\n`);
          return;
        case 'tunnel-state':
          if (event.state === 'connected') line(event.at, `${palette.green('tunnel')}  ${event.url} → this listener`);
          else if (event.state === 'reconnecting') line(event.at, `${palette.yellow('tunnel')}  connection lost; reconnecting…`);
          else line(event.at, `${palette.red('tunnel')}  lost for good; stopping`);
          return;
        case 'forwarded': {
          const status = event.status < 300 ? palette.green(String(event.status)) : palette.red(String(event.status));
          line(event.at, `${palette.cyan('forward')}  ${event.messageType} → ${event.url}  ${status} in ${event.durationMs} ms`);
          if (options.verbose && event.body !== '') err.write(`  ${event.body.slice(0, 2000)}\n`);
          return;
        }
        case 'forward-failed':
          line(event.at, `${palette.red(`forward ${event.status}`)}  ${event.messageType} → ${event.url}: ${event.detail}`);
          return;
        case 'stopped': {
          const s = event.stats;
          err.write(
            `Stopped. Received ${s.received}, verified ${s.verified}, rejected ${s.rejected}, duplicates ${s.duplicates}, filtered ${s.filtered}, stored ${s.stored}.\n`,
          );
          return;
        }
        case 'message':
          return;
      }
    },
    close: async () => undefined,
  };
}
