import { defineConfig } from 'vitest/config';

// End-to-end tests run in Node: they start `wrangler dev` (and a fake upstream) on loopback,
// talk to it over HTTP, and drive Debian's Chromium with playwright-core for the browser tests.
export default defineConfig({
  test: {
    // The live script and stylesheet bundle (dist/client/): the tests import it before wrangler dev
    // (whose [build] command writes it too) starts.
    globalSetup: ['./scripts/build-client.ts'],
    include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two files at a time, on any machine: most of a file's time is waiting on `wrangler dev`
    // to start, on Chromium and on a live job's next poll, so two overlap well even on 2 cores
    // (the development machine and CI). Three at a time was 6% faster there but starved the
    // fake upstreams that run in the test processes: a live page's upstream call timed out (504).
    // Each file starts its own workers on ports of their own (test/node/wrangler.ts).
    fileParallelism: true,
    maxWorkers: 2,
  },
});
