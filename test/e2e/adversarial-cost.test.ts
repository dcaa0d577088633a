import { describe, expect, it } from 'vitest';
import { HOSTILE_MAX_RATIO, hostileCost } from '../bench/hostile';

// Cost per byte, searched: fast-check generates jobs whose every string is built to make a
// parser or walker superlinear (test/fixtures/hostile.ts), and each face renders them in-process
// next to an ordinary job of the same sizes. A face may take at most HOSTILE_MAX_RATIO times its
// ordinary twin (fastest of three timings each, 1 ms floor), and none may throw. Superlinear
// cases were 100× to 1,000× (`*_a` × 20,000 took 64 s against 20 ms), so the mark is far from
// noise. HOSTILE_RUNS widens the search; the seed is fixed so a failure reproduces.

const RUNS = Number(process.env.HOSTILE_RUNS ?? 16);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261206);

describe('hostile jobs cost a bounded multiple of ordinary ones', () => {
  it(`${RUNS} generated jobs, every face`, { timeout: 600_000 }, async () => {
    const r = await hostileCost(RUNS, SEED);
    expect(r.threw, 'faces that threw').toEqual([]);
    expect(r.worst.length).toBeGreaterThan(0);
    for (const w of r.worst) {
      expect(
        w.ratio,
        `${w.face}: ${w.ms.toFixed(1)} ms vs ${w.ordinaryMs.toFixed(1)} ms, ${w.sample}`,
      ).toBeLessThanOrEqual(HOSTILE_MAX_RATIO);
    }
  });
});
