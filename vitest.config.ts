import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A side-by-side transcript diff against a real Dovecot, read by people (npm run compare:dovecot); it
    // asserts nothing a reviewed difference could not excuse, so it is not part of the suite.
    exclude: process.env.DOVECOT_DIFF === undefined ? ['**/node_modules/**', 'test/imap/dovecot-diff/**'] : ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests start real servers and child processes; two cores do not want more.
    maxWorkers: 2,
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
