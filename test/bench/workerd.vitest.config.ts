import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

// The workerd side of the bench (test/bench/shield.ts): the project's own test setup, with only
// the bench files included, so `npm test` never runs them and they run as the tests do.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/*.bench.ts'],
    exclude: ['node_modules/**'],
    // Sizes the bench files read with inject() (the shell's env does not reach workerd).
    provide: { unknownIds: Number(process.env.BENCH_UNKNOWN_IDS ?? 10_000) },
  },
});
