import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// Page quality as measured from outside, against `wrangler dev` in Debian's Chromium:
//
// - axe-core (WCAG 2.0/2.1/2.2 A and AA, and best practices) finds no violation on any kind of
//   page: the index, every demo report, the error pages (400, 404, 502), /docs and the compare
//   page; in light and dark, at 1280 and 390 px; with every <details> open, so folded content
//   is checked too.
//
// Lighthouse scores the same pages in `npm run quality` (test/quality/lighthouse.test.ts): its
// performance score is a timing, and timings stay out of the tests run before every commit.
// CI runs both.
//
// The figures land in test-artifacts/quality/axe.json for a person to read.

const available = chromiumAvailable('page-quality tests');

const ARTIFACTS = join(ROOT, 'test-artifacts', 'quality');
const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const KEY = 'ovr_quality_test_key_3b8e';

const demoJobs = DEMO_JOBS.map((j) => j as { id: string; prompt_slug?: string | null; status?: string });
const COMPLETED = demoJobs.find((j) => j.status === 'completed') as { id: string };
const OTHER = demoJobs.find((j) => j.id !== COMPLETED.id && j.status === 'completed') ?? demoJobs[1];

interface PageKind {
  kind: string;
  /** Which server: the demo, or the one whose upstream fails. */
  on: 'demo' | 'failing';
  path: string;
  status: number;
}

const PAGES: PageKind[] = [
  { kind: 'index', on: 'demo', path: '/', status: 200 },
  ...demoJobs.map((j) => ({
    kind: `report ${j.id.slice(0, 8)}: ${j.prompt_slug ?? 'untitled'} (${j.status ?? 'no status'})`,
    on: 'demo' as const,
    path: `/jobs/${j.id}`,
    status: 200,
  })),
  { kind: 'error 400', on: 'demo', path: '/jobs/not-a-uuid', status: 400 },
  { kind: 'error 404', on: 'demo', path: '/jobs/00000000-0000-4000-8000-000000000000', status: 404 },
  { kind: 'error 502', on: 'failing', path: `/jobs/${COMPLETED.id}`, status: 502 },
  { kind: 'docs', on: 'demo', path: '/docs', status: 200 },
  { kind: 'compare', on: 'demo', path: `/compare/${OTHER?.id}...${COMPLETED.id}`, status: 200 },
];

const VIEWS = [
  { width: 1280, height: 900, scheme: 'light' },
  { width: 1280, height: 900, scheme: 'dark' },
  { width: 390, height: 844, scheme: 'light' },
  { width: 390, height: 844, scheme: 'dark' },
] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

async function axeRun(
  page: Page,
): Promise<{ violations: AxeViolation[]; passes: number; incomplete: string[] }> {
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<unknown> } }).axe;
    const r = (await axe.run(document, { runOnly: { type: 'tag', values: tags } })) as {
      violations: AxeViolation[];
      passes: unknown[];
      incomplete: { id: string }[];
    };
    return {
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      })),
      passes: r.passes.length,
      incomplete: r.incomplete.map((x) => x.id),
    };
  }, AXE_TAGS);
}

/** Per page kind: violations (must be 0), rules passed, and what axe left for a person to review. */
const axeFigures: Record<
  string,
  { views: number; violations: number; rulesPassed: number; needsReview: string[] }
> = {};

describe.skipIf(!available)('page quality', () => {
  let browser: Browser;
  let demo: RunningWorker;
  let failing: RunningWorker;
  let upstream: FakeUpstreamServer;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY, control: { mode: '500' } });
    [demo, failing] = await Promise.all([
      startWrangler({ MISS_RATE_LIMIT: 'off' }),
      startWrangler({ UPSTREAM_URL: upstream.url, OVERMIND_API_KEY: KEY, MISS_RATE_LIMIT: 'off' }),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([demo?.stop(), failing?.stop(), upstream?.close()]);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'axe.json'), JSON.stringify(axeFigures, null, 2));
    console.log('axe-core, by page kind:', JSON.stringify(axeFigures, null, 2));
  });

  describe('axe-core', () => {
    for (const p of PAGES) {
      it(`${p.kind}: no violation in light and dark, at 1280 and 390 px`, async () => {
        const base = p.on === 'demo' ? demo.url : failing.url;
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        const res = await page.goto(`${base}${p.path}`, { waitUntil: 'load' });
        expect(res?.status()).toBe(p.status);
        // Folded content (iterations, code, diffs) is checked too.
        await page.evaluate(() => {
          for (const d of document.querySelectorAll('details')) d.open = true;
        });
        // Through the DevTools protocol, which the page's CSP does not govern.
        await page.evaluate(AXE_SOURCE);
        const found: string[] = [];
        const review = new Set<string>();
        let passes = 0;
        for (const v of VIEWS) {
          await page.setViewportSize({ width: v.width, height: v.height });
          await page.emulateMedia({ colorScheme: v.scheme });
          const r = await axeRun(page);
          passes = Math.max(passes, r.passes);
          for (const id of r.incomplete) review.add(id);
          for (const x of r.violations) {
            found.push(
              `${v.width}px ${v.scheme}: ${x.id} (${x.impact}) ${x.help}: ${x.nodes
                .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`)
                .join(' | ')}`,
            );
          }
        }
        axeFigures[p.kind] = {
          views: VIEWS.length,
          violations: found.length,
          rulesPassed: passes,
          needsReview: [...review].sort(),
        };
        await context.close();
        expect(found).toEqual([]);
      });
    }
  });
});
