import { describe, expect, it } from 'vitest';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import { API_KEY, clock, harness, json, UPSTREAM_ENV, strictUpstreams, type Handler } from './helpers';

// Every upstream fault × every route × every cache state, in one table. Each cell states
// the status, the error code or cache state, and what the cache holds afterwards.

const TIMEOUT_MS = 150;
const ENV = { ...UPSTREAM_ENV, UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) };

const hang: Handler = (req) =>
  new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason)));

const MODES: Record<string, { handler: Handler; status: number; code: string; retryAfter?: string }> = {
  'slow, within the timeout': {
    handler: async () => {
      await new Promise((r) => setTimeout(r, 20));
      return json(upstreamJob());
    },
    status: 200,
    code: '',
  },
  timeout: { handler: hang, status: 504, code: 'upstream_timeout' },
  '500': {
    handler: () => json({ detail: 'boom', error_id: 'e1' }, 500),
    status: 502,
    code: 'upstream_unavailable',
  },
  '502': {
    handler: () => new Response('bad gateway', { status: 502 }),
    status: 502,
    code: 'upstream_unavailable',
  },
  '503': {
    handler: () => new Response('unavailable', { status: 503 }),
    status: 502,
    code: 'upstream_unavailable',
  },
  '429 with Retry-After': {
    handler: () => json({ detail: 'throttled' }, 429, { 'Retry-After': '7' }),
    status: 503,
    code: 'upstream_rate_limited',
    retryAfter: '7',
  },
  '429 without Retry-After': {
    handler: () => json({ detail: 'throttled' }, 429),
    status: 503,
    code: 'upstream_rate_limited',
    retryAfter: '30',
  },
  '401': {
    handler: () => json({ detail: 'no', code: 'not_authenticated' }, 401),
    status: 502,
    code: 'upstream_auth',
  },
  '403': { handler: () => json({ detail: 'forbidden' }, 403), status: 502, code: 'upstream_auth' },
  '404 JSON': {
    handler: () => json({ detail: 'Not found.', code: 'not_found' }, 404),
    status: 404,
    code: 'not_found',
  },
  '404 HTML': {
    handler: () =>
      new Response('<h1>Not Found</h1>', { status: 404, headers: { 'Content-Type': 'text/html' } }),
    status: 502,
    code: 'upstream_invalid',
  },
  'connection reset': {
    handler: () => Promise.reject(new TypeError('Network connection lost.')),
    status: 502,
    code: 'upstream_unavailable',
  },
  'truncated JSON': {
    handler: () =>
      new Response(JSON.stringify(upstreamJob()).slice(0, 300), {
        headers: { 'Content-Type': 'application/json' },
      }),
    status: 502,
    code: 'upstream_invalid',
  },
  'JSON breaking the schema': {
    handler: () => json(upstreamJob({ baseline_score: 'high' })),
    status: 502,
    code: 'upstream_invalid',
  },
  '20 MB body': {
    handler: () =>
      new Response(JSON.stringify(upstreamJob({ report_markdown: 'x'.repeat(20 * 1024 * 1024) })), {
        headers: { 'Content-Type': 'application/json' },
      }),
    status: 502,
    code: 'upstream_invalid',
  },
  'body that trickles': {
    handler: (req) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id": "'));
          req.signal.addEventListener('abort', () => controller.error(req.signal.reason));
        },
      });
      return new Response(stream, { headers: { 'Content-Type': 'application/json' } });
    },
    status: 504,
    code: 'upstream_timeout',
  },
};

type Format = 'json' | 'html' | 'png' | 'svg';

const ROUTES: { path: string; ok: Format; error: Format }[] = [
  { path: `/api/jobs/${JOB_ID}/`, ok: 'json', error: 'json' },
  { path: `/jobs/${JOB_ID}`, ok: 'html', error: 'html' },
  { path: `/jobs/${JOB_ID}/og.png`, ok: 'png', error: 'json' },
  { path: `/jobs/${JOB_ID}/og.svg`, ok: 'svg', error: 'json' },
  { path: `/jobs/${JOB_ID}/badge.svg`, ok: 'svg', error: 'svg' },
  { path: `/jobs/${JOB_ID}/badge.json`, ok: 'json', error: 'json' },
];

const CONTENT_TYPES: Record<Format, RegExp> = {
  json: /^application\/json/,
  html: /^text\/html/,
  png: /^image\/png$/,
  svg: /^image\/svg\+xml/,
};

type CacheStateName = 'cold' | 'fresh copy' | 'stale copy';
const STATES: CacheStateName[] = ['cold', 'fresh copy', 'stale copy'];

const strictUpstream = strictUpstreams();

describe('fault matrix', () => {
  for (const [modeName, mode] of Object.entries(MODES)) {
    for (const state of STATES) {
      it(`${modeName} × ${state}`, async () => {
        for (const route of ROUTES) {
          const c = clock();
          const up = strictUpstream(() => json(upstreamJob()));
          const h = harness({ upstream: up, clock: c, env: ENV });
          if (state !== 'cold') {
            expect((await h.fetch(route.path)).status).toBe(200);
            c.advance(state === 'fresh copy' ? 60 : 3600 + 61);
          }
          up.respond(mode.handler);
          const callsBefore = up.calls.length;
          const res = await h.fetch(route.path);
          const label = `${route.path} ${modeName} ${state}`;
          const text = route.ok === 'png' && res.status === 200 ? '' : await res.text();
          expect(res.status, label).not.toBe(500);
          expect(text).not.toContain(API_KEY);

          if (state === 'fresh copy') {
            // A fresh copy answers without asking the upstream at all.
            expect(res.status, label).toBe(200);
            expect(res.headers.get('X-Cache'), label).toBe('HIT');
            expect(up.calls.length).toBe(callsBefore);
            expect(res.headers.get('Content-Type') ?? '', label).toMatch(CONTENT_TYPES[route.ok]);
            continue;
          }
          expect(up.calls.length, label).toBe(callsBefore + 1);

          if (mode.status === 200) {
            expect(res.status, label).toBe(200);
            expect(res.headers.get('X-Cache'), label).toBe(state === 'cold' ? 'MISS' : 'REVALIDATED');
            expect(res.headers.get('Content-Type') ?? '', label).toMatch(CONTENT_TYPES[route.ok]);
            continue;
          }

          if (state === 'stale copy' && mode.code !== 'not_found') {
            // The last good copy stands in for every upstream failure, and says so.
            expect(res.status, label).toBe(200);
            expect(res.headers.get('X-Cache'), label).toBe('STALE');
            expect(res.headers.get('X-Cache-Reason'), label).toBe(mode.code);
            expect(res.headers.get('Content-Type') ?? '', label).toMatch(CONTENT_TYPES[route.ok]);
          } else {
            // No copy (or a job the upstream says is gone): the mapped error, in the route's format.
            expect(res.status, label).toBe(mode.status);
            expect(res.headers.get('Content-Type') ?? '', label).toMatch(CONTENT_TYPES[route.error]);
            expect(res.headers.get('X-Error-Code'), label).toBe(mode.code);
            if (route.error === 'json')
              expect((JSON.parse(text) as { code: string }).code, label).toBe(mode.code);
            if (mode.retryAfter) expect(res.headers.get('Retry-After'), label).toBe(mode.retryAfter);
          }

          // What the cache holds afterwards: a 404 is remembered; nothing else bad is cached.
          up.respond(() => json(upstreamJob()));
          const next = await h.fetch(route.path);
          if (mode.code === 'not_found') {
            expect(next.status, label).toBe(404);
            expect(up.calls.length, label).toBe(callsBefore + 1);
          } else {
            expect(next.status, label).toBe(200);
            expect(up.calls.length, label).toBe(callsBefore + 2);
            expect(next.headers.get('X-Cache'), label).toBe(state === 'cold' ? 'MISS' : 'REVALIDATED');
          }
          await next.arrayBuffer();
        }
      });
    }
  }
});

describe('Retry-After as an HTTP date', () => {
  it('counts from the clock the worker is given, not the platform’s', async () => {
    const c = clock();
    const up = strictUpstream(() =>
      json({ detail: 'throttled' }, 429, { 'Retry-After': new Date(c.now() + 42_000).toUTCString() }),
    );
    const h = harness({ upstream: up, clock: c, env: ENV });
    const res = await h.fetch(`/api/jobs/${JOB_ID}/`);
    expect(res.status).toBe(503);
    expect(res.headers.get('X-Error-Code')).toBe('upstream_rate_limited');
    expect(res.headers.get('Retry-After')).toBe('42');
  });
});
