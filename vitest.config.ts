import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

/**
 * Runs per property in test/properties.test.ts: fast-check's default of 100 for `npm test`
 * before a commit; CI (.ci/run) sets PROPERTY_RUNS=1000 for a deeper search.
 */
const propertyRuns = Number(process.env.PROPERTY_RUNS ?? 100);
if (!Number.isInteger(propertyRuns) || propertyRuns < 1) {
  throw new Error(`PROPERTY_RUNS must be a positive integer, not ${process.env.PROPERTY_RUNS}`);
}

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
  test: {
    // The live script and stylesheet bundle (dist/client/): wrangler's [build] command is not run here.
    globalSetup: ['./scripts/build-client.ts'],
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', 'test/e2e/**', 'test/quality/**', 'test/bench/**', 'node_modules/**'],
    // sanitize-html requires postcss, whose CommonJS requires the workers pool cannot resolve
    // one by one; pre-bundling it with Vite is the fix the Cloudflare plugin documents.
    // A test's deadline only guards against a hang: timings belong in `npm run bench`. Rendering
    // every demo card in both themes takes seconds on a loaded 2-core machine, past vitest's 5 s.
    testTimeout: 60_000,
    // One module graph for every file: importing the worker (satori, resvg, fonts) once rather
    // than per file is most of the suite's time. State that must not leak between files is
    // reset by test/setup.ts, which runs before each file.
    isolate: false,
    setupFiles: ['./test/setup.ts'],
    // Two workers, each with its own workerd: vitest's default on 2 cores is one (cores − 1),
    // which leaves a core idle while one file renders. 73 s against 110 s on the development machine.
    maxWorkers: 2,
    provide: { propertyRuns },
    deps: { optimizer: { ssr: { enabled: true, include: ['sanitize-html'] } } },
  },
});
