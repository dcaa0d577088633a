import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
  test: {
    // The live script and stylesheet bundle (dist/client/): wrangler's [build] command is not run here.
    globalSetup: ['./scripts/build-client.ts'],
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', 'test/e2e/**', 'test/bench/**', 'node_modules/**'],
    // sanitize-html requires postcss, whose CommonJS requires the workers pool cannot resolve
    // one by one; pre-bundling it with Vite is the fix the Cloudflare plugin documents.
    // A test's deadline only guards against a hang: timings belong in `npm run bench`. Rendering
    // every demo card in both themes takes seconds on a loaded 2-core machine, past vitest's 5 s.
    testTimeout: 60_000,
    deps: { optimizer: { ssr: { enabled: true, include: ['sanitize-html'] } } },
  },
});
