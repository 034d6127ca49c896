/**
 * What Metriport really does on a bad day, each one on purpose and on request (`trigger --flow … --faults`),
 * with where in Metriport's code it comes from. The README's emulator section lists them too.
 */
export const FAULTS = {
  'no-request-id': {
    flows: ['document-query'],
    does: 'medical.document-conversion comes without meta.requestId',
    source:
      'the sandbox sends the conversion message with requestId "" (packages/api/src/external/commonwell/document/document-query-sandbox.ts), which processRequest leaves out of meta',
  },
  'empty-documents': {
    flows: ['document-query'],
    does: 'medical.document-download says completed with documents: [], and no conversion message follows',
    source: 'a patient with no documents in the networks (document-query-sandbox.ts sends [] and returns before the conversion message)',
  },
  failed: {
    flows: ['document-query', 'consolidated', 'network-query', 'bulk-import'],
    does: 'the flow ends with status: failed (a failed document-download has no documents key, a failed consolidated-data no bundle, one network-query source fails, a bulk import fails on an unusable file)',
    source:
      'process-doc-query-webhook.ts (no payload when the download failed), consolidated-get.ts (getConsolidatedAndSendToCx catch), bulk-sign.ts, patient-import-parse-command.ts ("Empty or invalid file")',
  },
  duplicate: {
    flows: ['document-query', 'consolidated', 'network-query', 'bulk-import', 'adt'],
    does: 'one message is delivered twice with the same meta.messageId (the second without meta.data)',
    source:
      'a delivery that reached the app but failed for Metriport (a 5 s timeout, a lost answer) is stored as failed, and the retry (packages/api/src/command/webhook/retry-failed.ts) resends it with the same messageId',
  },
  'out-of-order': {
    flows: ['document-query', 'network-query', 'adt'],
    does: 'messages arrive in the unexpected order: the conversion before the download, first-data-ready after the HIE result, the discharge before the transfer',
    source:
      'the download and conversion messages are sent without waiting for each other (process-doc-query-webhook.ts, document-query-sandbox.ts); each network-query source and each HL7 message is processed on its own',
  },
  stuck: {
    flows: ['document-query', 'consolidated', 'network-query', 'bulk-import', 'adt'],
    does: 'the query stays processing and its completion never comes (the ADT encounter is never discharged)',
    source: 'a query whose HIE never answers stays "processing" until a stale-query checker gives up; nothing is sent meanwhile',
  },
  'expired-retry': {
    flows: ['document-query', 'consolidated', 'network-query', 'bulk-import', 'adt'],
    does: 'the message with URLs arrives as a late retry: its meta.when and URLs are older than their lifetime, so every URL answers 403',
    source: 'the bulk retry resends the stored payload unchanged, URLs included, with its original messageId and when (retry-failed.ts)',
  },
  'no-upload': {
    flows: ['bulk-import'],
    does: 'nothing is uploaded: the upload URL expires after 10 minutes and the job expires, with no webhook',
    source: 'api patient-import/create.ts (a 10-minute upload URL); the docs name the job status "expired"',
  },
} as const;

export type Fault = keyof typeof FAULTS;
export type FlowName = 'document-query' | 'consolidated' | 'network-query' | 'bulk-import' | 'adt';
export const FLOW_NAMES: readonly FlowName[] = ['document-query', 'consolidated', 'network-query', 'bulk-import', 'adt'];

export function isFault(value: string): value is Fault {
  return Object.hasOwn(FAULTS, value);
}

/** The faults that make sense for `flow`. */
export function faultsFor(flow: FlowName): Fault[] {
  return (Object.keys(FAULTS) as Fault[]).filter((fault) => (FAULTS[fault].flows as readonly string[]).includes(flow));
}
