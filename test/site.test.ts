import { Resvg } from '@resvg/resvg-wasm';
import { describe, expect, it } from 'vitest';
import { BRAND, markSvg } from '../src/views/common/brand';
import { PALETTES } from '../src/views/image/card';
import { STYLESHEET } from '../src/views/html/styles';
import { DEMO_JOBS } from '../src/demo-data';
import { initImages, renderBadgeSvg, renderCardSvg } from '../src/images';
import { EXAMPLE_ID } from '../src/openapi';
import { humanizeDimension } from '../src/present';
import { canonicalPath } from '../src/middleware/canonical';
import { JobSchema } from '../src/schema';
import { importShareKey, mintShareToken } from '../src/share';
import { harness, json, strictUpstreams } from './helpers';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';

// What every public site answers (robots.txt, the icons, /docs), the canonical URL redirects,
// the indexing policy, one brand colour everywhere, and dimension names that keep acronyms.

const DEMO = { UPSTREAM_URL: '' };
const OTHER_ID = DEMO_JOBS.map((j) => (j as { id: string }).id).find((id) => id !== EXAMPLE_ID) as string;
const upstream = strictUpstreams();

/** The RGBA pixels of a PNG, decoded by resvg from an SVG that shows nothing but it. */
async function pixels(png: Uint8Array, size: number): Promise<Uint8Array> {
  await initImages();
  let bin = '';
  for (const b of png) bin += String.fromCharCode(b);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><image width="${size}" height="${size}" href="data:image/png;base64,${btoa(bin)}"/></svg>`;
  const r = new Resvg(svg);
  const image = r.render();
  const out = image.pixels.slice();
  image.free();
  r.free();
  return out;
}

function hexAt(px: Uint8Array, size: number, x: number, y: number): string {
  const i = (y * size + x) * 4;
  return `#${[px[i], px[i + 1], px[i + 2]].map((v) => (v ?? 0).toString(16).padStart(2, '0')).join('')}`;
}

describe('robots.txt and the indexing policy', () => {
  it('answers a robots.txt that closes only the JSON API to crawlers', async () => {
    const h = harness({ env: DEMO });
    const res = await h.fetch('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/plain; charset=UTF-8');
    const text = await res.text();
    expect(text).toMatch(/^User-agent: \*$/m);
    expect(text).toMatch(/^Disallow: \/api\/$/m);
    // Crawlers must be able to fetch the pages, or they could never see a noindex.
    expect(text).not.toMatch(/^Disallow: \/\s*$/m);
    expect(text).not.toMatch(/^Disallow: \/(jobs|s|compare)/m);
    expect(text).toMatch(/INDEXING=on/);
    const off = await harness({ env: { ...DEMO, INDEXING: 'off' } }).fetch('/robots.txt');
    expect(await off.text()).toMatch(/INDEXING=off/);
  });

  it('lets reports be indexed by default, and says noindex on every job answer with INDEXING=off', async () => {
    const on = harness({ env: DEMO });
    const page = await on.fetch(`/jobs/${EXAMPLE_ID}`);
    expect(page.headers.get('X-Robots-Tag')).toBeNull();
    expect(await page.text()).not.toMatch(/<meta name="robots"/);

    const off = harness({ env: { ...DEMO, INDEXING: 'off' } });
    for (const path of [
      `/jobs/${EXAMPLE_ID}`,
      `/jobs/${EXAMPLE_ID}/og.png`,
      `/api/jobs/${EXAMPLE_ID}/summary`,
    ]) {
      const res = await off.fetch(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('X-Robots-Tag'), path).toBe('noindex');
      await res.body?.cancel();
    }
    const html = await (await off.fetch(`/jobs/${EXAMPLE_ID}`)).text();
    expect(html.match(/<meta name="robots" content="noindex">/g)).toHaveLength(1);
    expect(html.indexOf('<meta name="robots"')).toBeLessThan(html.indexOf('</head>'));
    // The index and the reference stay indexable: they name no job's data.
    expect((await off.fetch('/')).headers.get('X-Robots-Tag')).toBeNull();
    expect((await off.fetch('/docs')).headers.get('X-Robots-Tag')).toBeNull();
  });

  it('a share link is never indexed, whatever INDEXING says: header and meta', async () => {
    const secret = 'a-share-secret-of-at-least-32-characters';
    const token = await mintShareToken(await importShareKey(secret), { jobId: EXAMPLE_ID, expiresAt: null });
    const h = harness({ env: { ...DEMO, SHARE_MODE: 'signed', SHARE_SECRET: secret } });
    const res = await h.fetch(`/s/${token}/jobs/${EXAMPLE_ID}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Robots-Tag')).toMatch(/noindex/);
    expect((await res.text()).match(/<meta name="robots" content="noindex">/g)).toHaveLength(1);
  });

  it('error pages are never indexed, and carry one robots meta', async () => {
    const res = await harness({ env: DEMO }).fetch('/jobs/not-a-uuid');
    expect(res.status).toBe(400);
    expect((await res.text()).match(/<meta name="robots" content="noindex"\/?>/g)).toHaveLength(1);
  });
});

describe('icons', () => {
  it('/favicon.ico is an ICO of PNGs at 16, 32 and 48 px, in the brand colour', async () => {
    const h = harness({ env: DEMO });
    const res = await h.fetch('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/x-icon');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const v = new DataView(bytes.buffer);
    expect([v.getUint16(0, true), v.getUint16(2, true), v.getUint16(4, true)]).toEqual([0, 1, 3]);
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const e = 6 + 16 * i;
      const size = v.getUint8(e);
      sizes.push(size);
      expect(v.getUint16(e + 4, true)).toBe(1);
      expect(v.getUint16(e + 6, true)).toBe(32);
      const length = v.getUint32(e + 8, true);
      const offset = v.getUint32(e + 12, true);
      expect(offset + length).toBeLessThanOrEqual(bytes.byteLength);
      const png = bytes.subarray(offset, offset + length);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const ihdr = new DataView(png.buffer, png.byteOffset + 16, 8);
      expect([ihdr.getUint32(0), ihdr.getUint32(4)]).toEqual([size, size]);
      const px = await pixels(png, size);
      // Inside the square, away from the ring: the brand; on the ring: white.
      expect(hexAt(px, size, Math.round(size * 0.12), Math.round(size / 2))).toBe(BRAND.light);
      expect(hexAt(px, size, Math.floor(size / 2), Math.floor(size / 2))).toBe(BRAND.light);
      // The ring's top runs from 10 to 14 of the mark's 36 units.
      expect(hexAt(px, size, Math.floor(size / 2), Math.floor((size * 12) / 36))).toBe('#ffffff');
    }
    expect(sizes).toEqual([16, 32, 48]);
    const etag = res.headers.get('ETag') ?? '';
    expect((await h.fetch('/favicon.ico', { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('/icon.svg is the mark, in the brand colour, unable to run anything', async () => {
    const res = await harness({ env: DEMO }).fetch('/icon.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
    const svg = await res.text();
    expect(svg).toBe(markSvg());
    expect(svg).toContain(`fill="${BRAND.light}"`);
  });
});

describe('one brand colour', () => {
  it('the pages, the cards, the badge, the logo and the icons all use BRAND', async () => {
    expect(PALETTES.light.accent).toBe(BRAND.light);
    expect(PALETTES.dark.accent).toBe(BRAND.dark);
    expect(STYLESHEET).toContain(`--brand: ${BRAND.light};`);
    expect(STYLESHEET).toContain(`--brand: ${BRAND.dark};`);
    const job = JobSchema.parse(upstreamJob({ status: 'completed' }));
    expect(await renderCardSvg(job, { theme: 'light' })).toContain(BRAND.light);
    expect(await renderCardSvg(job, { theme: 'dark' })).toContain(BRAND.dark);
    // A running job's badge wears the neutral colour, which is the brand.
    const running = JobSchema.parse(upstreamJob({ status: 'running', best_score: null, iterations: [] }));
    const badge = await renderBadgeSvg(running, { metric: 'best', style: 'flat', theme: 'light' });
    expect(badge.toLowerCase()).toContain(BRAND.light);
    const page = await (await harness({ env: DEMO }).fetch(`/jobs/${EXAMPLE_ID}`)).text();
    expect(page).toContain(encodeURIComponent(BRAND.light));
    // The pages' accent (links, focus, the running pill) is the brand too.
    expect(STYLESHEET).toContain(`--accent: ${BRAND.light};`);
    expect(STYLESHEET).toContain(`--accent: ${BRAND.dark};`);
  });
});

describe('canonical URLs', () => {
  const A = EXAMPLE_ID;
  const B = OTHER_ID;

  it('redirects (308) trailing slashes and upper-case ids of pages and job files, keeping the query', async () => {
    const h = harness({ env: DEMO });
    const cases: [string, string][] = [
      [`/jobs/${A}/`, `/jobs/${A}`],
      [`/jobs/${A.toUpperCase()}`, `/jobs/${A}`],
      [`/jobs/${A.toUpperCase()}/`, `/jobs/${A}`],
      [`/jobs/${A.toUpperCase()}/og.png?theme=dark`, `/jobs/${A}/og.png?theme=dark`],
      [`/jobs/${A.toUpperCase()}/badge.json`, `/jobs/${A}/badge.json`],
      [`/jobs/${A.toUpperCase()}/comment.md?base=${B}`, `/jobs/${A}/comment.md?base=${B}`],
      [`/compare/${B}...${A}/`, `/compare/${B}...${A}`],
      [`/compare/${B.toUpperCase()}...${A}`, `/compare/${B}...${A}`],
      [`/compare/${B}...${A.toUpperCase()}/og.svg`, `/compare/${B}...${A}/og.svg`],
      ['/docs/', '/docs'],
      ['/jobs/not-a-uuid/', '/jobs/not-a-uuid'],
    ];
    for (const [from, to] of cases) {
      for (const method of ['GET', 'HEAD']) {
        const res = await h.fetch(from, { method });
        expect(res.status, `${method} ${from}`).toBe(308);
        expect(res.headers.get('Location'), from).toBe(to);
      }
    }
    // One hop lands on the page itself.
    expect((await h.fetch(`/jobs/${A}`)).status).toBe(200);
  });

  it('leaves the API, canonical URLs, unknown files and other methods alone', async () => {
    const h = harness({ env: DEMO });
    expect((await h.fetch(`/api/jobs/${A}/`)).status).toBe(200);
    // The JSON API answers an upper-case id as is, for clients that do not follow redirects.
    expect((await h.fetch(`/api/jobs/${A.toUpperCase()}/`)).status).toBe(200);
    expect((await h.fetch(`/jobs/${A}/og.png`)).status).toBe(200);
    expect((await h.fetch(`/jobs/${A.toUpperCase()}/nothing.txt`)).status).toBe(404);
    expect((await h.fetch(`/jobs/${A}/`, { method: 'POST' })).status).toBe(404);
    for (const path of [
      `/jobs/${A}`,
      `/jobs/${A}/og.png`,
      `/compare/${B}...${A}`,
      '/docs',
      '/',
      '/api/jobs/x/',
    ]) {
      expect(canonicalPath(path), path).toBeNull();
    }
  });
});

describe('/docs', () => {
  it('is a server-rendered page of every documented route, with a curl example each, and no script', async () => {
    const h = harness({ env: DEMO });
    const res = await h.fetch('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('Content-Security-Policy')).not.toMatch(/script-src/);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    for (const path of [
      '/api/jobs/{id}/',
      '/api/jobs/{id}/summary',
      '/api/jobs/{id}/events',
      '/jobs/{id}/comment.md',
      '/compare/{base}...{head}',
      '/api/shares',
      '/openapi.json',
      '/robots.txt',
      '/favicon.ico',
    ]) {
      expect(html, path).toContain(`<code>${path}</code>`);
    }
    expect(html).toContain(`curl -s https://edge.test/api/jobs/${EXAMPLE_ID}/summary`);
    expect(html).toContain('<code>share_expired</code>');
    expect(html).toContain('id="schema-Summary"');
    expect(html.match(/<pre class="snippet" tabindex="0"/g)?.length).toBeGreaterThan(20);
  });
});

describe('dimension names', () => {
  it('keep their acronyms and the capitals the key already has', () => {
    const cases: [string, string][] = [
      ['avg_llm_judge', 'LLM judge'],
      ['avg_tool_usage', 'Tool usage'],
      ['avg_type_correctness_penalty', 'Type correctness penalty'],
      ['avg_json_validity', 'JSON validity'],
      ['avg_api_error_rate', 'API error rate'],
      ['f1', 'F1'],
      ['avg_bleu_4', 'BLEU 4'],
      ['rouge_l_f1', 'ROUGE l F1'],
      ['avg_sql_exact_match', 'SQL exact match'],
      ['avg_url_id_match', 'URL ID match'],
      ['avg_qa_accuracy', 'QA accuracy'],
      ['avg_rag_recall', 'RAG recall'],
      ['avg_pii_leak_penalty', 'PII leak penalty'],
      ['avg_ai_ml_mix', 'AI ML mix'],
      ['avg_NDCG_at_10', 'NDCG at 10'],
      ['_avg_confidence', 'Confidence'],
      ['identity', 'Identity'],
      ['', ''],
    ];
    for (const [key, want] of cases) expect(humanizeDimension(key), key).toBe(want);
  });

  it('the report shows "LLM judge", not "Llm judge"', async () => {
    const up = upstream(() =>
      json(
        upstreamJob({
          status: 'completed',
          iterations: [
            {
              id: '0b6c7a3e-2f54-4c1e-9b7f-4a2d1e0c9f11',
              created_at: '2026-11-30T10:00:00Z',
              iteration_name: 'iter_001',
              job: JOB_ID,
              avg_score: 70,
              status: 'keep',
              order: 1,
              dimension_scores: { avg_llm_judge: 40, avg_tool_usage: 30 },
            },
          ],
        }),
      ),
    );
    const html = await (await harness({ upstream: up }).fetch(`/jobs/${JOB_ID}`)).text();
    expect(html).toContain('LLM judge');
    expect(html).not.toContain('Llm judge');
  });
});

describe('the index page', () => {
  it('in demo mode, its example URL is a demo job, and it opens', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const html = await (await h.fetch('/')).text();
    const example = /Example:\s*<a href="https:\/\/edge\.test(\/jobs\/[0-9a-f-]{36})"/.exec(html)?.[1];
    expect(example).toBe(`/jobs/${(DEMO_JOBS[0] as { id: string }).id}`);
    const res = await h.fetch(example!);
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('in upstream mode, the example shows where the id goes rather than an id that 404s', async () => {
    const h = harness({ env: { UPSTREAM_URL: 'https://upstream.test', OVERMIND_API_KEY: 'k' } });
    const html = await (await h.fetch('/')).text();
    expect(html).toContain('Example: <code>https://edge.test/jobs/{id}</code>');
  });
});
