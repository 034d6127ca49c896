import { API_OPTIONS } from '../../config/api-options.js';

export const STATUS_OPTIONS = [
  { flags: '--json', description: "print one JSON object with Metriport's field names" },
  { flags: '--watch', description: 'refresh until Ctrl-C (every 2 s; see --interval)' },
  { flags: '--interval <duration>', description: 'how often --watch refreshes, e.g. 5s or 500ms (default: 2s)' },
  ...API_OPTIONS,
] as const;
