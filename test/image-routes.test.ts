import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../src/demo-data';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import { clock, harness, json, strictUpstreams } from './helpers';

// The image routes as a client sees them: versioned immutable URLs, redirects of
// outdated versions, ETags, render-once caching, stale pictures, and query validation.

const BASE = `/jobs/${JOB_ID}`;
const upstream = strictUpstreams();

function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  sig.forEach((b, i) => expect(bytes[i]).toBe(b));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(String.fromCharCode(...bytes.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgRoot(text: string): Record<string, string> {
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text) as {
    svg: Record<string, string>;
  };
  return doc.svg;
}

async function currentVersion(h: ReturnType<typeof harness>): Promise<string> {
  const res = await h.fetch(`${BASE}/og.a00000000000.png`);
  expect(res.status).toBe(302);
  const m = /og\.([0-9a-f]{12})\.png$/.exec(res.headers.get('Location') ?? '');
  expect(m).not.toBeNull();
  return m?.[1] ?? '';
}

describe('card and badge routes', () => {
  it('every demo job has a 1200×630 PNG and SVG card in both themes, and a badge', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    for (const raw of DEMO_JOBS) {
      const id = (raw as { id: string }).id;
      for (const theme of ['light', 'dark']) {
        const png = await h.fetch(`/jobs/${id}/og.png?theme=${theme}`);
        expect(png.status).toBe(200);
        expect(png.headers.get('Content-Type')).toBe('image/png');
        expect(pngSize(new Uint8Array(await png.arrayBuffer()))).toEqual({ width: 1200, height: 630 });
        const svg = await h.fetch(`/jobs/${id}/og.svg?theme=${theme}`);
        expect(svg.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
        const root = svgRoot(await svg.text());
        expect([root.width, root.height]).toEqual(['1200', '630']);
      }
      const badge = await h.fetch(`/jobs/${id}/badge.svg`);
      expect(badge.status).toBe(200);
      expect(badge.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
      svgRoot(await badge.text());
    }
  });

  it('a versioned URL is immutable; the unversioned one follows the job status with an ETag', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const v = await currentVersion(h);
    for (const file of [`og.${v}.png`, `og.${v}.svg`, `badge.${v}.svg`]) {
      const res = await h.fetch(`${BASE}/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    }
    const latest = await h.fetch(`${BASE}/og.png`);
    expect(latest.headers.get('Cache-Control')).toMatch(/^public, max-age=3600,/);
    const etag = latest.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    const again = await h.fetch(`${BASE}/og.png`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('a running job has short-lived unversioned images', async () => {
    const up = upstream(() => json(upstreamJob({ status: 'running' })));
    const res = await harness({ upstream: up }).fetch(`${BASE}/badge.svg`);
    expect(res.headers.get('Cache-Control')).toMatch(/^public, max-age=10,/);
  });

  it('an outdated version redirects to the current one with a short cache, keeping the query', async () => {
    const c = clock();
    let score = 75;
    const up = upstream(() => json(upstreamJob({ best_score: score })));
    const h = harness({ upstream: up, clock: c });
    const v1 = await currentVersion(h);
    score = 80;
    c.advance(3600 + 61);
    const res = await h.fetch(`${BASE}/og.${v1}.png?theme=dark`);
    expect(res.status).toBe(302);
    const loc = res.headers.get('Location') ?? '';
    const v2 = /og\.([0-9a-f]{12})\.png/.exec(loc)?.[1];
    expect(v2).toBeDefined();
    expect(v2).not.toBe(v1);
    expect(loc).toBe(`/jobs/${JOB_ID}/og.${v2}.png?theme=dark`);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=3600');
    const badge = await h.fetch(`${BASE}/badge.${v1}.svg?style=flat-square`);
    expect(badge.status).toBe(302);
    expect(badge.headers.get('Location')).toBe(`/jobs/${JOB_ID}/badge.${v2}.svg?style=flat-square`);
  });

  it('renders each picture once, whatever the query noise, and again for another parameter', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    for (const q of ['', '?x=1', '?theme=light', '?utm_source=slack&theme=light']) {
      expect((await h.fetch(`${BASE}/og.png${q}`)).status).toBe(200);
    }
    expect(h.renders.filter((k) => k === 'og.png')).toHaveLength(1);
    await h.fetch(`${BASE}/og.png?theme=dark`);
    expect(h.renders.filter((k) => k === 'og.png')).toHaveLength(2);
    for (let i = 0; i < 3; i++) await h.fetch(`${BASE}/badge.svg?label=coverage`);
    expect(h.renders.filter((k) => k === 'badge.svg')).toHaveLength(1);
    expect(up.calls).toHaveLength(1);
  });

  it('concurrent requests for one uncached picture render it once', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const all = await Promise.all(Array.from({ length: 20 }, () => h.fetch(`${BASE}/og.png`)));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(h.renders.filter((k) => k === 'og.png')).toHaveLength(1);
  });

  it('a rendered picture survives into a new isolate through the Cache API', async () => {
    const up = upstream(() => json(upstreamJob()));
    const first = harness({ upstream: up });
    const a = await first.fetch(`${BASE}/og.png`);
    const second = harness({ upstream: up, cacheName: first.cacheName });
    const b = await second.fetch(`${BASE}/og.png`);
    expect(b.headers.get('ETag')).toBe(a.headers.get('ETag'));
    expect(second.renders).toEqual([]);
  });

  it('when the upstream fails, the last good picture is served, marked, not an error picture', async () => {
    const c = clock();
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up, clock: c });
    const good = new Uint8Array(await (await h.fetch(`${BASE}/og.png`)).arrayBuffer());
    const goodBadge = await (await h.fetch(`${BASE}/badge.svg`)).text();
    c.advance(3600 + 61);
    up.respond(() => json({ detail: 'down' }, 503));
    const res = await h.fetch(`${BASE}/og.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Cache')).toBe('STALE');
    expect(res.headers.get('X-Cache-Reason')).toBe('upstream_unavailable');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(good);
    const badge = await h.fetch(`${BASE}/badge.svg`);
    expect(badge.status).toBe(200);
    expect(await badge.text()).toBe(goodBadge);
    expect(h.renders.filter((k) => k === 'og.png')).toHaveLength(1);
  });

  it('badge.json is a shields.io endpoint document, with CORS', async () => {
    const up = upstream(() => json(upstreamJob()));
    const res = await harness({ upstream: up }).fetch(`${BASE}/badge.json?label=score&metric=improvement`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ schemaVersion: 1, label: 'score', cacheSeconds: 3600 });
    expect(typeof doc.message).toBe('string');
    expect(doc.message).toMatch(/\+12\.5/);
    expect(typeof doc.color).toBe('string');
  });

  it('badge widths grow with the label and differ between styles', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    const width = async (q: string) =>
      Number(svgRoot(await (await h.fetch(`${BASE}/badge.svg${q}`)).text()).width);
    const short = await width('?label=a');
    const long = await width('?label=a%20much%20longer%20label%20here');
    expect(long).toBeGreaterThan(short + 50);
    const flat = await width('');
    const square = await width('?style=flat-square');
    const big = await width('?style=for-the-badge');
    expect(big).not.toBe(flat);
    expect(square).toBe(flat);
  });
});

describe('image query validation', () => {
  const bad: [string, RegExp][] = [
    ['og.png?theme=blue', /theme must be one of light, dark/],
    ['og.svg?theme=', /theme must be one of light, dark/],
    ['badge.json?metric=worst', /metric must be one of best, improvement, baseline/],
    [`badge.json?label=${'x'.repeat(41)}`, /label must be at most 40 characters/],
  ];
  for (const [path, detail] of bad) {
    it(`${path.slice(0, 40)} → 400 JSON`, async () => {
      const up = upstream(() => json(upstreamJob()));
      const res = await harness({ upstream: up }).fetch(`${BASE}/${path}`);
      expect(res.status).toBe(400);
      const b = (await res.json()) as { code: string; detail: string };
      expect(b.code).toBe('invalid_query');
      expect(b.detail).toMatch(detail);
      expect(up.calls).toEqual([]);
    });
  }

  it('a bad badge query answers 400 as a badge that explains itself', async () => {
    const up = upstream(() => json(upstreamJob()));
    const h = harness({ upstream: up });
    for (const [q, text] of [
      ['?style=plastic', 'style must be one of'],
      ['?theme=blue', 'theme must be one of'],
      [`?label=${'y'.repeat(41)}`, 'label must be at most 40'],
      ['?metric=nope', 'metric must be one of'],
    ] as const) {
      const res = await h.fetch(`${BASE}/badge.svg${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
      const svg = await res.text();
      svgRoot(svg);
      expect(svg).toContain(text);
    }
  });

  it('an unknown job answers 404 with a "job not found" badge; other routes 404 JSON', async () => {
    const up = upstream(() => json({ detail: 'Not found.', code: 'not_found' }, 404));
    const h = harness({ upstream: up });
    const badge = await h.fetch(`${BASE}/badge.svg`);
    expect(badge.status).toBe(404);
    expect(badge.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
    expect(await badge.text()).toContain('job not found');
    const card = await h.fetch(`${BASE}/og.png`);
    expect(card.status).toBe(404);
    expect(((await card.json()) as { code: string }).code).toBe('not_found');
  });

  it('unknown image names and malformed versions are 404s; a bad id is 400', async () => {
    const h = harness({ upstream: upstream(() => json(upstreamJob())) });
    for (const file of [
      'og.gif',
      'badge.png',
      'og.json',
      'og.XYZ.png',
      'og.123.png',
      'badge.a00000000000.json',
    ]) {
      expect((await h.fetch(`${BASE}/${file}`)).status, file).toBe(404);
    }
    const bad = await h.fetch('/jobs/nope/badge.svg');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('invalid job id');
  });

  it('markup in the label never escapes the badge SVG', async () => {
    const up = upstream(() => json(upstreamJob({ prompt_slug: '</svg><script>alert(1)</script>' })));
    const h = harness({ upstream: up });
    const res = await h.fetch(`${BASE}/badge.svg?label=${encodeURIComponent('"><script>x</script>')}`);
    const svg = await res.text();
    svgRoot(svg);
    expect(svg).not.toMatch(/<script/i);
  });
});
