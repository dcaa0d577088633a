import { defineConfig } from 'vitest/config';

// `npm run quality`: Lighthouse against `wrangler dev` in Debian's Chromium (test/quality/).
// Run by CI after `npm test`, not by `npm test` itself: its performance score is a timing.
export default defineConfig({
  test: {
    include: ['test/quality/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
