import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start real servers and child processes; two cores do not want more.
    maxWorkers: 2,
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
