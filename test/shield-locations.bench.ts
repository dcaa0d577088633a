import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it, vi } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { setShieldEnv } from '../src/shield';
import { upstreamJob } from './fixtures/upstream-jobs';
import { API_KEY, json, UPSTREAM } from './helpers';

// The bench row "upstream calls for N locations × M requests" (test/bench/shield.ts runs this
// file in workerd and reads the BENCH_RESULT line). Each location is an app with its own memory
// tier and Cache API cache; all share the one JOB_SHIELD namespace, as locations do in
// production. Not part of `npm test`: its figures are counts and times, reported, not asserted.

const N = Number(process.env.BENCH_LOCATIONS ?? 8);
const M = Number(process.env.BENCH_REQUESTS ?? 200);
const PERIODS = 3;

function location(vars: Env) {
  const name = `bench-${crypto.randomUUID()}`;
  const app = createApp({ openCache: () => caches.open(name), log: () => undefined });
  const e: Env = { UPSTREAM_URL: UPSTREAM, OVERMIND_API_KEY: API_KEY, JOB_SHIELD: env.JOB_SHIELD, ...vars };
  return async (path: string) => {
    // The shields read their vars from their own env: wrangler.toml's, with this location's laid over.
    setShieldEnv(e);
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`https://edge.test${path}`), e, ctx);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return res;
  };
}

it('bench: upstream calls for N locations × M requests', { timeout: 120_000 }, async () => {
  const calls = new Map<string, number>();
  // The shield calls the platform fetch; it reaches this fake upstream, which counts per job.
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init);
    const id = /\/api\/jobs\/([^/]+)\/$/.exec(new URL(req.url).pathname)?.[1] ?? '';
    calls.set(id, (calls.get(id) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 50));
    return json(upstreamJob({ id, status: 'running' }));
  });

  // Cold: N × M concurrent requests for one job nobody holds.
  const cold = crypto.randomUUID();
  const sites = Array.from({ length: N }, () => location({}));
  const t0 = performance.now();
  const answers = await Promise.all(
    sites.flatMap((f) => Array.from({ length: M }, () => f(`/api/jobs/${cold}/`))),
  );
  const coldMs = performance.now() - t0;
  const statuses = answers.filter((r) => r.status === 200).length;

  // Sustained: every location asks M times per period for PERIODS periods of TTL_ACTIVE_SECONDS = 1 s.
  const warm = crypto.randomUUID();
  const live = Array.from({ length: N }, () => location({ TTL_ACTIVE_SECONDS: '1' }));
  const t1 = performance.now();
  for (let p = 0; p < PERIODS; p++) {
    const start = performance.now();
    await Promise.all(live.flatMap((f) => Array.from({ length: M }, () => f(`/api/jobs/${warm}/`))));
    const left = 1000 - (performance.now() - start);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  const sustainedS = (performance.now() - t1) / 1000;

  console.log(
    `BENCH_RESULT ${JSON.stringify({
      locations: N,
      requests_per_location: M,
      cold: {
        requests: N * M,
        ok: statuses,
        upstream_calls: calls.get(cold) ?? 0,
        wall_ms: Math.round(coldMs),
      },
      sustained: {
        periods: PERIODS,
        seconds: Math.round(sustainedS * 10) / 10,
        requests: N * M * PERIODS,
        upstream_calls: calls.get(warm) ?? 0,
      },
    })}`,
  );
  vi.restoreAllMocks();
});
