// The edge-cache simulation: the service under `wrangler dev` behind EdgeCache (edge-cache.ts),
// one lower tier per simulated location and one upper tier, against the fake upstream. The
// scenarios of README "Caching", measured as Worker invocations per cache key; asserted by
// test/e2e/edge-cache.test.ts and reported by `npm run bench`.
//
// Two clocks: the edge's is simulated (advanced, never slept); the Worker's tiers and shield
// read the real one, so the Worker runs with TTL_ACTIVE_SECONDS=1 and no
// stale-while-revalidate, and the one scenario that needs the Worker to see a change waits
// that one real second.

import { randomUUID } from 'node:crypto';
import { EdgeCache, type EdgeAnswer } from './edge-cache.ts';
import { generatedJob, startFakeUpstream, type FakeUpstreamServer } from './fake-upstream.ts';
import { startWrangler, type RunningWorker } from './wrangler.ts';

const KEY = 'ovr_edge_sim_key_5b7d';

export interface EdgeSimOptions {
  locations: number;
  requestsPerLocation: number;
  /** Freshness periods the running job is read over. */
  periods: number;
  /** Starts the Worker (the bench tracks its process); default startWrangler. */
  start?: (vars: Record<string, string>) => Promise<RunningWorker>;
  log?: (s: string) => void;
}

export interface KeyCount {
  key: string;
  invocations: number;
}

export interface EdgeSimResult {
  locations: number;
  requests_per_location: number;
  terminal: { requests: number; ok: number; keys: KeyCount[]; max_per_key: number };
  running: { requests: number; ok: number; periods: number; keys: KeyCount[]; max_per_key: number };
  finishing: {
    fresh_running_copies_before: number;
    purges: string[][];
    purge_wait_ms: number;
    final_everywhere: number;
    invocations_after_purge: number;
  };
  worker_failing: { requests: number; stale_served: number; same_body: number; uncached_errors: number };
  never_cached: {
    healthz: { requests: number; invocations: number; cf_hits: number; cache_control: string };
    events: { requests: number; invocations: number; cf_hits: number; cache_control: string };
    rate_limited: {
      found: boolean;
      requests: number;
      invocations: number;
      cf_hits: number;
      cache_control: string;
    };
  };
}

function runningJob(id: string): Record<string, unknown> {
  const base = generatedJob(id);
  return { ...base, status: 'running', iterations: (base.iterations as unknown[]).slice(0, 3) };
}

export async function edgeSimulation(opts: EdgeSimOptions): Promise<EdgeSimResult> {
  const log = opts.log ?? (() => undefined);
  const start = opts.start ?? ((vars) => startWrangler(vars, { timeoutMs: 90_000 }));
  const locations = Array.from({ length: opts.locations }, (_, i) => `loc${i}`);
  let upstream: FakeUpstreamServer | null = null;
  let worker: RunningWorker | null = null;
  const sim = new EdgeCache({ origin: '', locations });
  try {
    upstream = await startFakeUpstream({ expectKey: KEY, control: { generate: true } });
    const purgeUrl = await sim.listen();
    worker = await start({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      TTL_ACTIVE_SECONDS: '1',
      TTL_TERMINAL_SECONDS: '60',
      EDGE_TTL_TERMINAL_SECONDS: '600',
      STALE_WHILE_REVALIDATE_SECONDS: '0',
      STALE_IF_ERROR_SECONDS: '86400',
      EDGE_PURGE_URL: purgeUrl,
    });
    sim.origin = worker.url;
    const spread = async (keys: readonly string[], perLocation: number): Promise<EdgeAnswer[]> => {
      const all: Promise<EdgeAnswer>[] = [];
      for (const l of locations) {
        for (let i = 0; i < perLocation; i++) all.push(sim.request(l, keys[i % keys.length] ?? ''));
      }
      return Promise.all(all);
    };
    const counts = (keys: readonly string[], before: Map<string, number>): KeyCount[] =>
      keys.map((key) => ({ key, invocations: (sim.invocations.get(key) ?? 0) - (before.get(key) ?? 0) }));

    // A finished job: 8 × 1,000 requests over four of its faces.
    log('edge sim: terminal job');
    const t = randomUUID();
    const tKeys = [`/api/jobs/${t}/`, `/api/jobs/${t}/summary`, `/jobs/${t}/badge.svg`, `/jobs/${t}`];
    const tAnswers = await spread(tKeys, opts.requestsPerLocation);
    const tCounts = counts(tKeys, new Map());
    const terminal = {
      requests: tAnswers.length,
      ok: tAnswers.filter((a) => a.status === 200).length,
      keys: tCounts,
      max_per_key: Math.max(...tCounts.map((k) => k.invocations)),
    };

    // A running job, read over several freshness periods of the edge's clock.
    log('edge sim: running job');
    const r = randomUUID();
    upstream.jobs.set(r, runningJob(r));
    const rKeys = [`/api/jobs/${r}/`, `/api/jobs/${r}/summary`];
    const perPeriod = Math.ceil(opts.requestsPerLocation / opts.periods);
    const rAnswers: EdgeAnswer[] = [];
    for (let p = 0; p < opts.periods; p++) {
      rAnswers.push(...(await spread(rKeys, perPeriod)));
      sim.advance(1);
    }
    const rCounts = counts(rKeys, new Map());
    const running = {
      requests: rAnswers.length,
      ok: rAnswers.filter((a) => a.status === 200).length,
      periods: opts.periods,
      keys: rCounts,
      max_per_key: Math.max(...rCounts.map((k) => k.invocations)),
    };

    // A job finishing while every location holds a fresh copy of it as running.
    log('edge sim: job finishing');
    const f = randomUUID();
    upstream.jobs.set(f, runningJob(f));
    const fKey = `/api/jobs/${f}/`;
    await spread([fKey], 1);
    upstream.jobs.set(f, { ...generatedJob(f), status: 'completed' });
    // The Worker's own tiers and shield keep the running copy one real second.
    await new Promise((res) => setTimeout(res, 1200));
    const freshBefore = locations.filter((l) => sim.freshAt(l, fKey)).length;
    const purgesBefore = sim.purges.length;
    const t0 = performance.now();
    // Another face of the job, not cached yet: its miss is how the Worker learns (as live
    // events or any expiring key would tell it).
    await sim.request(locations[0] ?? '', `/api/jobs/${f}/summary`);
    while (sim.purges.length === purgesBefore && performance.now() - t0 < 10_000) {
      await new Promise((res) => setTimeout(res, 20));
    }
    const purgeWait = performance.now() - t0;
    const beforeFinal = new Map(sim.invocations);
    const after = await Promise.all(locations.map((l) => sim.request(l, fKey)));
    const finishing = {
      fresh_running_copies_before: freshBefore,
      purges: sim.purges.slice(purgesBefore),
      purge_wait_ms: Math.round(purgeWait),
      final_everywhere: after.filter(
        (a) => a.status === 200 && JSON.parse(a.body.toString()).status === 'completed',
      ).length,
      invocations_after_purge: counts([fKey], beforeFinal)[0]?.invocations ?? 0,
    };

    // The Worker failing past the edge lifetime of the finished job: the stored copies stand in.
    log('edge sim: worker failing');
    const goodBody = tAnswers[0]?.body ?? Buffer.alloc(0);
    sim.advance(601);
    sim.workerFailure = 500;
    const failing = await Promise.all(locations.map((l) => sim.request(l, `/api/jobs/${t}/`)));
    const uncached = await Promise.all(locations.map((l) => sim.request(l, `/api/jobs/${t}/?uncached=1`)));
    sim.workerFailure = null;
    const worker_failing = {
      requests: failing.length,
      stale_served: failing.filter((a) => a.status === 200 && a.cacheStatus === 'STALE').length,
      same_body: failing.filter((a) => a.body.equals(goodBody)).length,
      uncached_errors: uncached.filter((a) => a.status === 500).length,
    };

    // What is never served from the cache: /healthz, live events, 429s.
    log('edge sim: never cached');
    const never = async (key: string, per: number) => {
      const before = new Map(sim.invocations);
      const answers = await spread([key], per);
      return {
        requests: answers.length,
        invocations: counts([key], before)[0]?.invocations ?? 0,
        cf_hits: answers.filter((a) => a.cacheStatus === 'HIT' || a.cacheStatus === 'UPDATING').length,
        cache_control: answers[0]?.headers['cache-control'] ?? '',
      };
    };
    const healthz = await never('/healthz', 10);
    const events = await never(`/api/jobs/${t}/events`, 2);
    // Spend this client's miss budget (60 a minute) on jobs no tier holds, until a 429.
    let limitedKey: string | null = null;
    for (let i = 0; i < 120 && !limitedKey; i++) {
      const key = `/api/jobs/${randomUUID()}/`;
      const a = await sim.request(locations[0] ?? '', key);
      if (a.status === 429) limitedKey = key;
    }
    const rate_limited = limitedKey
      ? { found: true, ...(await never(limitedKey, 5)) }
      : { found: false, requests: 0, invocations: 0, cf_hits: 0, cache_control: '' };

    await sim.settle();
    return {
      locations: opts.locations,
      requests_per_location: opts.requestsPerLocation,
      terminal,
      running,
      finishing,
      worker_failing,
      never_cached: { healthz, events, rate_limited },
    };
  } finally {
    await worker?.stop();
    await sim.close();
    await upstream?.close();
  }
}
