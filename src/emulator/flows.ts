import { SAMPLE_DEMOGRAPHICS } from './content/patient-data.js';
import { SAMPLE_IMPORT_CSV } from './medical/csv.js';
import type { Fault, FlowName } from './medical/faults.js';
import { FAULTS, faultsFor } from './medical/faults.js';
import type { EmulatedMedical, SentMessage } from './medical/world.js';

export { FAULTS, type Fault, FLOW_NAMES, type FlowName, faultsFor, isFault } from './medical/faults.js';

export interface PlayFlowOptions {
  flow: FlowName;
  /** The patient to play it for; a sample patient is created when absent (not used by `bulk-import`). */
  patientId?: string | undefined;
  faults?: readonly Fault[];
  /** `meta.data` of the flow's messages. */
  metadata?: Record<string, string> | undefined;
}

export interface FlowResult {
  flow: FlowName;
  patientId: string | undefined;
  /** What ties the flow's messages together (for `adt`, the Encounter id inside every bundle). */
  requestId: string;
  faults: Fault[];
  messages: SentMessage[];
  /** The flow will never finish (the `stuck` fault, or a bulk import with nothing uploaded). */
  stuck: boolean;
}

export class FlowError extends Error {}

/**
 * Plays a whole flow for one patient, as the API calls that start it would, and resolves once its last
 * message went out (`trigger --flow`). `faults` make it go wrong the ways Metriport does (see FAULTS); one
 * that does not apply to the flow is refused.
 *
 * - document-query: the query, download + conversion (either order), then the bulk download URLs.
 * - consolidated: a JSON consolidated query.
 * - network-query: hie, pharmacy and lab, in random order, with first-data-ready.
 * - bulk-import: the job, the upload of a sample CSV (2 valid rows, 1 invalid), processing, each new
 *   patient's document query, completed with the result CSV.
 * - adt: admit, transfer, discharge of one hospital stay.
 */
export async function playFlow(medical: EmulatedMedical, options: PlayFlowOptions): Promise<FlowResult> {
  const faults = [...new Set(options.faults ?? [])];
  const allowed = faultsFor(options.flow);
  const refused = faults.filter((fault) => !allowed.includes(fault));
  if (refused.length > 0) {
    throw new FlowError(
      `${refused.map((fault) => `"${fault}"`).join(', ')} ${refused.length === 1 ? 'does' : 'do'} not apply to the ${options.flow} flow; it takes ${allowed.join(', ')}.`,
    );
  }
  const set = new Set(faults);
  const base = { flow: options.flow, faults };
  if (options.flow === 'bulk-import') {
    const job = medical.createImportJob({ facilityId: undefined, dryRun: false, faults: set });
    if (set.has('no-upload')) return { ...base, patientId: undefined, requestId: job.requestId, messages: [], stuck: true };
    const run = medical.upload(job.requestId, SAMPLE_IMPORT_CSV);
    const outcome = (await run) ?? { messages: [], stuck: false };
    return { ...base, patientId: undefined, requestId: job.requestId, ...outcome };
  }
  const patientId =
    options.patientId ??
    medical.createPatient({ data: SAMPLE_DEMOGRAPHICS, externalId: undefined, facilityId: medical.defaultFacility().id }).id;
  const flowOptions = { faults: set, metadata: options.metadata };
  switch (options.flow) {
    case 'document-query': {
      const query = medical.startDocumentQuery({ patientId, ...flowOptions });
      const first = await query.done;
      if (first.stuck || set.has('failed') || set.has('empty-documents'))
        return { ...base, patientId, requestId: query.requestId, ...first };
      // What an integration does next: ask for every document's URL.
      const urls = medical.startBulkGetDocumentUrl({
        patientId,
        faults: new Set(faults.filter((fault) => fault === 'expired-retry')),
        metadata: options.metadata,
      });
      const second = await urls.done;
      return { ...base, patientId, requestId: query.requestId, messages: [...first.messages, ...second.messages], stuck: false };
    }
    case 'consolidated': {
      const query = medical.startConsolidatedQuery({ patientId, resources: [], conversionType: 'json', ...flowOptions });
      return { ...base, patientId, requestId: query.requestId, ...(await query.done) };
    }
    case 'network-query': {
      const query = medical.startNetworkQuery({ patientId, sources: ['hie', 'pharmacy', 'lab'], ...flowOptions });
      return { ...base, patientId, requestId: query.requestId, ...(await query.done) };
    }
    case 'adt': {
      const stay = await medical.playAdt({ patientId, ...flowOptions });
      return { ...base, patientId, ...stay };
    }
  }
}

/** One line per fault, with where it comes from (for `--faults` help and docs/emulator.md). */
export function describeFaults(): string[] {
  return (Object.keys(FAULTS) as Fault[]).map(
    (fault) => `${fault}: ${FAULTS[fault].does} (${FAULTS[fault].flows.join(', ')}). Source: ${FAULTS[fault].source}.`,
  );
}
