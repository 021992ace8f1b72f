import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'renderer/src/**/*.test.{ts,tsx}'],
    // Each test file starts its own redis-server on a random port, so files may run in
    // parallel; two at a time matches the 2-core machines this runs on.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
