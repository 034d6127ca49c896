export const COMPLETION_ARGUMENTS = [{ name: '<shell>', description: 'bash, zsh or fish', choices: ['bash', 'zsh', 'fish'] }] as const;
