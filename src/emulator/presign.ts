import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sameSecret } from '../util/secret.js';

/**
 * How long each presigned URL Metriport hands out stays valid, in seconds, as its code sets them (the AWS
 * default it falls back on is `DEFAULT_SIGNED_URL_DURATION`, 3 minutes, in `packages/core/src/external/aws/s3.ts`).
 */
export const URL_LIFETIMES_S = {
  /** `medical.consolidated-data` attachments: `getSignedURL` with the default (api `consolidated-get.ts`). */
  consolidated: 180,
  /** `GET /document/download-url`: `getSignedURL` with the default (api `document-download.ts`). */
  documentDownload: 180,
  /** `medical.document-bulk-download-urls`: 10 minutes (core `external/aws/document-signing/bulk-sign.ts`). */
  bulkDocument: 600,
  /** `patient.admit|transfer|discharge` `url`: 10 minutes (core `hl7-notification-webhook-sender-direct.ts`). */
  adtBundle: 600,
  /** `POST /patient/bulk` `uploadUrl`: 10 minutes (api `patient-import/create.ts`). */
  bulkImportUpload: 600,
  /** `medical.bulk-patient-create` `result`: 3 minutes (api `process-patient-import-webhook.ts`). */
  bulkImportResult: 180,
  /** `network-query.*` `consolidatedDataUrl`: that code is not open source; the S3 default, as for consolidated data. */
  networkQuery: 180,
} as const;

export type UrlPurpose = keyof typeof URL_LIFETIMES_S;

export interface PresignedTarget {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  purpose: UrlPurpose;
  /** S3's `versionId` (the ADT bundle URL names the object version). */
  versionId?: string;
}

export type UrlCheck =
  | { ok: true; bucket: string; key: string }
  | { ok: false; status: 403; code: 'AccessDenied' | 'SignatureDoesNotMatch'; message: string; details: Record<string, string> };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const REGION = 'us-east-2';
/** Where the emulator serves its "buckets": `/s3/<bucket>/<key>`, beside the API's own routes. */
export const S3_PREFIX = '/s3';

/**
 * Mints and checks URLs shaped like S3's presigned ones (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
 * `X-Amz-Expires`, `X-Amz-Signature`, `X-Amz-SignedHeaders`, `x-id`), pointing at the emulator itself. The
 * signature is an HMAC over the method, path and every other parameter, with a secret of the emulated
 * account, so any change to the URL (its lifetime included) fails as S3 fails, and a URL stays valid across
 * restarts of a persisted account.
 */
export class Presigner {
  readonly accessKeyId: string;

  constructor(
    private readonly options: {
      secret: string;
      /** The emulator's origin (`http://127.0.0.1:4748`), known once it listens. */
      origin: () => string;
      now: () => Date;
      /** Every URL's lifetime, when set (`--url-ttl`); S3 counts whole seconds, so at least 1. */
      ttlSeconds?: number | undefined;
    },
  ) {
    this.accessKeyId = `ASIA${createHash('sha256').update(options.secret).digest('hex').slice(0, 16).toUpperCase()}`;
  }

  /** Where the URLs point: the emulator's origin. */
  origin(): string {
    return this.options.origin();
  }

  static newSecret(): string {
    return randomBytes(32).toString('base64url');
  }

  lifetimeSeconds(purpose: UrlPurpose): number {
    return this.options.ttlSeconds ?? URL_LIFETIMES_S[purpose];
  }

  /** A presigned URL for `target`, valid from `issuedAt` (default now) for the purpose's lifetime. */
  sign(target: PresignedTarget, issuedAt: Date = this.options.now()): string {
    const path = objectPath(target.bucket, target.key);
    const date = amzDate(issuedAt);
    const params = new URLSearchParams();
    params.set('X-Amz-Algorithm', ALGORITHM);
    params.set('X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD');
    params.set('X-Amz-Credential', `${this.accessKeyId}/${date.slice(0, 8)}/${REGION}/s3/aws4_request`);
    params.set('X-Amz-Date', date);
    params.set('X-Amz-Expires', String(this.lifetimeSeconds(target.purpose)));
    params.set('X-Amz-SignedHeaders', 'host');
    if (target.versionId !== undefined) params.set('versionId', target.versionId);
    params.set('x-id', target.method === 'PUT' ? 'PutObject' : 'GetObject');
    params.set('X-Amz-Signature', this.signature(target.method, path, params));
    params.sort();
    return `${this.options.origin()}${path}?${params.toString()}`;
  }

  /** Whether a request for `/s3/<bucket>/<key>?…` carries a valid, unexpired signature for its method. */
  check(input: { method: string; path: string; query: URLSearchParams }): UrlCheck {
    const method = input.method === 'HEAD' ? 'GET' : input.method;
    const provided = input.query.get('X-Amz-Signature');
    const date = input.query.get('X-Amz-Date');
    const expires = input.query.get('X-Amz-Expires');
    if (provided === null || date === null || expires === null) {
      // A private bucket asked without a signature: S3's plain refusal.
      return { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied', details: {} };
    }
    const expected = this.signature(method, input.path, input.query);
    if (!sameSecret(provided, expected)) {
      return {
        ok: false,
        status: 403,
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        details: { AWSAccessKeyId: this.accessKeyId, SignatureProvided: provided },
      };
    }
    const issued = parseAmzDate(date);
    const seconds = Number(expires);
    const deadline = issued === undefined ? Number.NaN : issued + seconds * 1000;
    const now = this.options.now();
    if (!(now.getTime() <= deadline)) {
      return {
        ok: false,
        status: 403,
        code: 'AccessDenied',
        message: 'Request has expired',
        details: {
          'X-Amz-Expires': expires,
          Expires: Number.isNaN(deadline) ? '' : isoSeconds(new Date(deadline)),
          ServerTime: isoSeconds(now),
        },
      };
    }
    const [bucket, key] = splitObjectPath(input.path);
    return { ok: true, bucket, key };
  }

  private signature(method: string, path: string, query: URLSearchParams): string {
    const canonical = [...query.entries()]
      .filter(([name]) => name !== 'X-Amz-Signature')
      .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
    return createHmac('sha256', this.options.secret).update(`${method}\n${path}\n${canonical}`).digest('hex');
  }
}

/** `/s3/<bucket>/<key>` with each key segment percent-encoded, `/` kept (S3's path style). */
export function objectPath(bucket: string, key: string): string {
  return `${S3_PREFIX}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function splitObjectPath(path: string): [string, string] {
  const rest = path.slice(S3_PREFIX.length + 1);
  const slash = rest.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  const key =
    slash < 0
      ? ''
      : rest
          .slice(slash + 1)
          .split('/')
          .map(decodeURIComponent)
          .join('/');
  return [bucket, key];
}

/** `20261102T150405Z`: S3's `X-Amz-Date`, to the second. */
function amzDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

function parseAmzDate(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
