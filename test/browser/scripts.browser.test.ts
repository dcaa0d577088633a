import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completed } from '../fixtures/jobs';
import { LONG_CJK } from '../fixtures/scripts';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// Report pages of jobs named in other scripts, in Chromium at 390 px (light and dark): a
// right-to-left name reads right to left inside the left-to-right page (dir="auto"), a long CJK
// name breaks inside the screen, and axe-core finds nothing. Under wrangler dev, so the cards
// come through the real [assets] binding.

const available = chromiumAvailable('script pages in Chromium');
const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const KEY = 'ovr_scripts_test_key_5d21';

const JOBS = [
  { id: '7e7e7e7e-0000-4000-8000-000000000001', slug: 'تصنيف التذاكر الواردة (v2) — support', dir: 'rtl' },
  { id: '7e7e7e7e-0000-4000-8000-000000000002', slug: 'סיווג פניות לתמיכה 2025', dir: 'rtl' },
  { id: '7e7e7e7e-0000-4000-8000-000000000003', slug: LONG_CJK, dir: 'ltr' },
  { id: '7e7e7e7e-0000-4000-8000-000000000004', slug: `${LONG_CJK.slice(0, 20)}🚀👩🏽‍💻`, dir: 'ltr' },
].map((j) => ({
  ...j,
  job: { ...completed, id: j.id, prompt_slug: j.slug, analyzer_model: 'claude-sonnet-4-5' },
}));

describe.skipIf(!available)('pages with other scripts in Chromium', () => {
  let browser: Browser;
  let worker: RunningWorker;
  let upstream: FakeUpstreamServer;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY, jobs: JOBS.map((j) => j.job) });
    worker = await startWrangler({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      MISS_RATE_LIMIT: 'off',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), upstream?.close()]);
  });

  for (const j of JOBS) {
    it(`${j.slug.slice(0, 24)}: reads ${j.dir}, fits 390 px, passes axe-core`, async () => {
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({
          viewport: { width: 390, height: 844 },
          colorScheme: scheme,
        });
        const page = await context.newPage();
        const res = await page.goto(`${worker.url}/jobs/${j.id}`, { waitUntil: 'load' });
        expect(res?.status()).toBe(200);
        const h1 = page.locator('h1');
        expect(await h1.getAttribute('dir')).toBe('auto');
        expect(await h1.evaluate((el) => getComputedStyle(el).direction)).toBe(j.dir);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${scheme}: page wider than 390 px`).toBeLessThanOrEqual(1);
        // No element of the page's own sticks out past the screen's right edge.
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll('h1, dd, th, td, p, a')]
            .filter(
              (el) =>
                el.getBoundingClientRect().right > window.innerWidth + 1 &&
                !el.closest('.table-wrap, [role="region"]'),
            )
            .map((el) => el.tagName),
        );
        expect(wide, scheme).toEqual([]);
        await page.evaluate(AXE_SOURCE);
        const violations = await page.evaluate(async (tags) => {
          const axe = (window as unknown as { axe: { run: (d: Document, o: object) => Promise<unknown> } })
            .axe;
          const r = (await axe.run(document, { runOnly: { type: 'tag', values: tags } })) as {
            violations: { id: string; help: string }[];
          };
          return r.violations.map((v) => `${v.id}: ${v.help}`);
        }, AXE_TAGS);
        expect(violations, scheme).toEqual([]);
        await context.close();
      }
    });
  }

  it('the card of each is drawn with the fonts and emoji from [assets], no placeholder', async () => {
    for (const j of JOBS) {
      const png = await fetch(`${worker.url}/jobs/${j.id}/og.png`);
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect((await png.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      // Each emoji of the name is its Twemoji picture nested in the card; no placeholder picture
      // (the only base64 pictures satori would place) stands in for any text.
      const svg = await (await fetch(`${worker.url}/jobs/${j.id}/og.svg`)).text();
      const pictures = svg.match(/viewBox="0 0 36 36"/g)?.length ?? 0;
      const graphemes = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(j.slug)];
      const emoji = graphemes.filter((g) => /\p{Extended_Pictographic}/u.test(g.segment)).length;
      expect(pictures, j.slug).toBe(emoji);
      expect(svg, j.slug).not.toMatch(/href="data:image\/svg\+xml;base64,/);
    }
  });
});
