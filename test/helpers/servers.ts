import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createConnection, createServer as createNetServer } from 'node:net';

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
  respond: (request: RecordedRequest) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> } = () => ({
    status: 200,
  }),
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
        const check = () => {
          if (requests.length < count) return false;
          resolve();
          return true;
        };
        if (!check()) waiters.add(check);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LocalTunnel {
  /** The public URL to register: this relay's own address. */
  url: string;
  /** Starts relaying to the listener on this port; connections that came earlier wait for it. */
  relayTo(port: number): void;
  close(): Promise<void>;
}

/**
 * A stand-in for a tunnel, bound on port 0 before the listener starts (so its URL can be registered without
 * guessing a free port): it relays TCP bytes untouched to the listener once told where it is.
 */
export async function startLocalTunnel(): Promise<LocalTunnel> {
  let target: number | undefined;
  const waiting: Array<() => void> = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createNetServer((incoming) => {
    sockets.add(incoming);
    incoming.on('close', () => sockets.delete(incoming));
    incoming.pause();
    const connect = () => {
      const outgoing = createConnection({ host: '127.0.0.1', port: target as number });
      sockets.add(outgoing);
      outgoing.on('close', () => sockets.delete(outgoing));
      incoming.pipe(outgoing).pipe(incoming);
      outgoing.on('error', () => incoming.destroy());
      incoming.on('error', () => outgoing.destroy());
      incoming.resume();
    };
    if (target === undefined) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    relayTo(listenerPort) {
      target = listenerPort;
      for (const connect of waiting.splice(0)) connect();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (a port bound and released): deliveries to it fail with ECONNREFUSED. */
export async function refusingUrl(path = '/previous-app'): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}${path}`;
}

/** The captures in a `--out` folder: its visible files (anything the tool keeps there starts with "."), sorted. */
export async function captureFiles(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
}
