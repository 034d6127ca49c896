import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/app.js';
import { hasFailedSample, listSampleTypes, newSampleMessage } from '../../src/samples/samples.js';
import { startTargetApp, type TargetApp } from '../helpers/servers.js';

// Metriport's own published SDK judges our samples and our emulator (devDependency only).
const require = createRequire(import.meta.url);
const { MetriportMedicalApi } = require('@metriport/api-sdk') as typeof import('@metriport/api-sdk');

const API_KEY = 'sdk-judge-key';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The zod issues the SDK finds, as "path: message" lines; empty when it accepts the message. */
function sdkIssues(message: unknown): string[] {
  const parsed = MetriportMedicalApi.parseWebhookResponse(message, false) as {
    errors?: {
      issues: Array<{
        path: Array<string | number>;
        message: string;
        unionErrors?: Array<{ issues: Array<{ path: Array<string | number>; message: string }> }>;
      }>;
    };
  };
  if (parsed?.errors === undefined) return [];
  // The union reports every branch; the branch for this meta.type says what is wrong.
  const issues = parsed.errors.issues.flatMap(
    (issue) => issue.unionErrors?.map((branch) => branch.issues).sort((a, b) => a.length - b.length)[0] ?? [issue],
  );
  return issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const medicalTypes = listSampleTypes().filter((type) => !type.startsWith('devices.'));
const devicesTypes = listSampleTypes().filter((type) => type.startsWith('devices.'));

describe("Metriport's SDK judges the samples", () => {
  it('knows every type in its union, ping included: 17 medical types and 3 devices types in all', () => {
    expect(medicalTypes).toHaveLength(17);
    expect(devicesTypes).toEqual(['devices.health-data', 'devices.provider-connected', 'devices.provider-disconnected']);
  });

  it.each(medicalTypes)('accepts the %s message trigger and the emulator send', (type) => {
    expect(sdkIssues(newSampleMessage(type, new Date()))).toEqual([]);
  });

  // A failed document download has no `documents` key, as Metriport's code sends it; the SDK's own schema wants
  // one, so an integration that parses with it crashes on real failures (README). Every other failed sample fits.
  const realButRejected = ['medical.document-download'];
  it.each(medicalTypes.filter(hasFailedSample).filter((type) => !realButRejected.includes(type)))(
    'accepts the failed %s message',
    (type) => {
      expect(sdkIssues(newSampleMessage(type, new Date(), 'failed'))).toEqual([]);
    },
  );

  it('rejects the failed medical.document-download as Metriport really sends it (no documents key)', () => {
    const failed = newSampleMessage('medical.document-download', new Date(), 'failed') as { patients: Array<Record<string, unknown>> };
    expect(failed.patients[0]).not.toHaveProperty('documents');
    expect(sdkIssues(failed)).not.toEqual([]);
    expect(sdkIssues({ ...failed, patients: [{ ...failed.patients[0], documents: [] }] })).toEqual([]);
  });

  it('rejects what it should, so the judge is not a rubber stamp', () => {
    const broken = newSampleMessage('network-query.hie', new Date()) as { payload: Record<string, unknown> };
    delete broken.payload.consolidatedDataUrl;
    expect(sdkIssues(broken)).toEqual(['payload.consolidatedDataUrl: Required']);
  });

  it.each(devicesTypes)('%s (outside the SDK union) has the Devices API fields and no meta.data', (type) => {
    const message = newSampleMessage(type, new Date()) as { meta: Record<string, unknown>; users: Array<Record<string, unknown>> };
    expect(Object.keys(message.meta)).toEqual(['messageId', 'when', 'type']);
    expect(message.users.length).toBeGreaterThan(0);
    for (const user of message.users) {
      expect(user.userId).toEqual(expect.any(String));
      if (type === 'devices.health-data') {
        const kinds = ['activity', 'sleep', 'body', 'biometrics', 'nutrition'].filter((kind) => Array.isArray(user[kind]));
        expect(kinds.length).toBeGreaterThan(0);
        for (const kind of kinds)
          for (const item of user[kind] as Array<{ metadata: unknown }>)
            expect(item.metadata).toMatchObject({ date: expect.any(String), source: expect.any(String) });
      } else {
        expect(user.providers).toEqual(expect.any(Array));
        expect(user.connectedProviders).toEqual(expect.any(Array));
      }
    }
  });

  it('real-time notifications carry meta.requestId; one patient per document and consolidated message', () => {
    for (const type of ['patient.admit', 'patient.discharge', 'patient.transfer', 'patient.pharmacy', 'patient.laboratory']) {
      expect((newSampleMessage(type, new Date()) as { meta: { requestId?: unknown } }).meta.requestId).toEqual(expect.any(String));
    }
    for (const type of medicalTypes.filter((name) => name.startsWith('medical.document') || name === 'medical.consolidated-data')) {
      expect((newSampleMessage(type, new Date()) as { patients: unknown[] }).patients).toHaveLength(1);
    }
  });
});

describe("Metriport's SDK against the emulator", () => {
  async function world(): Promise<{ emulator: RunningEmulator; app: TargetApp; sdk: InstanceType<typeof MetriportMedicalApi> }> {
    const app = await startTargetApp((request) => {
      const ping = JSON.parse(request.body.toString()).ping as string | undefined;
      return { status: ping === undefined ? 500 : 200, body: ping === undefined ? '' : JSON.stringify({ pong: ping }) };
    });
    const emulator = await startEmulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, allowLocalUrls: true, retryPause: () => 0 });
    cleanups.push(
      () => app.close(),
      () => emulator.close(),
    );
    return { emulator, app, sdk: new MetriportMedicalApi(API_KEY, { baseAddress: emulator.url }) };
  }

  it('getSettings, updateSettings, getWebhookStatus and retryWebhookRequests all work', async () => {
    const { emulator, app, sdk } = await world();
    expect(await sdk.getSettings()).toMatchObject({ webhookUrl: null, webhookKey: null });
    const updated = await sdk.updateSettings(`${app.url}/hook`);
    expect(updated).toMatchObject({ webhookUrl: `${app.url}/hook`, webhookKey: expect.stringMatching(/^[\w-]{21}$/) });
    await app.waitForRequests(1);
    await emulator.account.send(newSampleMessage('patient.admit', new Date()) ?? {});
    const status = await sdk.getWebhookStatus();
    expect(status).toMatchObject({ webhookRequestsFailed: 1, webhookRequestsProcessing: 0 });
    // The SDK posts no body with Content-Type: application/x-www-form-urlencoded; Metriport answers 200 OK.
    await expect(sdk.retryWebhookRequests()).resolves.toBeUndefined();
    await emulator.account.idle();
    expect(app.requests.length).toBe(3);
  });
});
