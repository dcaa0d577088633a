import { describe, expect, it } from 'vitest';
import { compareJobs, comparisonVersion } from '../src/comparison';
import { DEMO_JOBS } from '../src/demo-data';
import { formatDelta, formatScore } from '../src/views/common/format';
import { JobSchema } from '../src/schema';
import { SummarySchema } from '../src/summary';
import { byClass, byId, byTag, elements, meta, parse, text } from './fixtures/report-jobs';
import { XSS_JOBS } from './fixtures/xss-jobs';
import { harness, json, strictUpstreams } from './helpers';

// The comparison of two runs, /compare/{base}...{head}: the page and the card, as a client sees them.

// Tests that render dozens of comments, pages or cards get 60 s instead of 5: on a loaded
// two-core machine they take several seconds.
const ORIGIN = 'https://edge.test';
const demoIds = DEMO_JOBS.map((j) => (j as { id: string }).id);
const [BASE, HEAD] = ['8ce33afb-9615-424d-b217-d5d56cda17ef', '7635458b-2945-40ea-8bb6-c8ca90a71ed4'];
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const upstream = strictUpstreams();

function pngSize(bytes: Uint8Array) {
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

async function summary(h: ReturnType<typeof harness>, id: string) {
  return SummarySchema.parse(await (await h.fetch(`/api/jobs/${id}/summary`)).json());
}

describe('the comparison page', () => {
  it(
    'shows both runs, their figures and changes, the dimension table, the chart and its table',
    { timeout: 60_000 },
    async () => {
      const h = harness({ env: { UPSTREAM_URL: '' } });
      const res = await h.fetch(`/compare/${BASE}...${HEAD}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
      expect(res.headers.get('Content-Security-Policy')).not.toMatch(/script-src/);
      const doc = parse(await res.text());
      expect(byTag(doc, 'script')).toHaveLength(0);

      const [b, hd] = [await summary(h, BASE), await summary(h, HEAD)];
      const base = JobSchema.parse(await (await h.fetch(`/api/jobs/${BASE}/`)).json());
      const head = JobSchema.parse(await (await h.fetch(`/api/jobs/${HEAD}/`)).json());
      const cmp = compareJobs(base, head);

      // Side by side: both titles, both statuses, both reports linked.
      const runs = byClass(doc, 'run');
      expect(runs).toHaveLength(2);
      expect(text(runs[0] ?? [])).toContain(b.title);
      expect(text(runs[1] ?? [])).toContain(hd.title);
      const hrefs = byTag(doc, 'a').map((a) => a.attribs.href);
      expect(hrefs).toContain(b.links.report);
      expect(hrefs).toContain(hd.links.report);

      // Figures: this run's value, the base run's, the change.
      const stats = byClass(doc, 'stat').map((s) => text(s).replace(/\s+/g, ' '));
      expect(stats[1]).toContain(formatScore(hd.best_score));
      expect(stats[1]).toContain(`Base run ${formatScore(b.best_score)}`);
      expect(stats[1]).toContain(formatDelta(cmp.best.change));

      // One row per dimension of either best iteration.
      const dims = byId(doc, 'dimensions');
      expect(dims).not.toBeNull();
      expect(
        byTag(dims ?? doc, 'tbody')[0]?.children.filter((c) => 'name' in c && c.name === 'tr'),
      ).toHaveLength(cmp.dimensions.length);

      // One chart (drawn wide and narrow), two series, and its table with a row per position.
      const svgs = byTag(doc, 'svg').filter((s) => (s.attribs.class ?? '').includes('chart'));
      expect(svgs).toHaveLength(2);
      for (const svg of svgs) {
        expect(elements(svg).filter((e) => e.attribs.class === 's-head')).toHaveLength(1);
        expect(elements(svg).filter((e) => e.attribs.class === 's-base-run')).toHaveLength(1);
        expect(svg.attribs['aria-labelledby']).toBeTruthy();
      }
      const chart = byId(doc, 'chart');
      const rows = byTag(byTag(chart ?? doc, 'tbody')[0] ?? doc, 'tr');
      expect(rows).toHaveLength(Math.max(base.iterations.length, head.iterations.length));

      // Unfurls with the comparison card at its versioned URL.
      const version = await comparisonVersion(b.version, hd.version);
      const page = `${ORIGIN}/compare/${BASE}...${HEAD}`;
      expect(byTag(doc, 'link').find((l) => l.attribs.rel === 'canonical')?.attribs.href).toBe(page);
      expect(meta(doc, 'og:image')).toBe(`${page}/og.${version}.png`);
      expect(meta(doc, 'twitter:image')).toBe(`${page}/og.${version}.png`);
      expect(meta(doc, 'og:url')).toBe(page);
      expect(meta(doc, 'twitter:card')).toBe('summary_large_image');
    },
  );

  it('opens for every pair of demo jobs', { timeout: 60_000 }, async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    for (const b of demoIds) {
      for (const hd of demoIds) {
        if (b === hd) continue;
        const res = await h.fetch(`/compare/${b}...${hd}`);
        expect(res.status, `${b}...${hd}`).toBe(200);
        expect(byTag(parse(await res.text()), 'script')).toHaveLength(0);
      }
    }
  });

  it('is cached like the report: ETag and 304, one render per pair of versions', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const first = await h.fetch(`/compare/${BASE}...${HEAD}`);
    const etag = first.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    // A running head keeps the page as fresh as the running job.
    expect(first.headers.get('Cache-Control')).toMatch(/^public, max-age=10,/);
    expect((await h.fetch(`/compare/${BASE}...${HEAD}`, { headers: { 'If-None-Match': etag } })).status).toBe(
      304,
    );
    expect(h.renders.filter((k) => k === 'compare')).toHaveLength(1);
  });

  it('points other spellings at the canonical URL', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const upper = await h.fetch(`/compare/${BASE.toUpperCase()}...${HEAD}?x=1`);
    expect(upper.status).toBe(308);
    expect(upper.headers.get('Location')).toBe(`/compare/${BASE}...${HEAD}?x=1`);
    const slash = await h.fetch(`/compare/${BASE}...${HEAD}/`);
    expect(slash.status).toBe(308);
    expect(slash.headers.get('Location')).toBe(`/compare/${BASE}...${HEAD}`);
  });

  it('answers HTML error pages that name the bad or unknown side', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const cases: [string, number, RegExp][] = [
      [`/compare/${BASE}..${HEAD}`, 404, /three dots/],
      [`/compare/nope...${HEAD}`, 400, /Base job id must be a UUID/],
      [`/compare/${BASE}...nope`, 400, /Head job id must be a UUID/],
      [`/compare/${UNKNOWN}...${HEAD}`, 404, new RegExp(`Base job ${UNKNOWN} was not found`)],
      [`/compare/${BASE}...${UNKNOWN}`, 404, new RegExp(`Head job ${UNKNOWN} was not found`)],
    ];
    for (const [path, status, detail] of cases) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('Content-Type'), path).toBe('text/html; charset=utf-8');
      expect(res.headers.get('Content-Security-Policy'), path).toMatch(/default-src 'none'/);
      expect(text(parse(await res.text())), path).toMatch(detail);
    }
    const post = await h.fetch(`/compare/${BASE}...${HEAD}`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('keeps every XSS fixture inert, on both sides', { timeout: 60_000 }, async () => {
    const byJobId = new Map(XSS_JOBS.map((j) => [String(j.id), j]));
    const up = upstream((req) => {
      const id = /\/api\/jobs\/([^/]+)\//.exec(new URL(req.url).pathname)?.[1] ?? '';
      const j = byJobId.get(id);
      return j ? json(j) : json({ detail: 'Not found.', code: 'not_found' }, 404);
    });
    const h = harness({ upstream: up });
    const ids = [...byJobId.keys()];
    for (const [i, id] of ids.entries()) {
      const other = ids[(i + 1) % ids.length];
      const res = await h.fetch(`/compare/${other}...${id}`);
      expect(res.status, id).toBe(200);
      const doc = parse(await res.text());
      for (const el of elements(doc)) {
        expect(el.name, id).not.toMatch(/^(script|iframe|object|embed|form|input|base|meta-refresh)$/);
        for (const [attr, value] of Object.entries(el.attribs)) {
          expect(attr, `${id}: <${el.name} ${attr}>`).not.toMatch(/^on/i);
          if (attr === 'href' || attr === 'src')
            expect(value, id).toMatch(/^(https:\/\/edge\.test\/|#|\/$|data:image\/svg\+xml)/);
        }
      }
      // The payloads are on the page as text.
      expect(text(doc)).toContain(
        String((byJobId.get(id) as { prompt_slug: string }).prompt_slug)
          .trim()
          .slice(0, 20),
      );
    }
  });
});

describe('the comparison card', () => {
  it(
    'is a 1200×630 PNG and an SVG, in both themes, versioned and immutable',
    { timeout: 60_000 },
    async () => {
      const h = harness({ env: { UPSTREAM_URL: '' } });
      const [b, hd] = [await summary(h, BASE), await summary(h, HEAD)];
      const version = await comparisonVersion(b.version, hd.version);
      for (const theme of ['light', 'dark']) {
        const png = await h.fetch(`/compare/${BASE}...${HEAD}/og.${version}.png?theme=${theme}`);
        expect(png.status).toBe(200);
        expect(png.headers.get('Content-Type')).toBe('image/png');
        expect(png.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
        expect(pngSize(new Uint8Array(await png.arrayBuffer()))).toEqual({ width: 1200, height: 630 });
        const svg = await h.fetch(`/compare/${BASE}...${HEAD}/og.${version}.svg?theme=${theme}`);
        expect(svg.status).toBe(200);
        expect(svg.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
        expect(svg.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
        const body = await svg.text();
        expect(body).toMatch(/^<svg[^>]+width="1200"[^>]+height="630"/);
        expect(body).not.toMatch(/<script/i);
      }
      // The unversioned card follows the jobs.
      const latest = await h.fetch(`/compare/${BASE}...${HEAD}/og.png`);
      expect(latest.status).toBe(200);
      expect(latest.headers.get('Cache-Control')).toMatch(/^public, max-age=10,/);
    },
  );

  it('redirects an outdated version to the current one, and rejects bad input as JSON', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const [b, hd] = [await summary(h, BASE), await summary(h, HEAD)];
    const version = await comparisonVersion(b.version, hd.version);
    const old = await h.fetch(`/compare/${BASE}...${HEAD}/og.000000000000.png?theme=dark`);
    expect(old.status).toBe(302);
    expect(old.headers.get('Location')).toBe(`/compare/${BASE}...${HEAD}/og.${version}.png?theme=dark`);
    const cases: [string, number, string][] = [
      [`/compare/${BASE}...${HEAD}/og.png?theme=blue`, 400, 'invalid_query'],
      [`/compare/nope...${HEAD}/og.png`, 400, 'invalid_id'],
      [`/compare/${BASE}...${UNKNOWN}/og.png`, 404, 'not_found'],
      [`/compare/${BASE}...${HEAD}/badge.svg`, 404, 'not_found'],
    ];
    for (const [path, status, code] of cases) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('Content-Type'), path).toBe('application/json; charset=utf-8');
      expect(((await res.json()) as { code: string }).code, path).toBe(code);
    }
  });

  it('gets a new version when either job changes', async () => {
    expect(await comparisonVersion('aaaaaaaaaaaa', 'bbbbbbbbbbbb')).toMatch(/^[0-9a-f]{12}$/);
    const v = await comparisonVersion('aaaaaaaaaaaa', 'bbbbbbbbbbbb');
    expect(await comparisonVersion('aaaaaaaaaaab', 'bbbbbbbbbbbb')).not.toBe(v);
    expect(await comparisonVersion('aaaaaaaaaaaa', 'bbbbbbbbbbbc')).not.toBe(v);
    expect(await comparisonVersion('bbbbbbbbbbbb', 'aaaaaaaaaaaa')).not.toBe(v);
  });
});
