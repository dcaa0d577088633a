import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedJob, startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { sseReader, type SseRead } from '../node/sse-reader';
import { startWrangler, type RunningWorker } from '../node/wrangler';

// The job shield under `wrangler dev`, as shipped: its stored copy survives a restart on the same
// --persist-to with the Cache API's state removed, and 50 live-event subscribers cost one
// upstream call per TTL_ACTIVE_SECONDS against a fake upstream whose job keeps changing.

const KEY = 'ovr_e2e_shield_key_91c2';

/** A running job with `done` of its five iterations; `completed` once all are in. */
function liveJob(id: string, done: number): Record<string, unknown> {
  const base = generatedJob(id);
  const iterations = (base.iterations as unknown[]).slice(0, done);
  return {
    ...base,
    status: done >= 5 ? 'completed' : 'running',
    iterations,
    updated_at: `2026-11-06T09:0${done}:00Z`,
  };
}

describe('the stored copy survives a restart with the Cache API emptied', () => {
  let upstream: FakeUpstreamServer;
  let worker: RunningWorker | undefined;
  const state = mkdtempSync(join(tmpdir(), 'overmind-edge-shield-'));
  const vars = (url: string) => ({
    UPSTREAM_URL: url,
    OVERMIND_API_KEY: KEY,
    TTL_TERMINAL_SECONDS: '1',
    STALE_WHILE_REVALIDATE_SECONDS: '0',
    MISS_RATE_LIMIT: 'off',
  });
  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY, control: { generate: true } });
  });
  afterAll(async () => {
    await worker?.stop();
    await upstream?.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('serves the shield’s copy, marked stale with the reason, when the upstream is down', async () => {
    const id = '5a1e0c3d-0000-4000-8000-00000000e2e1';
    worker = await startWrangler(vars(upstream.url), { persistTo: state });
    const first = await fetch(`${worker.url}/api/jobs/${id}/`);
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Cache')).toBe('MISS');
    expect(first.headers.get('Server-Timing')).toMatch(/^source;dur=[\d.]+;desc="miss", shield;dur=/);
    const body = await first.text();
    await worker.stop();
    worker = undefined;

    // Every cache gone: the Cache API's state on disk, and the isolate with the process.
    expect(readdirSync(join(state, 'v3'))).toContain('do');
    rmSync(join(state, 'v3', 'cache'), { recursive: true, force: true });
    expect(existsSync(join(state, 'v3', 'cache'))).toBe(false);
    upstream.control.mode = '500';

    worker = await startWrangler(vars(upstream.url), { persistTo: state });
    // Past TTL_TERMINAL_SECONDS = 1 s by now (a start takes longer), so the shield must ask.
    await new Promise((r) => setTimeout(r, 1100));
    const res = await fetch(`${worker.url}/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache')).toBe('STALE');
    expect(res.headers.get('X-Cache-Reason')).toBe('upstream_unavailable');
    expect(res.headers.get('Server-Timing')).toMatch(/^shield;dur=[\d.]+;desc="stale: upstream_unavailable"/);
    expect(await res.text()).toBe(body);
    expect(upstream.stats.byId[id]).toBe(2);

    // A job neither tier ever held is the upstream's error, not a 500.
    const cold = await fetch(`${worker.url}/api/jobs/5a1e0c3d-0000-4000-8000-00000000e2e2/`);
    expect(cold.status).toBe(502);
    expect(await cold.json()).toMatchObject({ code: 'upstream_unavailable' });
    upstream.control.mode = 'ok';
  });
});

describe('live events under wrangler dev', () => {
  let upstream: FakeUpstreamServer;
  let worker: RunningWorker;
  const TTL = 2;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY });
    worker = await startWrangler({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      TTL_ACTIVE_SECONDS: String(TTL),
      MISS_RATE_LIMIT: 'off',
      // Every subscriber comes from 127.0.0.1 here.
      EVENTS_MAX_PER_CLIENT: '100',
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await upstream?.close();
  });

  it('50 subscribers to a changing job: every version reaches each, one upstream call per period', async () => {
    const id = '5a1e0c3d-0000-4000-8000-00000000e2e3';
    upstream.jobs.set(id, liveJob(id, 1));
    const started = Date.now();
    const subs = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${worker.url}/api/jobs/${id}/events`);
        expect(res.status).toBe(200);
        expect(res.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8');
        return sseReader(res.body as ReadableStream<Uint8Array>);
      }),
    );
    const seen: string[][] = subs.map(() => []);
    const nextJob = async (i: number): Promise<{ done: number; status: string }> => {
      const e: SseRead = await subs[i]!.nextEvent(20_000);
      if (typeof e === 'string') throw new Error(`subscriber ${i}: ${e}`);
      seen[i]!.push(`${e.event}:${e.id}`);
      const s = JSON.parse(e.data ?? '{}') as { iterations: { done: number }; status: string };
      return { done: s.iterations.done, status: s.status };
    };
    expect(new Set((await Promise.all(subs.map((_, i) => nextJob(i)))).map((s) => s.done))).toEqual(
      new Set([1]),
    );

    for (let done = 2; done <= 5; done++) {
      upstream.jobs.set(id, liveJob(id, done));
      const got = await Promise.all(subs.map((_, i) => nextJob(i)));
      expect(new Set(got.map((g) => g.done))).toEqual(new Set([done]));
    }
    // The fifth iteration finished the job: end, then every stream closes.
    for (let i = 0; i < subs.length; i++) {
      const e = await subs[i]!.nextEvent(10_000);
      expect(typeof e === 'string' ? e : e.event).toBe('end');
      expect(await subs[i]!.next(10_000)).toBe('closed');
    }
    const elapsed = (Date.now() - started) / 1000;
    const calls = upstream.stats.byId[id] ?? 0;
    // One call per started period, plus the first load; at least one per change.
    expect(calls).toBeLessThanOrEqual(Math.ceil(elapsed / TTL) + 1);
    expect(calls).toBeGreaterThanOrEqual(5);
    // No subscriber saw a version twice.
    for (const s of seen) expect(new Set(s).size).toBe(s.length);
    console.log(
      `50 subscribers, 4 changes: ${calls} upstream calls in ${elapsed.toFixed(1)} s (TTL ${TTL} s)`,
    );
  });

  it('bad and unknown ids are JSON errors, never a stream', async () => {
    const bad = await fetch(`${worker.url}/api/jobs/nope/events`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    const unknown = await fetch(`${worker.url}/api/jobs/5a1e0c3d-0000-4000-8000-00000000e2e4/events`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
  });
});
