import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { inMetriportOrder, newSampleMessage } from '../../src/samples/samples.js';
import { compareJsonbKeys, jsonbOrder } from '../../src/util/jsonb.js';
import { refusingUrl } from '../helpers/servers.js';

// Issue #26 item 6: the messages and the sender as Metriport's code has them.
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(options: { messageTimeoutMs?: number; pingTimeoutMs?: number } = {}): Promise<RunningEmulator> {
  const running = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: 'k', allowLocalUrls: true, retryPause: () => 0, ...options });
  cleanups.push(() => running.close());
  return running;
}

/** A receiver that answers each request with `answer` (raw control of headers, chunks and timing). */
async function receiver(
  answer: (request: { headers: Record<string, unknown>; body: string }, res: import('node:http').ServerResponse) => void,
) {
  const requests: Array<{ headers: Record<string, unknown>; body: string }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers as Record<string, unknown>, body: Buffer.concat(chunks).toString() };
      requests.push(request);
      answer(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

const pong = (body: string) => JSON.stringify({ pong: JSON.parse(body).ping });

describe('message shapes', () => {
  it('orders keys as JSONB does: shorter first, then bytewise, at every depth; arrays keep their order', () => {
    expect(Object.keys(jsonbOrder({ patientId: 1, status: 2, documents: 3, externalId: 4, additionalIds: 5 }))).toEqual([
      'status',
      'documents',
      'patientId',
      'externalId',
      'additionalIds',
    ]);
    expect(JSON.stringify(jsonbOrder({ b: [{ zz: 1, a: 2 }], a: { é: 1, z: 2 } }))).toBe('{"a":{"z":2,"é":1},"b":[{"a":2,"zz":1}]}');
    expect(['ab', 'b', 'aa'].sort(compareJsonbKeys)).toEqual(['b', 'aa', 'ab']);
    expect(Object.keys(jsonbOrder(JSON.parse('{"__proto__":1,"a":2}')))).toEqual(['a', '__proto__']);
  });

  it('builds meta as messageId, requestId, when, type, data, and the body in JSONB order; devices and ping keep theirs', () => {
    const download = newSampleMessage('medical.document-download', new Date()) as { meta: object; patients: object[] };
    expect(Object.keys(download)).toEqual(['meta', 'patients']);
    expect(Object.keys(download.meta)).toEqual(['messageId', 'requestId', 'when', 'type', 'data']);
    expect(Object.keys(download.patients[0] as object)).toEqual(['status', 'documents', 'patientId', 'externalId']);
    const connected = newSampleMessage('devices.provider-connected', new Date()) as { users: object[] };
    expect(Object.keys(connected.users[0] as object)).toEqual(['userId', 'providers', 'connectedProviders', 'connectedDevices']);
    expect(Object.keys(newSampleMessage('ping', new Date()) as object)).toEqual(['ping', 'meta']);
    expect(inMetriportOrder({ meta: { type: 'x' }, b: 1, a: 2 })).toEqual({ meta: { type: 'x' }, a: 2, b: 1 });
  });

  it('sends stored messages in JSONB order with Metriport meta, and the Accept headers axios adds', async () => {
    const app = await receiver((request, res) => res.end(request.body.includes('"ping"') ? pong(request.body) : '{}'));
    const running = await emulator();
    await running.account.updateWebhookUrl(app.url).ping;
    await running.account.send({
      meta: { type: 'medical.document-conversion', requestId: 'r-1', data: { x: '1' } },
      patients: [{ patientId: 'p', status: 'completed' }],
    });
    const sent = app.requests[1];
    expect(sent?.body).toMatch(
      /^\{"meta":\{"messageId":"[^"]+","requestId":"r-1","when":"[^"]+","type":"medical.document-conversion","data":\{"x":"1"\}\},"patients":\[\{"status":"completed","patientId":"p"\}\]\}$/,
    );
    expect(sent?.headers).toMatchObject({ accept: 'application/json, text/plain, */*', 'accept-encoding': 'gzip, compress, deflate, br' });
  });
});

describe('the sender, as axios behaves', () => {
  it('records a refused connection with its nested cause, as errorToString prints it', async () => {
    const running = await emulator();
    const url = await refusingUrl('/hook');
    await running.account.updateWebhookUrl(url).ping;
    const host = new URL(url).host;
    const message = `connect ECONNREFUSED ${host} (ECONNREFUSED); caused by connect ECONNREFUSED ${host} (ECONNREFUSED)`;
    expect(running.account.webhookStatus().webhookStatusDetail).toBe(
      `Failed to send payload (${JSON.stringify({ url, httpStatus: 500, httpMessage: message })}); caused by ${message}`,
    );
  });

  it('refuses ftp:// as axios does: "Unsupported protocol ftp:"', async () => {
    const running = await emulator();
    await running.account.updateWebhookUrl('ftp://files.example.com/hook').ping;
    expect(running.account.webhookStatus().webhookStatusDetail).toBe(
      'Failed to send payload ({"url":"ftp://files.example.com/hook","httpStatus":500,"httpMessage":"Unsupported protocol ftp: (ERR_BAD_REQUEST)"}); caused by Unsupported protocol ftp: (ERR_BAD_REQUEST)',
    );
  });

  it('takes a pong with a UTF-8 BOM or gzip content-encoding as healthy', async () => {
    const bom = await receiver((request, res) => res.end(`\ufeff${pong(request.body)}`));
    const gzip = await receiver((request, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(pong(request.body)));
    });
    const running = await emulator();
    for (const app of [bom, gzip]) {
      await running.account.updateWebhookUrl(app.url).ping;
      expect(running.account.webhookStatus()).toMatchObject({ webhookEnabled: true, webhookStatusDetail: 'OK' });
    }
  });

  it('times out after the timeout without data, not after the timeout in all', async () => {
    // 4 chunks 40 ms apart: 160 ms in all, never 100 ms without data.
    const steady = await receiver((_request, res) => {
      res.writeHead(200);
      let sent = 0;
      const timer = setInterval(() => {
        res.write(' ');
        sent += 1;
        if (sent === 4) {
          clearInterval(timer);
          res.end('{}');
        }
      }, 40);
    });
    const silent = await receiver(() => undefined);
    const running = await emulator({ messageTimeoutMs: 100, pingTimeoutMs: 100 });
    await running.account.updateWebhookUrl(steady.url).ping;
    expect((await running.account.send({ meta: { type: 'x' } })).status).toBe('success');
    await running.account.updateWebhookUrl(silent.url).ping;
    expect((await running.account.send({ meta: { type: 'x' } })).status).toBe('failure');
    expect(running.account.webhookStatus().webhookStatusDetail).toContain('timeout of 100ms exceeded (ETIMEDOUT)');
  });
});
