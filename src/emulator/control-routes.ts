import type { FastifyInstance } from 'fastify';
import { listMessageTypes, newSampleMessage } from '../samples/samples.js';
import { isRecord } from '../util/json.js';
import type { EmulatedAccount } from './account.js';
import { badRequest } from './api-errors.js';
import { FAULTS, FLOW_NAMES, FlowError, type FlowName, faultsFor, isFault, playFlow } from './flows.js';
import type { EmulatedMedical } from './medical/world.js';

export interface ControlTarget {
  account: EmulatedAccount;
  medical: EmulatedMedical;
  /** Moves the emulator's clock forward (URLs expire, jobs lapse) without waiting. */
  advanceClock(ms: number): Date;
  /** Back to a new account: settings, key, history, patients and files forgotten. */
  reset(): Promise<void>;
}

/**
 * The emulator's own routes, under `/emulator/` (the API key is needed, as everywhere): make it send a message,
 * play a whole flow, move its clock, look at a bulk import, start afresh. Metriport has none of them.
 */
export function registerControlRoutes(app: FastifyInstance, target: ControlTarget): void {
  app.post('/emulator/messages', async (request) => {
    const body = request.body ?? {};
    if (!isRecord(body)) throw badRequest('The body must be a JSON object: a full payload or {"type": "<meta.type>"}');
    let payload = body;
    if (!('meta' in body) && typeof body.type === 'string') {
      const sample = newSampleMessage(body.type, new Date(), body.outcome === 'failed' ? 'failed' : 'completed');
      if (sample === undefined || body.type === 'ping') {
        throw badRequest(
          `No ${body.outcome === 'failed' ? 'failed ' : ''}sample for "${body.type}"; samples: ${listMessageTypes().join(', ')}`,
        );
      }
      payload = target.account.withLocalUrls(sample);
    }
    return target.account.send(payload);
  });

  app.get('/emulator/flows', async () => ({
    flows: FLOW_NAMES.map((flow) => ({ flow, faults: faultsFor(flow) })),
    faults: Object.fromEntries(Object.entries(FAULTS).map(([fault, about]) => [fault, { does: about.does, source: about.source }])),
  }));

  app.post('/emulator/flows/:flow', async (request) => {
    const flow = (request.params as { flow: string }).flow;
    if (!(FLOW_NAMES as readonly string[]).includes(flow)) throw badRequest(`Unknown flow "${flow}"; flows: ${FLOW_NAMES.join(', ')}`);
    const body = isRecord(request.body) ? request.body : {};
    const faults = Array.isArray(body.faults) ? body.faults.map(String) : [];
    const unknown = faults.filter((fault) => !isFault(fault));
    if (unknown.length > 0)
      throw badRequest(`Unknown fault ${unknown.map((fault) => `"${fault}"`).join(', ')}; faults: ${Object.keys(FAULTS).join(', ')}`);
    if (body.patientId !== undefined) target.medical.getPatient(String(body.patientId));
    try {
      return await playFlow(target.medical, {
        flow: flow as FlowName,
        patientId: body.patientId === undefined ? undefined : String(body.patientId),
        faults: faults.filter(isFault),
        metadata: isRecord(body.metadata) ? (body.metadata as Record<string, string>) : undefined,
      });
    } catch (error) {
      if (error instanceof FlowError) throw badRequest(error.message);
      throw error;
    }
  });

  app.post('/emulator/clock', async (request) => {
    const body = isRecord(request.body) ? request.body : {};
    const advanceMs = Number(body.advanceMs);
    if (!Number.isFinite(advanceMs) || advanceMs < 0) throw badRequest('Send {"advanceMs": <milliseconds to move the clock forward>}');
    return { now: target.advanceClock(advanceMs).toISOString() };
  });

  app.get('/emulator/bulk-imports/:requestId', async (request) =>
    target.medical.importJob((request.params as { requestId: string }).requestId),
  );

  app.post('/emulator/reset', async () => {
    await target.reset();
    return { cxId: target.account.cxId };
  });
}
