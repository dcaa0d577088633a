import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { JobShield } from '../src/shield';
import { shieldName } from '../src/shield';
import type { Summary } from '../src/summary';
import type { JobSource } from '../src/upstream';
import { upstreamJob } from './fixtures/upstream-jobs';
import {
  captureLogLines,
  harness,
  json,
  newJobId,
  shieldClock,
  shieldEnv,
  strictShieldUpstreams,
  type Clock,
  UPSTREAM,
  UPSTREAM_ENV,
  type FakeUpstream,
  type Harness,
} from './helpers';
import { sseReader, type SseBlock, type SseRead, type SseReader } from './node/sse-reader';

// GET /api/jobs/{id}/events: the summary at once and on every change, `end` when terminal, from
// the job's shield, which polls the source once per TTL_ACTIVE_SECONDS on an alarm while anyone
// watches. The shields' clock is the test's (shieldClock): a test moves it and runs the alarm
// (runDurableObjectAlarm), so nothing here waits for a period to pass. Timings are deadlines for
// an answer to arrive, never pass/fail measures (those are in the bench).

const upstream = strictShieldUpstreams();
const scope = { kind: 'upstream', cacheScope: UPSTREAM } as JobSource;
const stubFor = (id: string): DurableObjectStub<JobShield> => env.JOB_SHIELD.getByName(shieldName(scope, id));

/** A running job whose iterations the test adds one at a time, and that it can finish. */
function liveJob(id: string) {
  let done = 1;
  let status = 'running';
  const body = () => {
    const base = upstreamJob({ id, status, num_iterations: 10 });
    const iterations = (base.iterations as Record<string, unknown>[]).slice(0, 1);
    for (let n = 1; n < done; n++) {
      iterations.push({
        ...iterations[0],
        id: `00000000-0000-4000-8000-1000000000${String(n).padStart(2, '0')}`,
        iteration_name: `iter_1${String(n).padStart(2, '0')}`,
        avg_score: 70 + n,
        status: 'keep',
      });
    }
    return { ...base, iterations, updated_at: `2026-11-02T10:${String(done).padStart(2, '0')}:00Z` };
  };
  return {
    respond: () => json(body()),
    advance() {
      done++;
    },
    finish() {
      done++;
      status = 'completed';
    },
  };
}

const LIVE = { TTL_ACTIVE_SECONDS: '1', EVENTS_HEARTBEAT_SECONDS: '30' };

/** A period passes: the clock moves by `seconds` and the job's shield runs its alarm, which must be set. */
async function tick(time: Clock, id: string, seconds = 1): Promise<void> {
  time.advance(seconds);
  expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
}

/**
 * Upstream calls for one job. The fake answers the test's every shield, and an earlier test's
 * shield may still be finishing a poll, so counts are per id.
 */
const callsFor = (up: FakeUpstream, id: string) => up.calls.filter((c) => c === id).length;

async function open(h: Harness, id: string, headers: Record<string, string> = {}) {
  const res = await h.fetch(`/api/jobs/${id}/events`, { headers });
  expect(res.status).toBe(200);
  if (!res.body) throw new Error('no body');
  return { res, events: sseReader(res.body) };
}

function asEvent(r: SseRead): SseBlock {
  if (typeof r === 'string') throw new Error(`expected an event, got ${r}`);
  return r;
}

async function jobEvent(events: SseReader, ms = 10_000): Promise<{ id: string; summary: Summary }> {
  const e = asEvent(await events.nextEvent(ms));
  expect(e.event).toBe('job');
  const summary = JSON.parse(e.data ?? '') as Summary;
  expect(e.id).toBe(summary.version);
  return { id: e.id ?? '', summary };
}

describe('the stream', () => {
  it('starts with a retry hint and the summary at once, as text/event-stream with CORS open', async () => {
    const id = newJobId();
    const job = liveJob(id);
    const up = upstream(job.respond);
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const { res, events } = await open(h, id, { Origin: 'https://dash.example' });
    expect(res.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('Cache-Control')).toBe('no-store, no-transform');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const first = asEvent(await events.next(10_000));
    expect(first.retry).toBe(1000);
    const { id: version, summary } = await jobEvent(events);
    const api = await (await h.fetch(`/api/jobs/${id}/summary`)).json();
    expect(summary).toEqual(api);
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    expect(summary.status).toBe('running');
    expect(summary.links.report).toBe(`https://edge.test/jobs/${id}`);
    await events.cancel();
  });

  it('pushes every change of version, then ends and closes when the job is terminal', async () => {
    const id = newJobId();
    const time = shieldClock();
    const job = liveJob(id);
    const up = upstream(job.respond);
    const h = harness({ upstream: up, env: shieldEnv(LIVE), clock: time });
    const { events } = await open(h, id);
    const a = await jobEvent(events);
    expect(a.summary.iterations.done).toBe(1);
    job.advance();
    await tick(time, id);
    const b = await jobEvent(events);
    expect(b.id).not.toBe(a.id);
    expect(b.summary.iterations.done).toBe(2);
    job.finish();
    await tick(time, id);
    const c = await jobEvent(events);
    expect(c.summary.status).toBe('completed');
    const end = asEvent(await events.nextEvent(10_000));
    expect(end.event).toBe('end');
    expect(end.id).toBe(c.id);
    expect(JSON.parse(end.data ?? '')).toEqual(c.summary);
    expect(await events.next(10_000)).toBe('closed');
    expect(callsFor(up, id)).toBe(3);
  });

  it('a terminal job: the summary and end at once, then the stream closes', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const { events } = await open(h, id);
    const { summary } = await jobEvent(events);
    expect(summary.status).toBe('completed');
    expect(asEvent(await events.nextEvent(10_000)).event).toBe('end');
    expect(await events.next(10_000)).toBe('closed');
    expect(callsFor(up, id)).toBe(1);
  });

  it('honours Last-Event-ID: no repeat of the version the client holds, the next one as usual', async () => {
    const id = newJobId();
    const time = shieldClock();
    const job = liveJob(id);
    const up = upstream(job.respond);
    const h = harness({ upstream: up, env: shieldEnv(LIVE), clock: time });
    const first = await open(h, id);
    const { id: v1 } = await jobEvent(first.events);
    await first.events.cancel();

    const again = await open(h, id, { 'Last-Event-ID': v1 });
    expect(asEvent(await again.events.next(10_000)).retry).toBe(1000);
    // A poll that finds the same version sends nothing: the next event is the next version.
    await tick(time, id);
    expect(callsFor(up, id)).toBe(2);
    job.advance();
    await tick(time, id);
    const next = await jobEvent(again.events);
    expect(next.id).not.toBe(v1);
    expect(next.summary.iterations.done).toBe(2);
    await again.events.cancel();

    // An older id gets the current version at once.
    const stale = await open(h, id, { 'Last-Event-ID': v1 });
    expect((await jobEvent(stale.events, 3000)).id).toBe(next.id);
    await stale.events.cancel();
  });

  it('Last-Event-ID of a terminal job: only end, then close', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const first = await open(h, id);
    const { id: version } = await jobEvent(first.events);
    const again = await open(h, id, { 'Last-Event-ID': version });
    const e = asEvent(await again.events.nextEvent(10_000));
    expect(e.event).toBe('end');
    expect(await again.events.next(10_000)).toBe('closed');
  });

  it('sends a heartbeat comment every EVENTS_HEARTBEAT_SECONDS', async () => {
    const id = newJobId();
    const time = shieldClock();
    const up = upstream(liveJob(id).respond);
    const h = harness({
      upstream: up,
      env: shieldEnv({ TTL_ACTIVE_SECONDS: '30', EVENTS_HEARTBEAT_SECONDS: '5' }),
      clock: time,
    });
    const { events } = await open(h, id);
    await jobEvent(events);
    const t0 = time.now();
    // The alarm is the first beat's (the poll is 30 s away); each beat sets the next.
    const alarm = () => runInDurableObject(stubFor(id), (_i, state) => state.storage.getAlarm());
    expect(await alarm()).toBe(t0 + 5_000);
    const beats: string[] = [];
    for (let n = 1; n <= 2; n++) {
      await tick(time, id, 5);
      const r = asEvent(await events.next(10_000));
      beats.push(...r.comments);
      expect(r.event).toBeUndefined();
      expect(await alarm()).toBe(t0 + (n + 1) * 5_000);
    }
    expect(beats).toEqual(['heartbeat', 'heartbeat']);
    // Heartbeats only: the copy is not past TTL_ACTIVE_SECONDS, so the source was not asked again.
    expect(callsFor(up, id)).toBe(1);
    await events.cancel();
  });

  it('answers HEAD with the stream’s headers and no body', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const res = await h.fetch(`/api/jobs/${id}/events`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toBe('');
  });
});

describe('one upstream call per period however many watch', () => {
  it('50 subscribers: every change reaches all of them, at one upstream call per period', async () => {
    const id = newJobId();
    const time = shieldClock();
    const job = liveJob(id);
    const up = upstream(job.respond);
    const sites = Array.from({ length: 5 }, () =>
      harness({ upstream: up, env: shieldEnv(LIVE), clock: time }),
    );
    const subs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        open(sites[i % 5]!, id, { 'CF-Connecting-IP': `198.51.100.${i}` }),
      ),
    );
    const firsts = await Promise.all(subs.map((s) => jobEvent(s.events)));
    expect(new Set(firsts.map((f) => f.id)).size).toBe(1);
    expect(callsFor(up, id)).toBe(1);
    for (let round = 0; round < 2; round++) {
      job.advance();
      await tick(time, id);
      const got = await Promise.all(subs.map((s) => jobEvent(s.events)));
      expect(new Set(got.map((g) => g.summary.iterations.done))).toEqual(new Set([round + 2]));
    }
    // One call per period of TTL_ACTIVE_SECONDS, plus the first load.
    expect(callsFor(up, id)).toBe(3);
    await Promise.all(subs.map((s) => s.events.cancel()));
  });

  it('with no subscribers left the shield stops polling; its only alarm is the forget deadline', async () => {
    const id = newJobId();
    const time = shieldClock();
    const up = upstream(liveJob(id).respond);
    const h = harness({ upstream: up, env: shieldEnv(LIVE), clock: time });
    const subs = await Promise.all([open(h, id), open(h, id)]);
    await Promise.all(subs.map((s) => jobEvent(s.events)));
    const alarm = () => runInDurableObject(stubFor(id), (_i, state) => state.storage.getAlarm());
    expect(await alarm()).toBe(time.now() + 1_000);
    await subs[0]!.events.cancel();
    // One left: still watched, still polled.
    await tick(time, id);
    expect(callsFor(up, id)).toBe(2);
    expect(await alarm()).toBe(time.now() + 1_000);
    await subs[1]!.events.cancel();
    // The isolate tells the shield as the client goes (cancel waits for it); the 30 s heartbeat
    // plays no part here. What is left is the lifecycle's alarm: SHIELD_IDLE_DAYS (30) from now.
    const forget = await alarm();
    expect(forget).not.toBeNull();
    expect(forget).toBe(time.now() + 30 * 86_400_000);
    // Periods pass and the alarm runs early: no poll, and the deadline stands.
    await tick(time, id, 5);
    expect(callsFor(up, id)).toBe(2);
    expect(await alarm()).toBe(forget);
  });

  it('the alarm polls on the shield’s own settings, not those of the location that opened the stream', async () => {
    const id = newJobId();
    const time = shieldClock();
    const job = liveJob(id);
    const up = upstream(job.respond);
    // This location would poll every second and beat every 2 s; the shields' own env says 30 s and 60 s.
    const h = harness({
      upstream: up,
      env: shieldEnv({ TTL_ACTIVE_SECONDS: '1', EVENTS_HEARTBEAT_SECONDS: '2' }),
      shieldVars: shieldEnv({ TTL_ACTIVE_SECONDS: '30', EVENTS_HEARTBEAT_SECONDS: '60' }),
      clock: time,
    });
    const { events } = await open(h, id);
    expect(asEvent(await events.next(10_000)).retry).toBe(30_000);
    await jobEvent(events);
    const t0 = time.now();
    const alarm = () => runInDurableObject(stubFor(id), (_i, state) => state.storage.getAlarm());
    expect(await alarm()).toBe(t0 + 30_000);
    job.advance();
    // Run early, 2 s in: by the shield's settings neither a poll nor a beat is due.
    await tick(time, id, 2);
    expect(callsFor(up, id)).toBe(1);
    expect(await alarm()).toBe(t0 + 30_000);
    await tick(time, id, 28);
    expect(callsFor(up, id)).toBe(2);
    expect((await jobEvent(events)).summary.iterations.done).toBe(2);
    await events.cancel();
  });

  it('each subscriber’s links follow the origin it came by; the shared copy holds none', async () => {
    const id = newJobId();
    const time = shieldClock();
    const job = liveJob(id);
    const up = upstream(job.respond);
    const h = harness({ upstream: up, env: shieldEnv(LIVE), clock: time });
    const a = await h.fetch(`https://one.example/api/jobs/${id}/events`);
    const b = await h.fetch(`https://two.example/api/jobs/${id}/events`);
    const ra = sseReader(a.body!);
    const rb = sseReader(b.body!);
    expect((await jobEvent(ra)).summary.links.report).toBe(`https://one.example/jobs/${id}`);
    expect((await jobEvent(rb)).summary.links.report).toBe(`https://two.example/jobs/${id}`);
    job.advance();
    await tick(time, id);
    expect((await jobEvent(ra)).summary.links.json).toBe(`https://one.example/api/jobs/${id}/`);
    expect((await jobEvent(rb)).summary.links.json).toBe(`https://two.example/api/jobs/${id}/`);
    await Promise.all([ra.cancel(), rb.cancel()]);
  });
});

describe('errors are JSON, never a stream', () => {
  it('a bad id is a 400 and an unknown job a 404, without a stream', async () => {
    const id = newJobId();
    const up = upstream(() => json({ detail: 'Not found.', code: 'not_found' }, 404));
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const bad = await h.fetch('/api/jobs/not-a-uuid/events');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_id');
    const missing = await h.fetch(`/api/jobs/${id}/events`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await missing.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    expect(callsFor(up, id)).toBe(1);
  });

  it('an upstream failure with no copy anywhere is its JSON error', async () => {
    const id = newJobId();
    const up = upstream(() => json({ detail: 'x' }, 500));
    const h = harness({ upstream: up, env: shieldEnv(LIVE) });
    const res = await h.fetch(`/api/jobs/${id}/events`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_unavailable');
  });

  it('caps streams per job and per client with a 429 and Retry-After', async () => {
    const id = newJobId();
    const up = upstream(liveJob(id).respond);
    const h = harness({
      upstream: up,
      env: shieldEnv({ ...LIVE, EVENTS_MAX_SUBSCRIBERS: '3', EVENTS_MAX_PER_CLIENT: '2' }),
    });
    const ip = (n: number) => ({ 'CF-Connecting-IP': `203.0.113.${n}` });
    const held = [await open(h, id, ip(1)), await open(h, id, ip(1))];
    const third = await h.fetch(`/api/jobs/${id}/events`, { headers: ip(1) });
    expect(third.status).toBe(429);
    expect(third.headers.get('Retry-After')).toBe('30');
    expect(third.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await third.json()).toMatchObject({
      code: 'too_many_subscribers',
      detail: expect.stringMatching(/client/),
    });
    held.push(await open(h, id, ip(2)));
    const full = await h.fetch(`/api/jobs/${id}/events`, { headers: ip(3) });
    expect(full.status).toBe(429);
    expect(await full.json()).toMatchObject({
      code: 'too_many_subscribers',
      detail: expect.stringMatching(/job/),
    });
    await Promise.all(held.map((s) => s.events.cancel()));
  });

  it('other methods are 405', async () => {
    const h = harness({ upstream: upstream(), env: shieldEnv(LIVE) });
    const res = await h.fetch(`/api/jobs/${newJobId()}/events`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('without a working shield', () => {
  it('without the binding: what is known now, then close; retry brings the client back', async () => {
    const id = newJobId();
    const up = upstream(liveJob(id).respond);
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, TTL_ACTIVE_SECONDS: '7' } });
    const { events } = await open(h, id);
    expect(asEvent(await events.next(10_000)).retry).toBe(7000);
    const { id: version } = await jobEvent(events);
    expect(await events.next(10_000)).toBe('closed');
    const again = await open(h, id, { 'Last-Event-ID': version });
    expect(asEvent(await again.events.next(10_000)).retry).toBe(7000);
    expect(await again.events.next(10_000)).toBe('closed');
    expect(callsFor(up, id)).toBe(1);
  });

  it('a shield that throws: the same one-shot stream, logged as a fallback', async () => {
    const logs = captureLogLines();
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const boom = () => Promise.reject(new Error('boom'));
    const ns = {
      getByName: () => ({ load: boom, subscribe: boom }),
    } as unknown as DurableObjectNamespace<JobShield>;
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, JOB_SHIELD: ns } });
    const { events } = await open(h, id);
    expect((await jobEvent(events)).summary.status).toBe('completed');
    expect(asEvent(await events.nextEvent(10_000)).event).toBe('end');
    expect(await events.next(10_000)).toBe('closed');
    expect(h.logs).toContainEqual(
      expect.objectContaining({ event: 'shield_fallback', what: 'events', reason: 'error' }),
    );
    expect(logs.filter((l) => l.event === 'internal_error')).toEqual([]);
  });
});
