import { API_OPTIONS } from '../../config/api-options.js';

export const KEY_OPTIONS = [
  { flags: '--show', description: 'print the whole key (it is a secret: mind where the output goes)' },
  { flags: '--json', description: 'print one JSON object: {"webhookKey", "masked", "webhookUrl"}' },
  ...API_OPTIONS,
] as const;
