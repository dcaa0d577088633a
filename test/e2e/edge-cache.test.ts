import { beforeAll, describe, expect, it } from 'vitest';
import { edgeSimulation, type EdgeSimResult } from '../node/edge-sim';

// Workers Cache in front of the service, simulated in front of `wrangler dev` (test/node/
// edge-cache.ts: lower tiers per location, an upper tier, request collapsing, tag purges, with
// http-cache-semantics deciding freshness, stale serving and storability). The counts are
// Worker invocations per cache key: what a hit saves is a Worker run.

const LOCATIONS = 8;
const REQUESTS = 1000;
const PERIODS = 5;

describe('the edge cache in front of wrangler dev', () => {
  let r: EdgeSimResult;
  beforeAll(async () => {
    r = await edgeSimulation({ locations: LOCATIONS, requestsPerLocation: REQUESTS, periods: PERIODS });
  }, 240_000);

  it('a finished job: 8 locations × 1,000 requests run the Worker at most once per cache key', () => {
    expect(r.terminal.requests).toBe(LOCATIONS * REQUESTS);
    expect(r.terminal.ok).toBe(r.terminal.requests);
    for (const k of r.terminal.keys) expect(k.invocations, k.key).toBe(1);
  });

  it('a running job: at most one Worker run per cache key per freshness period', () => {
    expect(r.running.ok).toBe(r.running.requests);
    for (const k of r.running.keys) {
      expect(k.invocations, k.key).toBeGreaterThan(0);
      expect(k.invocations, k.key).toBeLessThanOrEqual(PERIODS);
    }
  });

  it('a job finishing: one purge of its tag, then the first request at every location gets the final version', () => {
    // Every location held a copy it could still serve as fresh: without the purge it would.
    expect(r.finishing.fresh_running_copies_before).toBe(LOCATIONS);
    expect(r.finishing.purges).toHaveLength(1);
    expect(r.finishing.final_everywhere).toBe(LOCATIONS);
    // Refilled once, through the upper tier, for every location.
    expect(r.finishing.invocations_after_purge).toBe(1);
  });

  it('the Worker failing: the stored copy is still served, and nothing is made up where there is none', () => {
    expect(r.worker_failing.stale_served).toBe(LOCATIONS);
    expect(r.worker_failing.same_body).toBe(LOCATIONS);
    expect(r.worker_failing.uncached_errors).toBe(LOCATIONS);
  });

  it('/healthz, live events and 429s are never served from the cache', () => {
    const { healthz, events, rate_limited } = r.never_cached;
    for (const [name, n] of Object.entries({ healthz, events })) {
      expect(n.invocations, name).toBe(n.requests);
      expect(n.cf_hits, name).toBe(0);
      expect(n.cache_control, name).toMatch(/^no-store/);
    }
    expect(rate_limited.found, 'a 429 from the miss limiter').toBe(true);
    expect(rate_limited.invocations).toBe(rate_limited.requests);
    expect(rate_limited.cf_hits).toBe(0);
    expect(rate_limited.cache_control).toBe('no-store');
  });
});
