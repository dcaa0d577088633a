import { describe, expect, it } from 'vitest';
import { API_KEY, clock, harness, json, UPSTREAM, UPSTREAM_ENV, strictUpstreams } from './helpers';
import { JOB_ID, OTHER_ID, REFERENCE_EXAMPLE, upstreamJob } from './fixtures/upstream-jobs';

const API = `/api/jobs/${JOB_ID}/`;
const upstream = strictUpstreams();

async function body(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('GET /api/jobs/{id}/ from the upstream', () => {
  it('serves the parsed job, without undocumented or redacted fields', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const res = await h.fetch(API);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    const job = await body(res);
    expect(job.id).toBe(JOB_ID);
    expect(job.prompt_slug).toBe('support-triage-agent');
    expect(job).not.toHaveProperty('agent_display_name');
    expect(job).not.toHaveProperty('celery_task_id');
    expect(job).not.toHaveProperty('triggered_by');
    expect(job.agent).toBeNull();
    const iterations = job.iterations as Record<string, unknown>[];
    expect(iterations).toHaveLength(3);
    expect(iterations[0]).not.toHaveProperty('candidates');
    expect(iterations[0]).not.toHaveProperty('updated_at');
    expect(iterations[2]?.dimension_scores).toBeNull();
    expect(iterations[2]?.order).toBeNull();
  });

  it('asks the upstream with the key, JSON accept and a user agent', async () => {
    const up = upstream(() => json(upstreamJob()));
    await harness({ upstream: up }).fetch(API);
    const req = up.requests[0];
    expect(req?.url).toBe(`${UPSTREAM}/api/jobs/${JOB_ID}/`);
    expect(req?.headers.get('X-Api-Key')).toBe(API_KEY);
    expect(req?.headers.get('Accept')).toBe('application/json');
    expect(req?.headers.get('User-Agent')).toMatch(/^overmind-edge\//);
  });

  it('answers without the trailing slash too, and for an upper-case id from the same cache entry', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    expect((await h.fetch(`/api/jobs/${JOB_ID}`)).status).toBe(200);
    const res = await h.fetch(`/api/jobs/${JOB_ID.toUpperCase()}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache')).toBe('HIT');
    expect(up.calls).toEqual([JOB_ID]);
  });

  it('accepts the reference example verbatim, int64 extremes included', async () => {
    const up = upstream(() => json(REFERENCE_EXAMPLE));
    const res = await harness({ upstream: up }).fetch(API);
    expect(res.status).toBe(200);
    const job = await body(res);
    expect(job.candidates_per_iteration).toBe(-9007199254740991);
    expect((job.iterations as { order: number }[])[0]?.order).toBe(-9007199254740991);
    expect(job.backtest_results).toEqual({});
  });

  it('honours REDACT_FIELDS, including fields inside iterations', async () => {
    const up = upstream(() => json(upstreamJob()));
    const env = { ...UPSTREAM_ENV, REDACT_FIELDS: 'best_agent_code, iterations.agent_code' };
    const job = await body(await harness({ upstream: up, env }).fetch(API));
    expect(job).not.toHaveProperty('best_agent_code');
    expect(job).toHaveProperty('celery_task_id', 'c0ffee-task');
    expect((job.iterations as object[])[0]).not.toHaveProperty('agent_code');
  });

  it('sets caching headers by status: terminal jobs for an hour', async () => {
    const up = upstream(() => json(upstreamJob()));
    const res = await harness({ upstream: up }).fetch(API);
    expect(res.headers.get('Cache-Control')).toBe(
      'public, max-age=3600, stale-while-revalidate=60, stale-if-error=86400',
    );
    expect(res.headers.get('ETag')).toMatch(/^"[A-Za-z0-9_-]{24}"$/);
    expect(res.headers.get('Last-Modified')).toBe('Mon, 02 Nov 2026 10:30:00 GMT');
    expect(res.headers.get('Age')).toBe('0');
    expect(res.headers.get('X-Cache')).toBe('MISS');
  });

  it('sets caching headers by status: active jobs for ten seconds, and the vars change them', async () => {
    for (const status of ['pending', 'running', null]) {
      const up = upstream(() => json(upstreamJob({ status })));
      const res = await harness({ upstream: up }).fetch(API);
      expect(res.headers.get('Cache-Control')).toMatch(/^public, max-age=10,/);
    }
    const up = upstream(() => json(upstreamJob({ status: 'failed' })));
    const env = {
      ...UPSTREAM_ENV,
      TTL_TERMINAL_SECONDS: '120',
      STALE_WHILE_REVALIDATE_SECONDS: '5',
      STALE_IF_ERROR_SECONDS: '600',
    };
    const res = await harness({ upstream: up, env }).fetch(API);
    expect(res.headers.get('Cache-Control')).toBe(
      'public, max-age=120, stale-while-revalidate=5, stale-if-error=600',
    );
  });

  it('answers 304 to a matching If-None-Match, with the validators and no body', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const first = await h.fetch(API);
    const etag = first.headers.get('ETag') ?? '';
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await h.fetch(API, { headers: { 'If-None-Match': inm } });
      expect(res.status, inm).toBe(304);
      expect(res.headers.get('ETag')).toBe(etag);
      expect(res.headers.get('Cache-Control')).toMatch(/max-age=3600/);
      expect(await res.text()).toBe('');
    }
    const miss = await h.fetch(API, { headers: { 'If-None-Match': '"nope"' } });
    expect(miss.status).toBe(200);
    expect(up.calls).toHaveLength(1);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const get = await h.fetch(API);
    const head = await h.fetch(API, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('ETag')).toBe(get.headers.get('ETag'));
    expect(head.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('gives a changed job a new ETag', async () => {
    const c = clock();
    let score = 75;
    const up = upstream(() => json(upstreamJob({ best_score: score })));
    const h = harness({ upstream: up, clock: c });
    const a = (await h.fetch(API)).headers.get('ETag');
    score = 80;
    c.advance(3600 + 61);
    const res = await h.fetch(API);
    expect(res.headers.get('X-Cache')).toBe('REVALIDATED');
    expect(res.headers.get('ETag')).not.toBe(a);
    expect((await body(res)).best_score).toBe(80);
  });
});

describe('errors', () => {
  const cases: {
    name: string;
    respond: () => Response | Promise<Response>;
    status: number;
    code: string;
    detail?: RegExp;
  }[] = [
    {
      name: 'upstream 404',
      respond: () => json({ detail: 'Not found.', code: 'not_found' }, 404),
      status: 404,
      code: 'not_found',
    },
    {
      name: 'upstream 404 as HTML',
      respond: () =>
        new Response('<h1>Not Found</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } }),
      status: 502,
      code: 'upstream_invalid',
      detail: /route may have moved/,
    },
    {
      name: 'upstream 401',
      respond: () =>
        json({ detail: 'Authentication credentials were not provided.', code: 'not_authenticated' }, 401),
      status: 502,
      code: 'upstream_auth',
      detail: /refused this service's API key/,
    },
    {
      name: 'upstream 403',
      respond: () => json({ detail: 'Forbidden' }, 403),
      status: 502,
      code: 'upstream_auth',
    },
    {
      name: 'upstream 500',
      respond: () => json({ detail: 'Server error', error_id: 'abc' }, 500),
      status: 502,
      code: 'upstream_unavailable',
      detail: /status 500/,
    },
    {
      name: 'upstream 503',
      respond: () => new Response('busy', { status: 503 }),
      status: 502,
      code: 'upstream_unavailable',
    },
    {
      name: 'connection failure',
      respond: () => Promise.reject(new TypeError('Network connection lost.')),
      status: 502,
      code: 'upstream_unavailable',
    },
    {
      name: 'HTML with 200',
      respond: () => new Response('<html>login</html>', { headers: { 'Content-Type': 'text/html' } }),
      status: 502,
      code: 'upstream_invalid',
      detail: /text\/html, not JSON/,
    },
    {
      name: 'truncated JSON',
      respond: () =>
        new Response(JSON.stringify(upstreamJob()).slice(0, 200), {
          headers: { 'Content-Type': 'application/json' },
        }),
      status: 502,
      code: 'upstream_invalid',
      detail: /malformed or truncated JSON/,
    },
    {
      name: 'schema-breaking JSON',
      respond: () => json(upstreamJob({ status: 'exploded' })),
      status: 502,
      code: 'upstream_invalid',
      detail: /schema: status/,
    },
    {
      name: 'schema-breaking iteration',
      respond: () => json({ ...upstreamJob(), iterations: [{ id: 'x' }] }),
      status: 502,
      code: 'upstream_invalid',
      detail: /schema: iterations\.0\.id/,
    },
    {
      name: 'another job than asked for',
      respond: () => json(upstreamJob({ id: OTHER_ID })),
      status: 502,
      code: 'upstream_invalid',
      detail: /different job/,
    },
    {
      name: 'unexpected status',
      respond: () => new Response('', { status: 302, headers: { Location: 'https://elsewhere.test/' } }),
      status: 502,
      code: 'upstream_invalid',
      detail: /unexpected status 302/,
    },
  ];

  for (const tc of cases) {
    it(`${tc.name} → ${tc.status} ${tc.code}, JSON, nothing cached`, async () => {
      const up = upstream(tc.respond);
      const h = harness({ upstream: up });
      const res = await h.fetch(API);
      expect(res.status).toBe(tc.status);
      expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
      const b = await body(res);
      expect(b.code).toBe(tc.code);
      expect(typeof b.detail).toBe('string');
      if (tc.detail) expect(b.detail).toMatch(tc.detail);
      expect(JSON.stringify(b)).not.toContain(API_KEY);
      expect(JSON.stringify(b)).not.toMatch(/at .*\.ts:\d+/);
      // Errors other than 404 are not cached: the next request asks again.
      await h.fetch(API);
      expect(up.calls).toHaveLength(tc.code === 'not_found' ? 1 : 2);
    });
  }

  it('429 → 503 with the upstream Retry-After, or a default one', async () => {
    const up = upstream(() => json({ detail: 'slow down' }, 429, { 'Retry-After': '17' }));
    const res = await harness({ upstream: up }).fetch(API);
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('17');
    expect((await body(res)).code).toBe('upstream_rate_limited');

    const up2 = upstream(() => json({ detail: 'slow down' }, 429));
    const res2 = await harness({ upstream: up2 }).fetch(API);
    expect(res2.status).toBe(503);
    expect(res2.headers.get('Retry-After')).toBe('30');
  });

  it('a timeout → 504 upstream_timeout, whether headers or the body are late', async () => {
    const env = { ...UPSTREAM_ENV, UPSTREAM_TIMEOUT_MS: '50' };
    const hang = upstream(
      (req) =>
        new Promise<Response>((_, reject) =>
          req.signal.addEventListener('abort', () => reject(req.signal.reason)),
        ),
    );
    const res = await harness({ upstream: hang, env }).fetch(API);
    expect(res.status).toBe(504);
    expect(await body(res)).toEqual({
      code: 'upstream_timeout',
      detail: 'The upstream did not answer within 50 ms.',
    });

    const trickle = upstream((req) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":'));
          req.signal.addEventListener('abort', () => controller.error(req.signal.reason));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'application/json' } });
    });
    const res2 = await harness({ upstream: trickle, env }).fetch(API);
    expect(res2.status).toBe(504);
    expect((await body(res2)).code).toBe('upstream_timeout');
  });

  it('a body over UPSTREAM_MAX_BYTES → 502, by Content-Length or by counting', async () => {
    const env = { ...UPSTREAM_ENV, UPSTREAM_MAX_BYTES: '2048' };
    const big = JSON.stringify(upstreamJob({ report_markdown: 'x'.repeat(5000) }));
    const declared = upstream(() => json(JSON.parse(big)));
    const res = await harness({ upstream: declared, env }).fetch(API);
    expect(res.status).toBe(502);
    expect(await body(res)).toMatchObject({
      code: 'upstream_invalid',
      detail: expect.stringMatching(/larger than 2048 bytes/),
    });

    const streamed = upstream(() => {
      const bytes = new TextEncoder().encode(big);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
          controller.close();
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'application/json' } });
    });
    const res2 = await harness({ upstream: streamed, env }).fetch(API);
    expect(res2.status).toBe(502);
    expect((await body(res2)).detail).toMatch(/larger than 2048 bytes/);
  });

  it('a malformed id → 400 invalid_id without asking the upstream', async () => {
    const up = upstream();
    const h = harness({ upstream: up });
    for (const bad of [
      'nope',
      '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26',
      `${JOB_ID}0`,
      '..%2F..%2Fadmin',
      '%3Cscript%3E',
    ]) {
      const res = await h.fetch(`/api/jobs/${bad}/`);
      expect(res.status, bad).toBe(400);
      const b = await body(res);
      expect(b.code).toBe('invalid_id');
      expect(b.detail).toMatch(/must be a UUID/);
    }
    expect(up.calls).toEqual([]);
  });

  it('other methods → 405 with Allow; OPTIONS is a CORS preflight', async () => {
    const h = harness({ upstream: upstream() });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await h.fetch(API, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('Allow')).toBe('GET, HEAD, OPTIONS');
      expect((await body(res)).code).toBe('method_not_allowed');
    }
    const pre = await h.fetch(API, {
      method: 'OPTIONS',
      headers: { Origin: 'https://dash.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('an unknown path → 404 JSON', async () => {
    const res = await harness({ upstream: upstream() }).fetch('/api/nothing');
    expect(res.status).toBe(404);
    expect((await body(res)).code).toBe('not_found');
  });

  it('never lets the key out: not in answers, headers or log lines', async () => {
    const modes = [
      () => json(upstreamJob()),
      () => json({ detail: 'no' }, 401),
      () => json({ detail: 'x' }, 500),
      () => Promise.reject(new Error(`connect failed with ${API_KEY}`)),
      () => json({ bad: true }),
    ];
    for (const mode of modes) {
      const up = upstream(mode);
      const h = harness({ upstream: up });
      const res = await h.fetch(API);
      const text = await res.text();
      expect(text).not.toContain(API_KEY);
      res.headers.forEach((v) => expect(v).not.toContain(API_KEY));
      expect(JSON.stringify(h.logs)).not.toContain(API_KEY);
    }
  });
});

describe('caching', () => {
  it('serves hits from memory without the upstream, and Age grows', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    await h.fetch(API);
    c.advance(100);
    const res = await h.fetch(API);
    expect(res.headers.get('X-Cache')).toBe('HIT');
    expect(res.headers.get('Age')).toBe('100');
    expect(up.calls).toHaveLength(1);
  });

  it('a query string never makes a new entry or a new upstream call', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const a = await h.fetch(API);
    for (const q of ['?x=1', '?x=2', '?cache=bust&t=123', `?${'a'.repeat(500)}=1`]) {
      const res = await h.fetch(`${API}${q}`);
      expect(res.headers.get('X-Cache')).toBe('HIT');
      expect(res.headers.get('ETag')).toBe(a.headers.get('ETag'));
    }
    expect(up.calls).toHaveLength(1);
  });

  it('50 concurrent misses for one id make exactly one upstream call', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const up = upstream(async () => {
      await gate;
      return json(upstreamJob());
    });
    const h = harness({ upstream: up });
    const all = Array.from({ length: 50 }, () => h.fetch(API));
    await new Promise((r) => setTimeout(r, 10));
    release();
    const responses = await Promise.all(all);
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(up.calls).toHaveLength(1);
  });

  it('50 concurrent misses against an instant upstream still make one call', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const responses = await Promise.all(Array.from({ length: 50 }, () => h.fetch(API)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(up.calls).toHaveLength(1);
  });

  it('stale-while-revalidate: serves the old copy at once and refreshes in the background', async () => {
    const c = clock();
    let score = 70;
    const up = upstream(() => json(upstreamJob({ best_score: score })));
    const h = harness({ upstream: up, clock: c });
    await h.fetch(API);
    score = 71;
    c.advance(3600 + 30);
    const stale = await h.fetch(API);
    expect(stale.headers.get('X-Cache')).toBe('STALE');
    expect(stale.headers.get('X-Cache-Reason')).toBe('revalidating');
    expect(stale.headers.get('Age')).toBe('3630');
    expect((await body(stale)).best_score).toBe(70);
    // The background refresh ran (waitOnExecutionContext waited for it).
    expect(up.calls).toHaveLength(2);
    const fresh = await h.fetch(API);
    expect(fresh.headers.get('X-Cache')).toBe('HIT');
    expect((await body(fresh)).best_score).toBe(71);
  });

  it('stale-while-revalidate keeps the old copy when the background refresh fails', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    await h.fetch(API);
    up.respond(() => json({ detail: 'x' }, 500));
    c.advance(3600 + 30);
    expect((await h.fetch(API)).headers.get('X-Cache')).toBe('STALE');
    expect(h.logs.some((l) => l.event === 'revalidate_failed')).toBe(true);
    const again = await h.fetch(API);
    expect(again.status).toBe(200);
    expect(again.headers.get('X-Cache')).toBe('STALE');
  });

  it('stale-if-error: a failing upstream gets the good copy, marked, for up to 24 h', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    const good = await h.fetch(API);
    const goodBody = await good.text();
    const failures: [() => Response | Promise<Response>, string][] = [
      [() => json({ detail: 'x' }, 500), 'upstream_unavailable'],
      [() => json({ detail: 'x' }, 429, { 'Retry-After': '5' }), 'upstream_rate_limited'],
      [() => json({ detail: 'x' }, 401), 'upstream_auth'],
      [() => new Response('<html>', { headers: { 'Content-Type': 'text/html' } }), 'upstream_invalid'],
      [() => json(upstreamJob({ iterations: 'nope' })), 'upstream_invalid'],
      [() => Promise.reject(new TypeError('reset')), 'upstream_unavailable'],
    ];
    c.advance(3600 + 61);
    for (const [mode, reason] of failures) {
      up.respond(mode);
      const res = await h.fetch(API);
      expect(res.status, reason).toBe(200);
      expect(res.headers.get('X-Cache')).toBe('STALE');
      expect(res.headers.get('X-Cache-Reason')).toBe(reason);
      // The memory tier's copy answered; the failed source call is timed after it.
      expect(res.headers.get('Server-Timing')).toMatch(
        new RegExp(`^memory;desc="stale: ${reason}", source;dur=\\d+(\\.\\d)?$`),
      );
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=0, stale-if-error=86400');
      expect(await res.text()).toBe(goodBody);
    }
    c.advance(86_400);
    up.respond(() => json({ detail: 'x' }, 500));
    const tooOld = await h.fetch(API);
    expect(tooOld.status).toBe(502);
  });

  it('a bad answer never replaces the good copy', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    const goodEtag = (await h.fetch(API)).headers.get('ETag');
    c.advance(3600 + 61);
    up.respond(() => json(upstreamJob({ best_score: 'NaN' })));
    await h.fetch(API);
    up.respond(() => json({ detail: 'x' }, 500));
    const res = await h.fetch(API);
    expect(res.headers.get('ETag')).toBe(goodEtag);
  });

  it('404s are remembered for 30 s, then asked again', async () => {
    const c = clock();
    const up = upstream(() => json({ detail: 'Not found.', code: 'not_found' }, 404));
    const h = harness({ upstream: up, clock: c });
    expect((await h.fetch(API)).status).toBe(404);
    c.advance(29);
    expect((await h.fetch(API)).status).toBe(404);
    expect(up.calls).toHaveLength(1);
    c.advance(2);
    up.respond(() => json(upstreamJob()));
    expect((await h.fetch(API)).status).toBe(200);
    expect(up.calls).toHaveLength(2);
  });

  it('Server-Timing names the tier that answered and times the source call', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const first = harness({ upstream: up, clock: c });
    const miss = await first.fetch(API);
    expect(miss.headers.get('Server-Timing')).toMatch(/^source;dur=\d+(\.\d)?;desc="miss"$/);
    expect((await first.fetch(API)).headers.get('Server-Timing')).toBe('memory;desc="hit"');
    const second = harness({ upstream: up, clock: c, cacheName: first.cacheName });
    expect((await second.fetch(API)).headers.get('Server-Timing')).toBe('cache;desc="hit"');
    c.advance(3600 + 61);
    expect((await first.fetch(API)).headers.get('Server-Timing')).toMatch(
      /^source;dur=\d+(\.\d)?;desc="revalidated"$/,
    );
    expect(up.calls).toHaveLength(2);
  });

  it('the Cache API tier serves a new isolate without the upstream', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const first = harness({ upstream: up, clock: c });
    const etag = (await first.fetch(API)).headers.get('ETag');
    const second = harness({ upstream: up, clock: c, cacheName: first.cacheName });
    c.advance(5);
    const res = await second.fetch(API);
    expect(res.headers.get('X-Cache')).toBe('HIT');
    expect(res.headers.get('ETag')).toBe(etag);
    expect(res.headers.get('Age')).toBe('5');
    expect(up.calls).toHaveLength(1);
  });

  it('the memory tier stays within MEMORY_CACHE_BYTES, as /healthz reports', async () => {
    const up = upstream((req) => {
      const id = /jobs\/([^/]+)\//.exec(req.url)?.[1] ?? '';
      return json(upstreamJob({ id }));
    });
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, MEMORY_CACHE_BYTES: '20000' } });
    for (let i = 0; i < 60; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      expect((await h.fetch(`/api/jobs/${id}/`)).status).toBe(200);
      const health = (await (await h.fetch('/healthz')).json()) as {
        memory_cache: { bytes: number; max_bytes: number; entries: number };
      };
      expect(health.memory_cache.max_bytes).toBe(20000);
      expect(health.memory_cache.bytes).toBeLessThanOrEqual(20000);
      expect(health.memory_cache.entries).toBeGreaterThan(0);
    }
    expect(up.calls).toHaveLength(60);
  });

  it('does not mix copies from different upstreams', async () => {
    const up = upstream(() => json(upstreamJob()));
    const first = harness({ upstream: up });
    await first.fetch(API);
    const demo = harness({ env: { UPSTREAM_URL: '' }, cacheName: first.cacheName });
    const res = await demo.fetch(API);
    expect(res.status).toBe(404);
  });
});

describe('per-client miss limit', () => {
  function limiter(allow: number) {
    const keys: string[] = [];
    return {
      keys,
      binding: {
        limit: async ({ key }: { key: string }) => {
          keys.push(key);
          return { success: keys.length <= allow };
        },
      },
    };
  }

  it('counts only upstream misses, per CF-Connecting-IP, and answers 429 past the budget', async () => {
    const l = limiter(1);
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, UPSTREAM_MISS_LIMITER: l.binding } });
    const headers = { 'CF-Connecting-IP': '203.0.113.9' };
    expect((await h.fetch(API, { headers })).status).toBe(200);
    expect((await h.fetch(API, { headers })).headers.get('X-Cache')).toBe('HIT');
    expect(l.keys).toEqual(['203.0.113.9']);
    const res = await h.fetch(`/api/jobs/${OTHER_ID}/`, { headers });
    expect(res.status).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('60');
    // About this client's budget: no shared cache may keep it.
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect((await body(res)).code).toBe('rate_limited');
    expect(up.calls).toEqual([JOB_ID]);
  });

  it('a limited client still gets a stale copy, and MISS_RATE_LIMIT=off turns the limit off', async () => {
    const c = clock();
    const l = limiter(1);
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c, env: { ...UPSTREAM_ENV, UPSTREAM_MISS_LIMITER: l.binding } });
    await h.fetch(API);
    c.advance(3600 + 61);
    const res = await h.fetch(API);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache-Reason')).toBe('rate_limited');
    // The stale copy is shown because of this client's budget: never stored for others.
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.headers.get('Cache-Tag')).toBe(JOB_ID);

    const off = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, UPSTREAM_MISS_LIMITER: limiter(0).binding, MISS_RATE_LIMIT: 'off' },
    });
    expect((await off.fetch(API)).status).toBe(200);
  });
});
