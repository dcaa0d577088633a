// The edge phase of `npm run bench`: Workers Cache simulated in front of `wrangler dev`
// (test/node/edge-cache.ts, http-cache-semantics deciding), Worker invocations per cache key
// for the scenarios of README "Caching". The baseline is the same requests without the edge
// cache, where every request runs the Worker.

import { edgeSimulation, type EdgeSimOptions } from '../node/edge-sim.ts';
import { worker } from './load.ts';
import type { Row } from './report.ts';

const NOTE = 'simulated edge: lower tier per location + upper tier, collapsing; wrangler dev behind';

export async function edgeBench(
  opts: Omit<EdgeSimOptions, 'start' | 'log'>,
  log: (s: string) => void,
): Promise<Row[]> {
  const r = await edgeSimulation({
    ...opts,
    log: (s) => log(`  ${s}`),
    start: async (vars) => {
      const w = await worker(vars);
      return { ...w, stop: w.dispose };
    },
  });
  const n = `${r.locations} locations × ${r.requests_per_location} requests`;
  const perKey = (keys: { key: string; invocations: number }[]) =>
    keys.map((k) => `${k.key.replace(/[0-9a-f-]{36}/, '{id}')}: ${k.invocations}`).join(', ');
  const t = r.terminal;
  const ru = r.running;
  const f = r.finishing;
  const w = r.worker_failing;
  const nc = r.never_cached;
  const never = [nc.healthz, nc.events, nc.rate_limited];
  return [
    {
      section: 'edge',
      figure: `edge: Worker runs for a finished job, ${n} over ${t.keys.length} faces`,
      value: `${t.keys.reduce((s, k) => s + k.invocations, 0)} (${perKey(t.keys)}); ${t.ok} × 200`,
      baseline: `${t.requests} without the edge cache`,
      ratio: `${((t.keys.reduce((s, k) => s + k.invocations, 0) / t.requests) * 100).toFixed(3)} %`,
      goal: '≤ 1 per cache key',
      met: t.max_per_key <= 1 && t.ok === t.requests,
      note: NOTE,
      data: t,
    },
    {
      section: 'edge',
      figure: `edge: Worker runs for a running job, ${n} over ${ru.periods} freshness periods`,
      value: `${perKey(ru.keys)}; ${ru.ok} × 200`,
      baseline: `${ru.requests} without the edge cache`,
      ratio: '—',
      goal: `≤ 1 per key per period (≤ ${ru.periods})`,
      met: ru.max_per_key <= ru.periods && ru.ok === ru.requests,
      note: 'TTL_ACTIVE_SECONDS = 1 on the simulated clock',
      data: ru,
    },
    {
      section: 'edge',
      figure: 'edge: a job finishing — locations whose first request after the purge gets the final version',
      value: `${f.final_everywhere}/${r.locations} (each held a fresh running copy: ${f.fresh_running_copies_before}); ${f.purges.length} purge, ${f.purge_wait_ms} ms after the request it was learnt from; ${f.invocations_after_purge} Worker run to refill`,
      baseline: `0/${r.locations} without a purge (until TTL expiry)`,
      ratio: '—',
      goal: `${r.locations}/${r.locations}, 1 purge`,
      met: f.final_everywhere === r.locations && f.purges.length === 1,
      data: f,
    },
    {
      section: 'edge',
      figure: 'edge: the Worker failing past the edge lifetime — stored copies served',
      value: `${w.stale_served}/${w.requests} served stale (${w.same_body} identical); a key never cached: ${w.uncached_errors}/${w.requests} errors`,
      baseline: `0/${w.requests} without stale-if-error`,
      ratio: '—',
      goal: `${w.requests}/${w.requests}`,
      met: w.stale_served === w.requests && w.same_body === w.requests,
      data: w,
    },
    {
      section: 'edge',
      figure: 'edge: never from the cache — /healthz, live events, 429',
      value: `Worker runs / requests: healthz ${nc.healthz.invocations}/${nc.healthz.requests}, events ${nc.events.invocations}/${nc.events.requests}, 429 ${nc.rate_limited.invocations}/${nc.rate_limited.requests}; hits ${never.reduce((s, x) => s + x.cf_hits, 0)}`,
      baseline: '—',
      ratio: '—',
      goal: 'every request runs the Worker, 0 hits',
      met: nc.rate_limited.found && never.every((x) => x.invocations === x.requests && x.cf_hits === 0),
      data: nc,
    },
  ];
}
