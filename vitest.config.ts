import { defineConfig } from 'vitest/config';

// One run covers unit tables, integration tests against real PostgreSQL and
// mail peers, and the Chromium console tests. Files run in two forks: the
// machine has two cores and the peers are real processes.
export default defineConfig({
  test: {
    include: ['apps/**/*.test.ts', 'packages/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'apps/web/dist/**', 'data/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 180_000,
    // a bound on waiting for something live (a push, a re-render), not a
    // speed check: the whole suite shares two cores
    expect: { poll: { timeout: 60_000 } },
    reporters: ['default'],
  },
});
