import { API_OPTIONS } from '../../config/api-options.js';

export const RETRY_ARGUMENTS = [
  { name: '[id]', description: "one webhook request to resend as a new request: its id from `requests`, or the id's first 4+ characters" },
] as const;

export const RETRY_OPTIONS = [
  { flags: '--wait', description: 'wait until nothing is processing, then report how many were delivered and how many failed again' },
  { flags: '--timeout <duration>', description: 'how long --wait waits, e.g. 90s or 5m (default: 60s)' },
  { flags: '--dry-run', description: 'show what would be retried and change nothing' },
  { flags: '--json', description: 'print one JSON object with the plan and the outcome' },
  ...API_OPTIONS,
] as const;
