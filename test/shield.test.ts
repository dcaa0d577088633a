import {
  evictDurableObject,
  listDurableObjectIds,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { DEMO_JOBS } from '../src/demo-data';
import type { JobShield } from '../src/shield';
import { backoffSeconds, forgetAt, forgetSlackMs, setShieldEnv, shieldName } from '../src/shield';
import type { Env } from '../src/env';
import type { JobSource } from '../src/upstream';
import { upstreamJob } from './fixtures/upstream-jobs';
import {
  API_KEY,
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
} from './helpers';

// The job shield: one Durable Object per source and job id between every location's tiers and
// the source. Each harness stands for one location (its own memory tier and Cache API cache);
// all share the one JOB_SHIELD namespace of wrangler.toml, as every location does in production.

const upstream = strictShieldUpstreams();

const upstreamScope = { kind: 'upstream', cacheScope: UPSTREAM } as JobSource;
const stubFor = (id: string): DurableObjectStub<JobShield> =>
  env.JOB_SHIELD.getByName(shieldName(upstreamScope, id));

/** Every row the shield keeps, as text, to look for what must never be stored. */
async function storedText(id: string): Promise<string> {
  return runInDurableObject(stubFor(id), (_instance, state) => {
    const sql = state.storage.sql;
    const rows = [
      ...sql.exec('SELECT * FROM copy').toArray(),
      ...sql.exec('SELECT * FROM failure').toArray(),
    ];
    const parts = sql
      .exec<{ data: ArrayBuffer }>('SELECT data FROM copy_part ORDER BY n')
      .toArray()
      .map((p) => new TextDecoder().decode(p.data));
    return JSON.stringify(rows) + parts.join('');
  });
}

function locations(n: number, extra: Parameters<typeof shieldEnv>[0] = {}, up = upstream(), clock?: Clock) {
  return Array.from({ length: n }, () => harness({ upstream: up, env: shieldEnv(extra), clock }));
}

describe('one upstream call for every location', () => {
  it('8 locations × 200 concurrent cold requests make exactly one upstream call', async () => {
    const id = newJobId();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const up = upstream(async () => {
      await gate;
      return json(upstreamJob({ id, status: 'running' }));
    });
    const sites = locations(8, {}, up);
    const all = sites.flatMap((h) => Array.from({ length: 200 }, () => h.fetch(`/api/jobs/${id}/`)));
    // Held at the upstream until one call is under way; the rest arrive meanwhile or find the copy.
    await vi.waitFor(() => expect(up.calls).toHaveLength(1), { timeout: 30_000 });
    release();
    const answers = await Promise.all(all);
    expect(answers.map((r) => r.status)).toEqual(Array(1600).fill(200));
    expect(up.calls).toEqual([id]);
    // Each location asked the shield at most once (its own in-flight map shares the rest) …
    const timings = answers.map((r) => r.headers.get('Server-Timing') ?? '');
    expect(timings.every((t) => /shield;dur=|^shield/.test(t))).toBe(true);
    for (const h of sites) expect(h.logs.filter((l) => l.event === 'shield_fallback')).toEqual([]);
    // … and answers the next round from its own memory, without the shield.
    const again = await Promise.all(sites.map((h) => h.fetch(`/api/jobs/${id}/`)));
    expect(again.map((r) => r.headers.get('Server-Timing'))).toEqual(Array(8).fill('memory;desc="hit"'));
    expect(up.calls).toHaveLength(1);
  });

  it('a location that joins later gets the shield’s copy, not a new upstream call', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const [first, second] = locations(2, {}, up);
    const a = await first!.fetch(`/api/jobs/${id}/`);
    expect(a.headers.get('X-Cache')).toBe('MISS');
    expect(a.headers.get('Server-Timing')).toMatch(/^source;dur=[\d.]+;desc="miss", shield;dur=[\d.]+$/);
    const b = await second!.fetch(`/api/jobs/${id}/`);
    expect(b.status).toBe(200);
    expect(b.headers.get('X-Cache')).toBe('HIT');
    expect(b.headers.get('Server-Timing')).toMatch(/^shield;dur=[\d.]+;desc="hit"$/);
    expect(b.headers.get('ETag')).toBe(a.headers.get('ETag'));
    expect(up.calls).toHaveLength(1);
  });

  it('remembers a 404 for every location', async () => {
    const id = newJobId();
    const up = upstream(() => json({ detail: 'Not found.', code: 'not_found' }, 404));
    const [first, second] = locations(2, {}, up);
    expect((await first!.fetch(`/api/jobs/${id}/`)).status).toBe(404);
    const res = await second!.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    expect(up.calls).toHaveLength(1);
  });

  it('demo mode goes through the shield too, as wrangler.toml ships it', async () => {
    const id = (DEMO_JOBS[0] as { id: string }).id;
    // A location of its own, with wrangler.toml's env: the Worker under SELF is shared by the
    // test files, so its memory tier may hold the demo job already and never ask the shield.
    const res = await harness({ env: env as Env }).fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    const stored = await runInDurableObject(
      env.JOB_SHIELD.getByName(shieldName({ kind: 'demo', cacheScope: 'demo' } as JobSource, id)),
      (_instance, state) => state.storage.sql.exec<{ id: string }>('SELECT id FROM copy').toArray(),
    );
    expect(stored).toEqual([{ id }]);
  });
});

describe('the per-client miss limit still applies in front of the shield', () => {
  it('a client past its budget gets a 429 before the shield or the upstream is asked', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const keys: string[] = [];
    const limiter = {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        return { success: false };
      },
    } as unknown as RateLimit;
    const h = harness({ upstream: up, env: shieldEnv({ UPSTREAM_MISS_LIMITER: limiter }) });
    const res = await h.fetch(`/api/jobs/${id}/`, { headers: { 'CF-Connecting-IP': '203.0.113.7' } });
    expect(res.status).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('60');
    expect(keys).toEqual(['203.0.113.7']);
    expect(up.calls).toEqual([]);
    // Never asked: the object was not even given its tables.
    const stored = await runInDurableObject(stubFor(id), (_i, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'copy'")
        .toArray(),
    );
    expect(stored).toEqual([]);
  });
});

describe('what the shield stores', () => {
  it('only validated, redacted bodies; never the key; the name carries no key', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const [h] = locations(1, {}, up);
    expect((await h!.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    const text = await storedText(id);
    expect(text).toContain(`"id":"${id}"`);
    expect(text).not.toContain('celery_task_id');
    expect(text).not.toContain('agent_display_name');
    expect(text).not.toContain(API_KEY);
    expect(shieldName(upstreamScope, id)).toBe(`upstream:${UPSTREAM}:${id}`);
    const ids = await listDurableObjectIds(env.JOB_SHIELD);
    expect(ids.some((i) => i.equals(stubFor(id).id))).toBe(true);
  });

  it('an answer that breaks the schema is never stored', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id, status: 'exploded' })));
    const [h] = locations(1, {}, up);
    const res = await h!.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe('upstream_invalid');
    const copies = await runInDurableObject(stubFor(id), (_i, state) =>
      state.storage.sql.exec('SELECT kind FROM copy').toArray(),
    );
    expect(copies).toEqual([]);
  });

  it('a body over SQLite’s 2 MB value limit is kept in parts and read back whole', async () => {
    const id = newJobId();
    const big = 'x'.repeat(3 * 1024 * 1024);
    const up = upstream(() => json(upstreamJob({ id, report_markdown: big })));
    const cfg = {
      UPSTREAM_MAX_BYTES: String(8 * 1024 * 1024),
      TTL_TERMINAL_SECONDS: '0',
      STALE_WHILE_REVALIDATE_SECONDS: '0',
    };
    const [h] = locations(1, cfg, up);
    const first = await h!.fetch(`/api/jobs/${id}/`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('ETag');
    await evictDurableObject(stubFor(id));
    up.respond(() => json({ detail: 'x' }, 500));
    const [later] = locations(1, cfg, up);
    const res = await later!.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('ETag')).toBe(etag);
    expect(((await res.json()) as { report_markdown: string }).report_markdown).toHaveLength(big.length);
  });
});

describe('nothing secret travels by RPC', () => {
  /** JOB_SHIELD, with every call an isolate makes on a stub recorded: method and arguments. */
  function recordingNamespace(
    calls: { method: string; args: unknown[] }[],
  ): DurableObjectNamespace<JobShield> {
    const ns = env.JOB_SHIELD;
    return {
      getByName: (name: string, opts?: DurableObjectNamespaceGetDurableObjectOptions) => {
        const stub = ns.getByName(name, opts);
        return new Proxy(stub, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (typeof prop !== 'string' || typeof value !== 'function') return value;
            return (...args: unknown[]) => {
              calls.push({ method: prop, args });
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        });
      },
    } as unknown as DurableObjectNamespace<JobShield>;
  }

  it('the isolate sends the job and its source, never the key: the shield reads the key from its own env', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id, status: 'running' })));
    const calls: { method: string; args: unknown[] }[] = [];
    const h = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, JOB_SHIELD: recordingNamespace(calls), TTL_ACTIVE_SECONDS: '0' },
    });
    expect((await h.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    const res = await h.fetch(`/api/jobs/${id}/events`, { headers: { 'CF-Connecting-IP': '192.0.2.1' } });
    expect(res.status).toBe(200);
    await res.body?.cancel();

    expect(calls.map((c) => c.method)).toEqual(expect.arrayContaining(['load', 'subscribe']));
    const load = calls.find((c) => c.method === 'load');
    expect(load?.args).toEqual([{ id, scope: `upstream:${UPSTREAM}` }]);
    const subscribe = calls.find((c) => c.method === 'subscribe');
    expect(Object.keys(subscribe?.args[0] as object).sort()).toEqual([
      'base',
      'client',
      'id',
      'lastEventId',
      'scope',
    ]);
    for (const call of calls) expect(JSON.stringify(call.args), call.method).not.toContain(API_KEY);
    // The shield asked the upstream with the key all the same: from its own env.
    expect(up.requests.length).toBeGreaterThan(0);
    for (const req of up.requests) expect(req.headers.get('X-Api-Key')).toBe(API_KEY);
  });

  it('a caller that names another source than the shield’s env asks is refused, and nothing is fetched or stored', async () => {
    const logs = captureLogLines();
    const id = newJobId();
    upstream();
    setShieldEnv(UPSTREAM_ENV);
    expect(await stubFor(id).load({ id, scope: 'upstream:https://elsewhere.test' })).toEqual({
      ok: false,
      refused: 'the caller names another source than this shield asks',
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        event: 'shield_source_mismatch',
        id,
        caller: 'upstream:https://elsewhere.test',
        own: `upstream:${UPSTREAM}`,
      }),
    );
    // Refused before anything else: the object was not even given its tables.
    const tables = await runInDurableObject(stubFor(id), (_i, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'copy'")
        .toArray(),
    );
    expect(tables).toEqual([]);
  });

  it('an isolate whose source differs from the shield’s falls back to asking its source itself', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    // This location names the upstream; the shields' env names another.
    const h = harness({
      upstream: up,
      env: shieldEnv(),
      shieldVars: { ...UPSTREAM_ENV, UPSTREAM_URL: 'https://elsewhere.test' },
    });
    const res = await h.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(up.calls).toEqual([id]);
    expect(h.logs).toContainEqual(expect.objectContaining({ event: 'shield_fallback', id, reason: 'error' }));
  });
});

describe('the stored copy outlives the object and every cache', () => {
  it('after evictDurableObject and with empty caches, a failing upstream gets the stored copy, marked stale', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const [first] = locations(1, {}, up);
    const good = await first!.fetch(`/api/jobs/${id}/`);
    const goodBody = await good.text();
    await evictDurableObject(stubFor(id));

    up.respond(() => json({ detail: 'down' }, 503));
    // A new location, past the copy's freshness: it must ask, and the upstream is down.
    const cfg = { TTL_TERMINAL_SECONDS: '0', STALE_WHILE_REVALIDATE_SECONDS: '0' };
    const [cold] = locations(1, cfg, up);
    const res = await cold!.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache')).toBe('STALE');
    expect(res.headers.get('X-Cache-Reason')).toBe('upstream_unavailable');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=0, stale-if-error=86400');
    expect(res.headers.get('Server-Timing')).toMatch(
      /^shield;dur=[\d.]+;desc="stale: upstream_unavailable", source;dur=[\d.]+$/,
    );
    expect(await res.text()).toBe(goodBody);
    expect(up.calls).toHaveLength(2);
    // The page says so too, from the same stored copy.
    const page = await cold!.fetch(`/jobs/${id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('X-Cache-Reason')).toBe('upstream_unavailable');
  });
});

describe('backoff', () => {
  it('the schedule doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => backoffSeconds(n, 1, 60))).toEqual([
      1, 2, 4, 8, 16, 32, 60, 60, 60,
    ]);
    expect(backoffSeconds(0, 1, 60)).toBe(0);
    expect([1, 2, 3].map((n) => backoffSeconds(n, 5, 12))).toEqual([5, 10, 12]);
  });

  it('1,000 requests over one backoff window make one upstream call; the next window is twice as long', async () => {
    const logs = captureLogLines();
    const id = newJobId();
    const time = shieldClock();
    const up = upstream(() => json(upstreamJob({ id })));
    const cfg = {
      TTL_TERMINAL_SECONDS: '0',
      STALE_WHILE_REVALIDATE_SECONDS: '0',
      SHIELD_BACKOFF_BASE_SECONDS: '120',
      SHIELD_BACKOFF_MAX_SECONDS: '300',
    };
    const sites = locations(4, cfg, up, time);
    expect((await sites[0]!.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    up.respond(() => json({ detail: 'x' }, 500));

    // The 1,000 requests span 114 s of the 120 s window, 6 s between batches.
    const answers: Response[] = [];
    for (let batch = 0; batch < 20; batch++) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => sites[(batch + i) % 4]!.fetch(`/api/jobs/${id}/`)),
        )),
      );
      if (batch < 19) time.advance(6);
    }
    expect(answers).toHaveLength(1000);
    expect(answers.map((r) => r.status)).toEqual(Array(1000).fill(200));
    expect(new Set(answers.map((r) => r.headers.get('X-Cache-Reason')))).toEqual(
      new Set(['upstream_unavailable']),
    );
    expect(up.calls).toHaveLength(2); // the good answer, then the first failure
    expect(logs.filter((l) => l.event === 'shield_backoff')).toEqual([
      {
        service: 'overmind-edge',
        event: 'shield_backoff',
        id,
        code: 'upstream_unavailable',
        failures: 1,
        retry_in_s: 120,
      },
    ]);

    // The window ends, and the object restarted reads the failure back from storage: the next
    // request asks once more, fails, and waits twice as long.
    time.advance(6);
    await evictDurableObject(stubFor(id));
    const retried = await Promise.all(Array.from({ length: 50 }, () => sites[1]!.fetch(`/api/jobs/${id}/`)));
    expect(retried.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(up.calls).toHaveLength(3);
    const failure = await runInDurableObject(stubFor(id), (_i, state) =>
      state.storage.sql
        .exec<{ count: number; retry_at: number }>('SELECT count, retry_at FROM failure')
        .one(),
    );
    expect(failure.count).toBe(2);
    expect(failure.retry_at - time.now()).toBe(240_000);
    expect(JSON.stringify(logs)).not.toContain(API_KEY);
  });

  it('a cold job on a failing upstream: one call, then the error with Retry-After until the window ends', async () => {
    const id = newJobId();
    const time = shieldClock();
    const up = upstream(() => json({ detail: 'x' }, 502));
    const sites = locations(2, { SHIELD_BACKOFF_BASE_SECONDS: '20' }, up, time);
    const first = await sites[0]!.fetch(`/api/jobs/${id}/`);
    expect(first.status).toBe(502);
    time.advance(5);
    const rest = await Promise.all(
      Array.from({ length: 100 }, (_, i) => sites[i % 2]!.fetch(`/api/jobs/${id}/`)),
    );
    expect(rest.map((r) => r.status)).toEqual(Array(100).fill(502));
    expect(new Set(rest.map((r) => r.headers.get('Retry-After')))).toEqual(new Set(['15']));
    expect(((await rest[0]!.json()) as { code: string }).code).toBe('upstream_unavailable');
    expect(up.calls).toHaveLength(1);
  });

  it('an upstream Retry-After lengthens the wait, up to the cap', async () => {
    const logs = captureLogLines();
    const id = newJobId();
    const up = upstream(() => json({ detail: 'slow down' }, 429, { 'Retry-After': '40' }));
    const [h] = locations(1, { SHIELD_BACKOFF_MAX_SECONDS: '25' }, up);
    expect((await h!.fetch(`/api/jobs/${id}/`)).status).toBe(503);
    expect(logs.find((l) => l.event === 'shield_backoff')).toMatchObject({ failures: 1, retry_in_s: 25 });
  });
});

describe('the shield never lowers availability', () => {
  function failingNamespace(fail: () => Promise<never>): DurableObjectNamespace<JobShield> {
    const stub = { load: fail, subscribe: fail };
    return { getByName: () => stub } as unknown as DurableObjectNamespace<JobShield>;
  }

  const failures: [string, () => Promise<never>, string][] = [
    ['throws', () => Promise.reject(new Error('boom: internal error in the object')), 'error'],
    [
      'is overloaded',
      () =>
        Promise.reject(
          Object.assign(new Error('Durable Object is overloaded. Too many requests queued.'), {
            overloaded: true,
            retryable: false,
          }),
        ),
      'overloaded',
    ],
  ];

  for (const [name, fail, reason] of failures) {
    it(`a shield that ${name}: the isolate asks the source itself, answers 200, and logs it`, async () => {
      const id = newJobId();
      const up = upstream(() => json(upstreamJob({ id })));
      const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, JOB_SHIELD: failingNamespace(fail) } });
      const res = await h.fetch(`/api/jobs/${id}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('X-Cache')).toBe('MISS');
      expect(res.headers.get('Server-Timing')).toMatch(/^source;dur=[\d.]+;desc="miss", shield;dur=[\d.]+$/);
      expect(up.calls).toEqual([id]);
      expect(h.logs).toContainEqual(expect.objectContaining({ event: 'shield_fallback', id, reason }));
      for (const path of [`/jobs/${id}`, `/api/jobs/${id}/summary`, `/jobs/${id}/badge.svg`]) {
        expect((await h.fetch(path)).status, path).toBe(200);
      }
    });
  }

  it('a shield that never answers: after its deadline the isolate asks the source itself', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const hang = () => new Promise<never>(() => undefined);
    const h = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, UPSTREAM_TIMEOUT_MS: '100', JOB_SHIELD: failingNamespace(hang) },
    });
    const res = await h.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(h.logs).toContainEqual(
      expect.objectContaining({ event: 'shield_fallback', id, reason: 'timeout' }),
    );
  });

  it('a shield binding that throws on lookup is a fallback too, and no log line names the key', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const ns = {
      getByName: () => {
        throw new Error(`lookup failed for ${API_KEY}`);
      },
    } as unknown as DurableObjectNamespace<JobShield>;
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, JOB_SHIELD: ns } });
    expect((await h.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    expect(h.logs).toContainEqual(expect.objectContaining({ event: 'shield_fallback', reason: 'error' }));
    expect(JSON.stringify(h.logs)).not.toContain(API_KEY);
  });

  it('with the upstream down too, a fallback still serves the location’s own stale copy', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id })));
    const cfg = { TTL_TERMINAL_SECONDS: '0', STALE_WHILE_REVALIDATE_SECONDS: '0' };
    const h = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, ...cfg, JOB_SHIELD: failingNamespace(() => Promise.reject(new Error('boom'))) },
    });
    expect((await h.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    up.respond(() => json({ detail: 'x' }, 500));
    const res = await h.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache-Reason')).toBe('upstream_unavailable');
  });
});

describe('storage stays bounded: each shield deletes its own once nothing in it is worth keeping', () => {
  /** What the object holds: its tables (SQLite's own aside), key-value entries, alarm, bytes. */
  const storage = (id: string) =>
    runInDurableObject(stubFor(id), async (_i, state) => ({
      tables: state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .toArray()
        .map((r) => r.name),
      entries: (await state.storage.list()).size,
      alarm: await state.storage.getAlarm(),
    }));
  const DAY = 86_400_000;

  it('the deadline: a 404 when it stops being fresh, a failure after its longest backoff, a copy after SHIELD_IDLE_DAYS', () => {
    const base = {
      failure: null,
      askedAt: 5_000,
      notFoundTtlSeconds: 30,
      backoffMaxSeconds: 60,
      idleDays: 30,
    };
    expect(forgetAt({ ...base, copy: { kind: 'missing', storedAt: 1_000 } })).toBe(31_000);
    expect(forgetAt({ ...base, copy: { kind: 'job' } })).toBe(5_000 + 30 * DAY);
    expect(forgetAt({ ...base, copy: null, failure: { retryAt: 9_000 } })).toBe(69_000);
    expect(forgetAt({ ...base, copy: null })).toBeNull();
    expect(forgetSlackMs(30)).toBe(DAY);
    expect(forgetSlackMs(1)).toBe(DAY / 30);
  });

  it('an unknown job: its alarm deletes the remembered 404 and all storage once it is stale', async () => {
    const logs = captureLogLines();
    const id = newJobId();
    const time = shieldClock();
    const up = upstream(() => json({ detail: 'Not found.' }, 404));
    const [h] = locations(1, {}, up, time);
    const t0 = time.now();
    expect((await h!.fetch(`/api/jobs/${id}/`)).status).toBe(404);
    const before = await storage(id);
    expect(before.tables).toEqual(expect.arrayContaining(['copy', 'lifecycle']));
    // Set for NOT_FOUND_TTL_SECONDS (30) after the 404 was stored.
    expect(before.alarm).toBe(t0 + 30_000);

    // Early (the alarm may fire early, or a 404 may be stored again): nothing is deleted.
    time.advance(29);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    expect((await storage(id)).tables).toContain('copy');

    time.set(before.alarm! + 1);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    expect(await storage(id)).toEqual({ tables: [], entries: 0, alarm: null });
    expect(logs.filter((l) => l.event === 'shield_forgotten')).toEqual([
      { service: 'overmind-edge', event: 'shield_forgotten', id, kind: 'missing' },
    ]);

    // Asked again, the same object starts over: one upstream call, a 404, a new deadline.
    expect((await h!.fetch(`/api/jobs/${id}/`)).status).toBe(404);
    expect(up.calls).toEqual([id, id]);
    expect((await storage(id)).alarm).not.toBeNull();
  });

  it('a finished job nobody asks for in SHIELD_IDLE_DAYS: its copy goes, even after the object was evicted', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id, status: 'completed' })));
    const idle = { SHIELD_IDLE_DAYS: '2' };
    const time = shieldClock();
    const t0 = time.now();
    expect((await locations(1, idle, up, time)[0]!.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    expect((await storage(id)).alarm).toBe(t0 + 2 * DAY);

    // Asked for a day later (another location): the deadline moves to that day + 2.
    time.set(t0 + DAY);
    expect((await locations(1, idle, up, time)[0]!.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    time.set(t0 + 2 * DAY + 1);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    const kept = await storage(id);
    expect(kept.tables).toContain('copy');
    expect(kept.alarm).toBe(t0 + 3 * DAY);

    // Evicted: the deadline was stored, so a fresh instance woken by the alarm acts on it.
    await evictDurableObject(stubFor(id));
    time.set(t0 + 3 * DAY + 1);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    // Read in the same instance: a new one would create its (empty) tables again.
    expect(await storage(id)).toEqual({ tables: [], entries: 0, alarm: null });
  });

  it('a failure with no copy is forgotten once its longest backoff has passed', async () => {
    const id = newJobId();
    const up = upstream(() => json({ detail: 'x' }, 502));
    const time = shieldClock();
    const t0 = time.now();
    expect(
      (await locations(1, { SHIELD_BACKOFF_MAX_SECONDS: '60' }, up, time)[0]!.fetch(`/api/jobs/${id}/`))
        .status,
    ).toBe(502);
    const { alarm } = await storage(id);
    expect(alarm).toBe(t0 + 1_000 + 60_000);
    // A second early: the deadline stands.
    time.set(alarm! - 1_000);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    expect((await storage(id)).tables).toContain('failure');
    time.set(alarm!);
    expect(await runDurableObjectAlarm(stubFor(id))).toBe(true);
    expect(await storage(id)).toEqual({ tables: [], entries: 0, alarm: null });
  });
});
