import { API_OPTIONS } from '../../config/api-options.js';

export const REQUESTS_OPTIONS = [
  { flags: '--failed', description: 'only the failed ones' },
  { flags: '--type <type>', description: 'only this meta.type, or a prefix ending in "." (e.g. medical.)' },
  { flags: '--limit <n>', description: 'at most this many rows (default: 20)' },
  { flags: '--json', description: "print one JSON object per request, with Metriport's field names" },
  ...API_OPTIONS,
] as const;
