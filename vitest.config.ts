import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: spawned CLIs and servers need room, so run files two at a time at most.
    maxWorkers: 2,
  },
});
