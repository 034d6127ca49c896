import { API_OPTIONS } from '../../config/api-options.js';

export const RESTORE_OPTIONS = [
  { flags: '--force', description: 'restore even though the listen that registered the URL still seems to run' },
  ...API_OPTIONS,
] as const;
