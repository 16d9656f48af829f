import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { 'attrd/client': new URL('./src/client/index.ts', import.meta.url).pathname } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['./test/support/pg-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
