import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XSS_JOBS } from '../fixtures/xss-jobs';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// The comparison page and card in a real Chromium, with the report pages' rules: no dialog,
// console error, script, request to another origin or CSP violation, and no horizontal overflow
// at 390 px. Screenshots (light, dark, 390 px) and the cards land in test-artifacts/ for a person.

const available = chromiumAvailable('comparison browser tests');

const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const KEY = 'ovr_browser_compare_key_5d1e';

// Demo pairs: two finished runs; a running run against a finished one; failed against pending.
const PAIRS: [string, string, string][] = [
  ['22e5e8e3-88e3-489f-a841-d5f8be7c0393', '8ce33afb-9615-424d-b217-d5d56cda17ef', 'done'],
  ['8ce33afb-9615-424d-b217-d5d56cda17ef', '7635458b-2945-40ea-8bb6-c8ca90a71ed4', 'running'],
  ['18957d62-d711-401b-88d0-a3a8e27730ca', 'b147fbd2-4c06-4d91-84f2-5253c467ced7', 'failed-pending'],
];

async function visit(browser: Browser, url: string, shots: string | null): Promise<string[]> {
  const problems: string[] = [];
  const origin = new URL(url).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
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
  const scripts = await page.evaluate(() => document.scripts.length);
  if (scripts > 0) problems.push(`${scripts} script elements in the DOM`);
  if (shots) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-light.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-dark.png`), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  if (shots) await page.screenshot({ path: join(ARTIFACTS, `${shots}-390.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) problems.push(`page is ${overflow}px wider than a 390px screen`);
  await context.close();
  return problems;
}

describe.skipIf(!available)('comparison pages in Chromium', () => {
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

  for (const [base, head, name] of PAIRS) {
    it(`the ${name} comparison opens cleanly, light, dark and at 390 px`, async () => {
      expect(await visit(browser, `${demo.url}/compare/${base}...${head}`, `compare-${name}`)).toEqual([]);
    });
  }

  it('every XSS fixture, on either side, opens without a dialog, script, foreign request or CSP violation', async () => {
    const ids = XSS_JOBS.map((j) => String(j.id));
    for (const [i, id] of ids.entries()) {
      const other = ids[(i + 1) % ids.length];
      const problems = await visit(
        browser,
        `${upstreamWorker.url}/compare/${other}...${id}`,
        i === 0 ? 'compare-xss' : null,
      );
      expect(problems, id).toEqual([]);
    }
  });

  it('the comparison card decodes as a 1200×630 PNG, in both themes', async () => {
    const [base, head] = PAIRS[0] ?? ['', ''];
    mkdirSync(join(ROOT, 'test-artifacts', 'cards'), { recursive: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const theme of ['light', 'dark']) {
      const url = `${demo.url}/compare/${base}...${head}/og.png?theme=${theme}`;
      const res = await page.goto(url);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-type']).toBe('image/png');
      writeFileSync(join(ROOT, 'test-artifacts', 'cards', `compare-${theme}.png`), (await res?.body()) ?? '');
      const size = await page.evaluate(async () => {
        const img = document.images[0];
        if (!img) return null;
        await img.decode();
        return { width: img.naturalWidth, height: img.naturalHeight };
      });
      expect(size).toEqual({ width: 1200, height: 630 });
    }
    await context.close();
  });

  it('error pages name the side that is wrong', async () => {
    const [base] = PAIRS[0] ?? [''];
    const cases: [string, number, RegExp][] = [
      [`/compare/${base}...nope`, 400, /Head job id must be a UUID/],
      [
        `/compare/${base}...00000000-0000-4000-8000-000000000000`,
        404,
        /Head job 00000000-0000-4000-8000-000000000000 was not found/,
      ],
    ];
    for (const [path, status, detail] of cases) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        // Chromium reports the 4xx status itself as a console error; nothing else may be.
        if (m.type() === 'error' && !/status of 40\d/.test(m.text())) problems.push(m.text());
      });
      const res = await page.goto(`${demo.url}${path}`);
      expect(res?.status(), path).toBe(status);
      expect(await page.locator('main').innerText(), path).toMatch(detail);
      expect(problems, path).toEqual([]);
      await context.close();
    }
  });
});
