import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { LIVE_SCRIPT } from '../../src/views/html/live';
import { XSS_JOBS } from '../fixtures/xss-jobs';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// Every demo report and every XSS fixture opened in a real Chromium: the test fails on any
// dialog, console error, request to another origin or CSP violation, and leaves
// light, dark and 390 px screenshots in test-artifacts/ for a person to look at.

const available = chromiumAvailable('browser tests');

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const KEY = 'ovr_browser_test_key_91c2';

interface Visit {
  problems: string[];
}

async function visit(browser: Browser, url: string, shots: string | null): Promise<Visit> {
  const problems: string[] = [];
  const origin = new URL(url).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page: Page = await context.newPage();
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:')) problems.push(`request to another origin: ${u}`);
  });
  const res = await page.goto(url, { waitUntil: 'load' });
  if (!res || res.status() !== 200) problems.push(`status ${res?.status()}`);
  // A script that ran would leave a mark; none must. The one exception is an active job's own
  // live script (test/browser/live.browser.test.ts), present once and exactly as served.
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.text));
  const allowed =
    scripts.length === 1 && scripts[0] === LIVE_SCRIPT && (await page.locator('#live').count()) === 1;
  if (scripts.length > 0 && !allowed) problems.push(`${scripts.length} script elements in the DOM`);
  if (shots) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-light.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-390.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`page is ${overflow}px wider than a 390px screen`);
  }
  await context.close();
  return { problems };
}

describe.skipIf(!available)('report pages in Chromium', () => {
  let browser: Browser;
  let demo: RunningWorker;
  let upstreamWorker: RunningWorker;
  let upstream: FakeUpstreamServer;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY, jobs: XSS_JOBS });
    [demo, upstreamWorker] = await Promise.all([
      startWrangler({ MISS_RATE_LIMIT: 'off' }),
      startWrangler({ UPSTREAM_URL: upstream.url, OVERMIND_API_KEY: KEY, MISS_RATE_LIMIT: 'off' }),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([demo?.stop(), upstreamWorker?.stop(), upstream?.close()]);
  });

  it('the index opens cleanly', async () => {
    const v = await visit(browser, `${demo.url}/`, 'index');
    expect(v.problems).toEqual([]);
  });

  for (const raw of DEMO_JOBS) {
    const id = (raw as { id: string }).id;
    const slug = (raw as { prompt_slug?: string | null }).prompt_slug ?? 'untitled';
    it(`demo job ${slug} (${id.slice(0, 8)}) opens cleanly`, async () => {
      const v = await visit(browser, `${demo.url}/jobs/${id}`, `demo-${id.slice(0, 8)}-${slug}`);
      expect(v.problems).toEqual([]);
    });
  }

  it('every XSS fixture opens without a dialog, script, foreign request or CSP violation', async () => {
    expect(XSS_JOBS.length).toBeGreaterThan(0);
    for (const [i, raw] of XSS_JOBS.entries()) {
      const id = (raw as { id: string }).id;
      const v = await visit(browser, `${upstreamWorker.url}/jobs/${id}`, i === 0 ? 'xss-first' : null);
      expect(v.problems, id).toEqual([]);
    }
  });

  it('error pages open cleanly', async () => {
    for (const path of ['/jobs/not-a-uuid', '/jobs/00000000-0000-4000-8000-000000000000']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        // The 4xx status itself is reported by Chromium as a console error; nothing else may be.
        if (m.type() === 'error' && !/status of 40\d/.test(m.text())) problems.push(m.text());
      });
      const res = await page.goto(`${demo.url}${path}`);
      expect(res?.status()).toBeGreaterThanOrEqual(400);
      expect(await page.locator('h1').count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      await context.close();
    }
  });
});
