import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { listenOn } from '../http/listen-on.js';
import type { ApiErrorBody } from '../metriport/types.js';
import { isRecord, nestsDeeperThan } from '../util/json.js';
import { isLoopback } from '../util/loopback.js';
import { sameSecret } from '../util/secret.js';
import { type AccountOptions, EmulatedAccount } from './account.js';
import { ApiError, ValidationError } from './api-errors.js';
import { registerControlRoutes } from './control-routes.js';
import { type EmulatorStore, memoryEmulatorStore } from './emulator-store.js';
import { type FlowResult, type PlayFlowOptions, playFlow } from './flows.js';
import { registerMedicalRoutes } from './medical/routes.js';
import { EmulatedMedical, type FlowEvent } from './medical/world.js';
import { notEmulatedEndpoint } from './not-emulated.js';
import { ObjectStore, registerS3Routes } from './objects.js';
import { Presigner, S3_PREFIX } from './presign.js';
import { createRandom } from './random.js';
import { Scheduler } from './scheduler.js';
import { registerSettingsRoutes } from './settings-routes.js';

export interface EmulatorOptions extends AccountOptions {
  apiKey: string;
  /** Accept local webhook URLs (which Metriport refuses) so a listener on 127.0.0.1 can be registered. */
  allowLocalUrls: boolean;
  /**
   * Where the account is kept between runs (settings and webhook key, request history, patients, jobs,
   * files). Default: in memory, forgotten when the process ends. `startEmulator` reads it at start.
   */
  store?: EmulatorStore | undefined;
  /** The snapshot to start from (what `store.load()` gave; `startEmulator` passes it). Default: a new account. */
  initialState?: unknown;
  /**
   * Every presigned URL's lifetime, in ms, instead of Metriport's (3 or 10 minutes, see URL_LIFETIMES_S): for
   * tests of expiry. S3 counts whole seconds, so it is rounded up to at least 1 s.
   */
  urlTtlMs?: number | undefined;
  /** How long a query takes before its messages go out, in ms. Default: Metriport's sandbox wait, a random 0–5 s. */
  flowDelayMs?: number | undefined;
  /** Seed of the emulator's randomness (waits, the order of a query's messages), for runs that repeat. */
  seed?: number | undefined;
  /** Each step of a flow (a message sent, a flow done or stuck). */
  onFlow?: ((event: FlowEvent) => void) | undefined;
  /** Failures of background work: saving the state, a flow that broke. Default: ignored. */
  onError?: ((error: unknown) => void) | undefined;
}

export interface EmulatorApp {
  app: FastifyInstance;
  account: EmulatedAccount;
  medical: EmulatedMedical;
  /** Sets the origin every minted URL points at (`startEmulator` does, once it listens). */
  setOrigin(origin: string): void;
  /** Plays a whole flow (`trigger --flow`). */
  playFlow(options: PlayFlowOptions): Promise<FlowResult>;
  /** Moves the emulator's clock forward: URLs expire, jobs lapse. Answers the new time. */
  advanceClock(ms: number): Date;
  /** Back to a new account, and the store cleared (`emulator --reset` on a running emulator). */
  reset(): Promise<void>;
  /** Resolves once no flow, retry or save is running. */
  idle(): Promise<void>;
  /** Stops the flows still waiting, then waits for sends and the last save. */
  shutdown(): Promise<void>;
}

/** The snapshot's format; a saved state of another format is not used. */
const SNAPSHOT_VERSION = 1;

/**
 * Helmet 6's default headers (Metriport's API runs `app.use(helmet())`), on every answer of the API itself;
 * `cors()` adds `Access-Control-Allow-Origin: *`.
 */
const API_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'access-control-allow-origin': '*',
};

/**
 * Metriport's API from the other side: the settings and webhook routes (`routes/settings.ts`), the medical
 * routes that start flows (`routes/medical/`), the files messages point to (served like S3's presigned URLs)
 * and the emulator's own `/emulator/` routes. Built without listening, for `inject()` and reuse.
 */
export function buildEmulatorApp(options: EmulatorOptions): EmulatorApp {
  const baseNow = options.now ?? (() => new Date());
  let offsetMs = 0;
  const now = () => new Date(baseNow().getTime() + offsetMs);
  const onError = options.onError ?? (() => undefined);
  let origin = 'http://127.0.0.1:4748';
  const store = options.store;
  let saving: Promise<void> = Promise.resolve();
  let dirty = false;
  let collect: () => unknown = () => undefined;
  // With a store, every change is saved soon after (changes made together are saved together); without one
  // the live objects are the state.
  const changed = () => {
    if (store === undefined || dirty) return;
    dirty = true;
    saving = saving
      .then(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        dirty = false;
        await store.save(collect());
      })
      .catch(onError);
  };

  const saved = isRecord(options.initialState) && options.initialState.version === SNAPSHOT_VERSION ? options.initialState : undefined;
  if (options.initialState !== undefined && saved === undefined)
    onError(new Error('The saved emulator state is of another format; starting afresh.'));
  let secret = typeof saved?.urlSecret === 'string' ? saved.urlSecret : Presigner.newSecret();
  const account = new EmulatedAccount({ ...options, now, onChange: changed });
  const random = createRandom(options.seed);
  const scheduler = new Scheduler(onError);
  const objects = new ObjectStore(changed);
  const makePresigner = () =>
    new Presigner({
      secret,
      origin: () => origin,
      now,
      ttlSeconds: options.urlTtlMs === undefined ? undefined : Math.max(1, Math.ceil(options.urlTtlMs / 1000)),
    });
  let presigner = makePresigner();
  const medical = new EmulatedMedical({
    account,
    objects,
    get presigner() {
      return presigner;
    },
    scheduler,
    random,
    now,
    flowDelay: () => options.flowDelayMs ?? random.int(5001),
    changed,
    onFlow: options.onFlow ?? (() => undefined),
  });
  account.setUrlLocalizer((message) => medical.localizeSample(message));
  if (saved !== undefined) {
    try {
      account.restore(saved.account);
      medical.restore(saved.medical);
      objects.restore(saved.objects);
    } catch (error) {
      onError(new Error(`The saved emulator state could not be used (${(error as Error).message}); starting afresh.`));
      account.reset();
      medical.clear();
      objects.clear();
    }
  }
  collect = () => ({
    version: SNAPSHOT_VERSION,
    urlSecret: secret,
    account: account.snapshot(),
    medical: medical.snapshot(),
    objects: objects.toJSON(),
  });
  // A new account is saved at once, so its key and id are the ones the next run finds.
  if (saved === undefined) changed();

  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024 });
  installParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    // Only this machine may drive the emulator: a Host that is not one of its own names is DNS rebinding, and
    // a web page's Origin from elsewhere would reach it through the browser (the public default key and CORS *
    // would let any page read the account and, through sample-payload, local services' answers).
    const boundHost = new URL(origin).hostname;
    if (!isOwnHost(request.headers.host, boundHost) || !isOwnOrigin(request.headers.origin, boundHost)) {
      return reply.code(403).send({ message: 'Forbidden' });
    }
    // A presigned URL is its own authorisation (S3, not the API).
    if (request.url.startsWith(`${S3_PREFIX}/`)) return;
    if (request.method === 'OPTIONS') {
      // cors(): the preflight answers by itself.
      return reply
        .code(204)
        .headers(API_HEADERS)
        .header('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE')
        .header('access-control-allow-headers', String(request.headers['access-control-request-headers'] ?? ''))
        .header('vary', 'Access-Control-Request-Headers')
        .send();
    }
    // Metriport's gateway rejects a missing or wrong key before any route runs (and without the API's headers).
    const key = request.headers['x-api-key'];
    if (typeof key !== 'string' || !sameSecret(key, options.apiKey)) {
      return reply.code(403).send({ message: 'Forbidden' });
    }
    reply.headers(API_HEADERS);
  });

  registerSettingsRoutes(app, { account, allowLocalUrls: options.allowLocalUrls });
  registerMedicalRoutes(app, medical, now);
  registerS3Routes(app, {
    objects,
    check: (request) => presigner.check(request),
    now,
    onUpload: (object) => void medical.onUpload(object),
  });

  const reset = async () => {
    scheduler.close();
    await scheduler.idle();
    scheduler.reopen();
    account.reset();
    medical.clear();
    objects.clear();
    secret = Presigner.newSecret();
    presigner = makePresigner();
    await saving;
    await store?.clear();
    changed();
  };
  const advanceClock = (ms: number) => {
    offsetMs += ms;
    return now();
  };
  registerControlRoutes(app, { account, medical, advanceClock, reset });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const endpoint = notEmulatedEndpoint(request.method, path);
    if (endpoint !== undefined) {
      throw new ApiError(501, 'NotImplementedError', `The emulator does not emulate ${endpoint}; test it against Metriport's sandbox.`);
    }
    // Metriport's `notFoundHandlers`.
    return reply.code(404).send({ message: 'Not Found' });
  });
  app.setErrorHandler(async (error: FastifyError | ApiError | ValidationError, _request, reply) => {
    if (error instanceof ApiError)
      return sendError(reply, { status: error.status, title: error.title, detail: error.message, additionalInfo: error.additionalInfo });
    if (error instanceof ValidationError)
      return sendError(reply, { status: 400, title: 'Missing or invalid parameters', detail: error.message });
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500)
      return sendError(reply, { status, title: 'MetriportError', detail: error.message });
    return sendError(reply, {
      status: 500,
      title: 'InternalServerError',
      detail: 'Please try again or reach out to support@metriport.com',
    });
  });

  return {
    app,
    account,
    medical,
    setOrigin: (value) => {
      origin = value;
    },
    playFlow: (flowOptions) => playFlow(medical, flowOptions),
    advanceClock,
    reset,
    idle: async () => {
      await scheduler.idle();
      await account.idle();
      await saving;
    },
    shutdown: async () => {
      scheduler.close();
      await scheduler.idle();
      await account.idle();
      await saving;
    },
  };
}

/**
 * Metriport's API is Express with its JSON and urlencoded parsers: any content type is accepted, an empty or
 * unknown body reads as {}, and only malformed JSON is refused. Uploads to presigned URLs keep their bytes.
 */
/** How deep a JSON body may nest: far beyond any Metriport payload, far below what V8 can serialise. */
const MAX_JSON_DEPTH = 512;

function installParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (request.url.startsWith(`${S3_PREFIX}/`)) {
      done(null, bytes);
      return;
    }
    const type = String(request.headers['content-type'] ?? '');
    const text = bytes.toString('utf8');
    if (/json/i.test(type) && text.trim() !== '') {
      // What it stores is listed and sent again later: a body too deep to serialise would break those for good.
      if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
        done(Object.assign(new Error(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`), { statusCode: 400 }), undefined);
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(Object.assign(new Error(`Unexpected token in JSON: ${(error as Error).message}`), { statusCode: 400 }), undefined);
      }
      return;
    }
    done(null, /x-www-form-urlencoded/i.test(type) ? Object.fromEntries(new URLSearchParams(text)) : {});
  });
}

export interface RunningEmulator {
  url: string;
  /** The port asked for was taken and a free one was picked (see `fallbackToFreePort`). */
  fellBack: boolean;
  account: EmulatedAccount;
  medical: EmulatedMedical;
  /** Plays a whole flow (`trigger --flow`). */
  playFlow(options: PlayFlowOptions): Promise<FlowResult>;
  advanceClock(ms: number): Date;
  reset(): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the emulator on `host:port` (0 picks a free port), with the account its store holds (`reset`: a new
 * one, the store cleared first).
 */
export async function startEmulator(
  options: EmulatorOptions & { host: string; port: number; reset?: boolean | undefined; fallbackToFreePort?: boolean },
): Promise<RunningEmulator> {
  const store = options.store ?? memoryEmulatorStore();
  if (options.reset) await store.clear();
  const initialState = options.initialState ?? (options.reset ? undefined : await store.load());
  const built = buildEmulatorApp({ ...options, store: options.store, initialState });
  const { origin, fellBack } = await listenOn(built.app, {
    host: options.host,
    port: options.port,
    what: 'The emulator',
    fallbackToFreePort: options.fallbackToFreePort,
  });
  built.setOrigin(origin);
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    fellBack,
    account: built.account,
    medical: built.medical,
    playFlow: built.playFlow,
    advanceClock: built.advanceClock,
    reset: built.reset,
    idle: built.idle,
    close: () =>
      (closing ??= (async () => {
        await built.app.close();
        await built.shutdown();
      })()),
  };
}

function sendError(
  reply: FastifyReply,
  input: { status: number; title: string; detail: string; additionalInfo?: Record<string, unknown> | undefined },
): FastifyReply {
  const body: ApiErrorBody = {
    status: input.status,
    title: input.title,
    detail: input.detail,
    name: STATUS_CODES[input.status] ?? 'Error',
  };
  return reply.code(input.status).send(input.additionalInfo === undefined ? body : { ...body, additionalInfo: input.additionalInfo });
}

/** The Host header names this machine (a loopback name or address, or the host the emulator was bound to). */
function isOwnHost(host: string | undefined, boundHost: string | undefined): boolean {
  if (host === undefined) return false;
  const name = URL.canParse(`http://${host}`) ? new URL(`http://${host}`).hostname : '';
  return isLoopback(name) || (boundHost !== undefined && name === boundHost);
}

/** No Origin (not a browser), or a page served from this machine. */
function isOwnOrigin(origin: string | undefined, boundHost: string | undefined): boolean {
  if (origin === undefined) return true;
  return URL.canParse(origin) && isOwnHost(new URL(origin).host, boundHost);
}
