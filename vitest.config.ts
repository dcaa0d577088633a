import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', 'test/e2e/**', 'test/bench/**', 'node_modules/**'],
    // sanitize-html requires postcss, whose CommonJS requires the workers pool cannot resolve
    // one by one; pre-bundling it with Vite is the fix the Cloudflare plugin documents.
    deps: { optimizer: { ssr: { enabled: true, include: ['sanitize-html'] } } },
  },
});
