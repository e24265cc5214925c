import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // One graphql module for everything: Pothos and Yoga load its CommonJS build, so tests must too
    // (two copies would fail `instanceof` checks on schemas and errors).
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores here: more workers only add contention to the socket tests.
    maxWorkers: 2,
  },
});
