import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface TargetApp {
  url: string;
  requests: RecordedRequest[];
  /** The most requests this app was handling at the same moment (arrival to answer sent). */
  maxInFlight(): number;
  /** Resolves once `count` requests have arrived in all. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records requests and answers with `respond`. */
export async function startTargetApp(
  respond: (request: RecordedRequest) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> } = () => ({ status: 200 }),
): Promise<TargetApp> {
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => boolean>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      for (const check of waiters) if (check()) waiters.delete(check);
      const answer = respond(recorded);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    waitForRequests: (count) =>
      new Promise((resolve) => {
        const check = () => (requests.length >= count ? (resolve(), true) : false);
        if (!check()) waiters.add(check);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago (for a listener whose public URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback URL where nothing listens: deliveries to it fail at once with ECONNREFUSED. */
export async function refusingUrl(path = '/previous-app'): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}
