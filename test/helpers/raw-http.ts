import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with any method, path, headers and bytes (fetch refuses some of these). */
export function rawRequest(input: {
  url: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}): Promise<RawAnswer> {
  const { hostname, port } = new URL(input.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: input.method,
        path: input.path,
        headers: { ...input.headers, 'content-length': String(input.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(input.body);
  });
}
