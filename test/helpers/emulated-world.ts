import { createRequire } from 'node:module';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { startTargetApp, type TargetApp } from './servers.js';

// Metriport's own published SDK and schemas judge the emulator (devDependencies only).
const require = createRequire(import.meta.url);
export const sdk = require('@metriport/api-sdk') as typeof import('@metriport/api-sdk');
export const shared = require('@metriport/shared/medical') as { webhookRequestSchema: import('zod').ZodTypeAny };

export type MetriportMedicalApi = InstanceType<typeof sdk.MetriportMedicalApi>;

export const EMULATOR_API_KEY = 'emulated-world-key';

/** A received webhook message, parsed. */
export interface Received {
  type: string;
  body: Record<string, any>;
  raw: string;
}

export interface EmulatedWorld {
  emulator: RunningEmulator;
  app: TargetApp;
  api: MetriportMedicalApi;
  /** Every message the app received but pings, in arrival order. */
  messages(): Received[];
  /** Resolves once `count` messages (pings aside) arrived. */
  waitForMessages(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * An emulator on 127.0.0.1:0 with no flow delay and a fixed seed, an app that answers pongs and records the
 * rest, registered as the webhook URL, and the SDK pointed at the emulator.
 */
export async function emulatedWorld(options: Partial<Parameters<typeof startEmulator>[0]> = {}): Promise<EmulatedWorld> {
  const app = await startTargetApp((request) => {
    const ping = JSON.parse(request.body.toString()).ping as string | undefined;
    return { status: 200, body: ping === undefined ? '{}' : JSON.stringify({ pong: ping }) };
  });
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    apiKey: EMULATOR_API_KEY,
    allowLocalUrls: true,
    flowDelayMs: 0,
    seed: 7,
    retryPause: () => 0,
    ...options,
  });
  const api = new sdk.MetriportMedicalApi(EMULATOR_API_KEY, { baseAddress: emulator.url });
  await api.getSettings();
  await api.updateSettings(`${app.url}/webhook`);
  await app.waitForRequests(1);
  const messages = () =>
    app.requests
      .map((request) => ({ raw: request.body.toString(), body: JSON.parse(request.body.toString()) as Record<string, any> }))
      .filter((message) => message.body.meta?.type !== 'ping')
      .map((message) => ({ ...message, type: String(message.body.meta?.type) }));
  return {
    emulator,
    app,
    api,
    messages,
    waitForMessages: async (count) => {
      await app.waitForRequests(count + 1);
      return messages();
    },
    close: async () => {
      await emulator.close();
      await app.close();
    },
  };
}

/**
 * The issues `@metriport/shared`'s webhook schema finds in a message ("path: message"); empty when it passes.
 * Of the union's branches, the one for the message's `meta.type` says what is wrong.
 */
export function schemaIssues(message: unknown): string[] {
  const result = shared.webhookRequestSchema.safeParse(message);
  if (result.success) return [];
  type Issue = { path: Array<string | number>; message: string; unionErrors?: Array<{ issues: Issue[] }> };
  const isTypeIssue = (issue: Issue) => issue.path.join('.') === 'meta.type';
  const issues = (result.error.issues as Issue[]).flatMap((issue) => {
    const branches = issue.unionErrors?.map((branch) => branch.issues);
    if (branches === undefined) return [issue];
    const ofThisType = branches.filter((branch) => !branch.some(isTypeIssue));
    return (ofThisType.length > 0 ? ofThisType : branches).sort((a, b) => a.length - b.length)[0] ?? [issue];
  });
  return issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** Every presigned URL in a value (message bodies, answers), found anywhere in its JSON. */
export function urlsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/"(https?:\/\/[^"]+X-Amz-Signature[^"]+)"/g)].map((match) => match[1] as string);
}

/** A patient to create (invented), typed as the SDK's `createPatient` takes it. */
export const PATIENT: Parameters<MetriportMedicalApi['createPatient']>[0] = {
  firstName: 'Robin',
  lastName: 'Example',
  dob: '1975-06-30',
  genderAtBirth: 'M',
  address: [{ addressLine1: '9 Test Lane', city: 'Springfield', state: 'IL' as never, zip: '62704', country: 'USA' }],
  contact: [{ phone: '2175550199', email: 'robin.example@example.com' }],
  externalId: 'crm-4411',
};
