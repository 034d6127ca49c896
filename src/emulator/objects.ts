import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { S3_PREFIX, type UrlCheck } from './presign.js';

/** Metriport's buckets, as the emulator names them (the real names are per environment). */
export const BUCKETS = {
  medicalDocuments: 'metriport-medical-documents',
  conversions: 'metriport-cda-to-fhir-conversions',
  hl7Conversions: 'metriport-hl7-conversions',
  patientImport: 'metriport-patient-import',
} as const;

export interface StoredObject {
  bucket: string;
  key: string;
  contentType: string;
  body: Buffer;
  lastModified: Date;
  versionId: string;
}

/** Every file the emulated account holds, by bucket and key, as S3 would hold them. */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  put(input: { bucket: string; key: string; contentType: string; body: Buffer; lastModified: Date }): StoredObject {
    const object: StoredObject = { ...input, versionId: randomBytes(16).toString('base64url') };
    this.objects.set(id(input.bucket, input.key), object);
    this.onChange();
    return object;
  }

  get(bucket: string, key: string): StoredObject | undefined {
    return this.objects.get(id(bucket, key));
  }

  list(): StoredObject[] {
    return [...this.objects.values()];
  }

  clear(): void {
    this.objects.clear();
  }

  toJSON(): unknown[] {
    return this.list().map((object) => ({
      ...object,
      body: object.body.toString('base64'),
      lastModified: object.lastModified.toISOString(),
    }));
  }

  restore(items: unknown): void {
    this.objects.clear();
    if (!Array.isArray(items)) return;
    for (const item of items as Array<Record<string, unknown>>) {
      if (typeof item?.bucket !== 'string' || typeof item.key !== 'string' || typeof item.body !== 'string') continue;
      this.objects.set(id(item.bucket, item.key), {
        bucket: item.bucket,
        key: item.key,
        contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
        body: Buffer.from(item.body, 'base64'),
        lastModified: new Date(typeof item.lastModified === 'string' ? item.lastModified : 0),
        versionId: typeof item.versionId === 'string' ? item.versionId : randomBytes(16).toString('base64url'),
      });
    }
  }
}

function id(bucket: string, key: string): string {
  return `${bucket}\u0000${key}`;
}

/**
 * Serves the object store like S3 answers presigned URLs: GET/HEAD return the object with S3's headers, PUT
 * (an upload URL) stores the body; an expired, altered or unsigned URL answers 403 and a missing key 404,
 * each with S3's XML error body. No API key: a presigned URL is its own authorisation. `onUpload` is told
 * about each stored upload (the bulk patient import starts from it).
 */
export function registerS3Routes(
  app: FastifyInstance,
  input: {
    objects: ObjectStore;
    check: (request: { method: string; path: string; query: URLSearchParams }) => UrlCheck;
    now: () => Date;
    onUpload: (object: StoredObject) => void;
  },
): void {
  const handler = async (
    request: { method: string; url: string; body: unknown; headers: Record<string, unknown> },
    reply: FastifyReply,
  ) => {
    const question = request.url.indexOf('?');
    const path = question < 0 ? request.url : request.url.slice(0, question);
    const query = new URLSearchParams(question < 0 ? '' : request.url.slice(question + 1));
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    reply.header('x-amz-request-id', requestId).header('x-amz-id-2', randomBytes(48).toString('base64')).header('server', 'AmazonS3');
    const check = input.check({ method: request.method, path, query });
    if (!check.ok)
      return sendS3Error(reply, { status: check.status, code: check.code, message: check.message, details: check.details, requestId });
    if (request.method === 'PUT') {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const stored = input.objects.put({
        bucket: check.bucket,
        key: check.key,
        contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
        body,
        lastModified: input.now(),
      });
      input.onUpload(stored);
      return reply.code(200).header('etag', etag(body)).header('x-amz-version-id', stored.versionId).send('');
    }
    const object = input.objects.get(check.bucket, check.key);
    if (object === undefined) {
      return sendS3Error(reply, {
        status: 404,
        code: 'NoSuchKey',
        message: 'The specified key does not exist.',
        details: { Key: check.key },
        requestId,
      });
    }
    reply
      .code(200)
      .header('content-type', object.contentType)
      .header('content-length', String(object.body.length))
      .header('etag', etag(object.body))
      .header('last-modified', object.lastModified.toUTCString())
      .header('accept-ranges', 'bytes')
      .header('x-amz-server-side-encryption', 'AES256')
      .header('x-amz-version-id', object.versionId);
    return reply.send(request.method === 'HEAD' ? undefined : object.body);
  };
  app.route({ method: ['GET', 'HEAD', 'PUT'], url: `${S3_PREFIX}/*`, handler: handler as never });
}

function etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** S3's error body: `<Error><Code>…</Code><Message>…</Message>…<RequestId>…</RequestId><HostId>…</HostId></Error>`. */
export function sendS3Error(
  reply: FastifyReply,
  input: { status: number; code: string; message: string; details: Record<string, string>; requestId: string },
): FastifyReply {
  const fields = Object.entries({
    Code: input.code,
    Message: input.message,
    ...input.details,
    RequestId: input.requestId,
    HostId: hostId(),
  })
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return reply
    .code(input.status)
    .header('content-type', 'application/xml')
    .send(`<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`);
}

function hostId(): string {
  return randomBytes(48).toString('base64');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[char]};`);
}
