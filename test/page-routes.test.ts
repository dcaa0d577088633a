import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../src/demo-data';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import { clock, harness, json, strictUpstreams, UPSTREAM_ENV } from './helpers';

// The report page and the index as a client sees them: headers, caching, sharing
// metadata, live pages, stale banners, HTML error pages and the abuse limits.

const PAGE = `/jobs/${JOB_ID}`;
const upstream = strictUpstreams();

function meta(html: string, key: string): string | undefined {
  const doc = parseDocument(html);
  const el = DomUtils.findOne(
    (e) => e.name === 'meta' && (e.attribs.property === key || e.attribs.name === key),
    doc.children,
  );
  return el?.attribs.content;
}

describe('GET /jobs/{id}', () => {
  it('answers HTML with the security headers and a strict CSP', async () => {
    const up = upstream(() => json(upstreamJob()));
    const res = await harness({ upstream: up }).fetch(PAGE);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Referrer-Policy')).toBe('strict-origin-when-cross-origin');
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script/i);
  });

  it('follows the job status for caching and answers 304 to its ETag', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const res = await h.fetch(PAGE);
    expect(res.headers.get('Cache-Control')).toMatch(/^public, max-age=3600,/);
    const etag = res.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    const again = await h.fetch(PAGE, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(h.renders.filter((k) => k === 'report')).toHaveLength(1);
    expect(up.calls).toHaveLength(1);

    const running = upstream(() => json(upstreamJob({ status: 'running', best_score: null })));
    const live = await harness({ upstream: running }).fetch(PAGE);
    expect(live.headers.get('Cache-Control')).toMatch(/^public, max-age=10,/);
  });

  it('unfurls: title, description, canonical and Open Graph tags with the versioned card', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const html = await (await h.fetch(PAGE)).text();
    expect(meta(html, 'og:title')).toBe('support-triage-agent');
    expect(meta(html, 'og:url')).toBe(`https://edge.test${PAGE}`);
    expect(meta(html, 'og:image')).toMatch(
      new RegExp(`^https://edge\\.test${PAGE}/og\\.[0-9a-f]{12}\\.png$`),
    );
    expect(meta(html, 'og:image:width')).toBe('1200');
    expect(meta(html, 'og:image:height')).toBe('630');
    expect(meta(html, 'twitter:card')).toBe('summary_large_image');
    expect(meta(html, 'description')).toMatch(/62\.5.*75\.0/);
    expect(html).toContain(`<link rel="canonical" href="https://edge.test${PAGE}"/>`);
    // The card URL in og:image is served, immutable.
    const card = await h.fetch(new URL(meta(html, 'og:image') ?? '').pathname);
    expect(card.status).toBe(200);
    expect(card.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
  });

  it('takes absolute URLs from PUBLIC_ORIGIN or the request, never from forwarded-host headers', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const spoofed = await h.fetch(PAGE, {
      headers: {
        'X-Forwarded-Host': 'evil.example',
        Forwarded: 'host=evil.example',
        'X-Forwarded-Proto': 'http',
      },
    });
    const html = await spoofed.text();
    expect(html).not.toContain('evil.example');
    expect(meta(html, 'og:url')).toBe(`https://edge.test${PAGE}`);

    const configured = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, PUBLIC_ORIGIN: 'https://reports.example.com' },
      cacheName: h.cacheName,
    });
    const page = await (await configured.fetch(PAGE)).text();
    expect(meta(page, 'og:url')).toBe(`https://reports.example.com${PAGE}`);
    expect(page).not.toContain('https://edge.test');
  });

  it('a page cached for one host never carries its URLs to another', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    await h.fetch(`https://a.example${PAGE}`);
    const other = await (await h.fetch(`https://b.example${PAGE}`)).text();
    expect(other).not.toContain('a.example');
    expect(meta(other, 'og:url')).toBe(`https://b.example${PAGE}`);
  });

  it('no page refreshes itself: the page of an active job has its live script, a finished one none', async () => {
    // The live page in detail: test/live-page.test.ts.
    const running = upstream(() => json(upstreamJob({ status: 'running' })));
    const live = await harness({ upstream: running }).fetch(PAGE);
    const liveHtml = await live.text();
    expect(liveHtml).not.toContain('http-equiv');
    expect(liveHtml.match(/<script/g)).toHaveLength(1);
    expect(live.headers.get('Content-Security-Policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+';/);
    const done = upstream(() => json(upstreamJob()));
    const finished = await (await harness({ upstream: done }).fetch(PAGE)).text();
    expect(finished).not.toContain('http-equiv');
    expect(finished).not.toMatch(/<script/i);
  });

  it('shows a banner when a stale copy stands in for a failing upstream', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    const fresh = await (await h.fetch(PAGE)).text();
    expect(fresh).not.toMatch(/stale|unavailable/i);
    c.advance(3600 + 61);
    up.respond(() => json({ detail: 'x' }, 503));
    const res = await h.fetch(PAGE);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache')).toBe('STALE');
    expect(await res.text()).toMatch(/upstream failed with status 503/);
  });

  it('answers errors as HTML pages with the right status', async () => {
    const cases: [string, () => Response | Promise<Response>, number, RegExp][] = [
      ['/jobs/not-a-uuid', () => json(upstreamJob()), 400, /must be a UUID/],
      [PAGE, () => json({ detail: 'Not found.', code: 'not_found' }, 404), 404, /Not found/],
      [PAGE, () => json({ detail: 'x' }, 500), 502, /upstream failed with status 500/],
      [PAGE, () => json({ detail: 'x' }, 401), 502, /refused this service(&#39;|')s API key/],
    ];
    for (const [path, respond, status, text] of cases) {
      const up = upstream(respond);
      const res = await harness({ upstream: up }).fetch(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('Content-Security-Policy')).toMatch(/^default-src 'none'/);
      const html = await res.text();
      expect(html).toMatch(text);
      expect(DomUtils.findAll((e) => e.name === 'h1', parseDocument(html).children).length).toBe(1);
    }
    const timeout = upstream(
      (req) =>
        new Promise<Response>((_, reject) =>
          req.signal.addEventListener('abort', () => reject(req.signal.reason)),
        ),
    );
    const slow = await harness({
      upstream: timeout,
      env: { ...UPSTREAM_ENV, UPSTREAM_TIMEOUT_MS: '50' },
    }).fetch(PAGE);
    expect(slow.status).toBe(504);
    expect(slow.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const missing = await harness({ upstream: upstream(() => json(upstreamJob())) }).fetch('/nowhere/at/all');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
  });
});

describe('GET /', () => {
  it('lists every demo job with its status in demo mode', async () => {
    const res = await harness({ env: { UPSTREAM_URL: '' } }).fetch('/');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const raw of DEMO_JOBS) expect(html).toContain(`/jobs/${(raw as { id: string }).id}`);
    expect(html).toMatch(/Completed/);
    expect(html).toMatch(/Running/);
  });

  it('explains the URL forms in upstream mode, without calling the upstream', async () => {
    const up = upstream(() => json(upstreamJob()));
    const html = await (await harness({ upstream: up }).fetch('/')).text();
    expect(html).toContain('/api/jobs/');
    expect(html).toContain('badge.svg');
    expect(up.calls).toEqual([]);
  });
});

describe('every route answers HEAD like GET, without a body', () => {
  for (const path of [
    '/',
    '/healthz',
    `/api/jobs/${JOB_ID}/`,
    PAGE,
    `${PAGE}/og.png`,
    `${PAGE}/og.svg`,
    `${PAGE}/badge.svg`,
    `${PAGE}/badge.json`,
  ]) {
    it(path, async () => {
      const up = upstream(() => json(upstreamJob()));
      const h = harness({ upstream: up });
      const get = await h.fetch(path);
      const head = await h.fetch(path, { method: 'HEAD' });
      expect(head.status).toBe(get.status);
      expect(head.headers.get('Content-Type')).toBe(get.headers.get('Content-Type'));
      expect(head.headers.get('ETag')).toBe(get.headers.get('ETag'));
      expect(await head.text()).toBe('');
    });
  }
});

describe('abuse limits', () => {
  it('a URL over 2,048 characters → 414, headers over 16 KB → 431, without the upstream', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const long = await h.fetch(`/api/jobs/${JOB_ID}/?q=${'a'.repeat(2100)}`);
    expect(long.status).toBe(414);
    expect(((await long.json()) as { code: string }).code).toBe('uri_too_long');
    const big = await h.fetch(`/api/jobs/${JOB_ID}/`, { headers: { 'X-Padding': 'b'.repeat(17_000) } });
    expect(big.status).toBe(431);
    expect(((await big.json()) as { code: string }).code).toBe('headers_too_large');
    expect(up.calls).toEqual([]);
  });

  it('a request body is never read: POST with one is a 405', async () => {
    const up = upstream(() => json(upstreamJob()));
    const res = await harness({ upstream: up }).fetch(`/api/jobs/${JOB_ID}/`, {
      method: 'POST',
      body: 'x'.repeat(1_000_000),
    });
    expect(res.status).toBe(405);
    expect(up.calls).toEqual([]);
  });
});
