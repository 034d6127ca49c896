/**
 * Metriport API endpoints the emulator knows but does not emulate (from `packages/api/src/routes/` and the
 * SDK's methods): they answer 501 with a sentence naming the endpoint, so an integration learns at once what
 * to test elsewhere. Anything else unknown answers 404 `{"message":"Not Found"}`, as Metriport's API does.
 */
const KNOWN_ENDPOINTS: ReadonlyArray<[method: string, path: string]> = [
  ['GET', '/medical/v1/organization'],
  ['POST', '/medical/v1/organization'],
  ['PUT', '/medical/v1/organization/:id'],
  ['POST', '/medical/v1/facility'],
  ['PUT', '/medical/v1/facility/:id'],
  ['DELETE', '/medical/v1/facility/:id'],
  ['GET', '/medical/v1/cohort'],
  ['POST', '/medical/v1/cohort'],
  ['GET', '/medical/v1/cohort/:id'],
  ['PUT', '/medical/v1/cohort/:id'],
  ['DELETE', '/medical/v1/cohort/:id'],
  ['POST', '/medical/v1/cohort/:id/patient'],
  ['DELETE', '/medical/v1/cohort/:id/patient'],
  ['GET', '/medical/v1/network-entry'],
  ['GET', '/medical/v1/message'],
  ['POST', '/medical/v1/message'],
  ['GET', '/medical/v1/message/:id'],
  ['POST', '/medical/v1/token'],
  ['POST', '/medical/v1/inference/resource/summary'],
  ['GET', '/medical/v1/patient/external-id'],
  ['POST', '/medical/v1/patient/match'],
  ['PUT', '/medical/v1/patient/:id'],
  ['GET', '/medical/v1/patient/:id/consolidated'],
  ['POST', '/medical/v1/patient/:id/consolidated'],
  ['PUT', '/medical/v1/patient/:id/consolidated'],
  ['GET', '/medical/v1/patient/:id/consolidated/count'],
  ['GET', '/medical/v1/patient/:id/consolidated/search'],
  ['GET', '/medical/v1/patient/:id/consolidated/webhook'],
  ['GET', '/medical/v1/patient/:id/medical-record'],
  ['GET', '/medical/v1/patient/:id/medical-record-status'],
  ['GET', '/medical/v1/patient/:id/facility'],
  ['POST', '/medical/v1/patient/:id/facility'],
  ['GET', '/medical/v1/patient/:id/facility-matches'],
  ['GET', '/medical/v1/patient/:id/hie-opt-out'],
  ['PUT', '/medical/v1/patient/:id/hie-opt-out'],
  ['POST', '/medical/v1/patient/:id/external/sync'],
  ['GET', '/medical/v1/patient/:id/suspect'],
  ['POST', '/medical/v1/document/upload'],
  ['POST', '/medical/v1/document/upload-url'],
  ['GET', '/settings/mapi-access'],
];

/** The known endpoint `method path` stands for, as `METHOD /pattern`, or undefined. */
export function notEmulatedEndpoint(method: string, path: string): string | undefined {
  const segments = path.replace(/\/+$/, '').split('/');
  for (const [knownMethod, pattern] of KNOWN_ENDPOINTS) {
    if (knownMethod !== method) continue;
    const parts = pattern.split('/');
    if (parts.length === segments.length && parts.every((part, index) => part.startsWith(':') || part === segments[index])) {
      return `${knownMethod} ${pattern}`;
    }
  }
  if (path.startsWith('/fhir/R4/') || path === '/fhir/R4') return `${method} /fhir/R4/…`;
  return undefined;
}
