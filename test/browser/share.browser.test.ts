import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Request as PwRequest } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// A shared report in a real Chromium, in signed mode: the page and everything it loads (previews,
// the live script's events) open under its link, and its og:image opens in a fresh browser
// context with nothing but its URL: no cookie, no referrer, no page around it, which is all an
// unfurler or GitHub's image proxy has.

const available = chromiumAvailable('share browser tests');

const SERVICE_KEY = 'ovr_share_browser_service_5a0c';
const CALLER = 'ovr_share_browser_caller_77d2';
const SECRET = randomBytes(32).toString('base64url');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
const jobs = DEMO_JOBS.map((j) => j as { id: string; status: string });
const COMPLETED = jobs.find((j) => j.status === 'completed')?.id ?? '';
const RUNNING = jobs.find((j) => j.status === 'running')?.id ?? '';

describe.skipIf(!available)('a shared report in Chromium', () => {
  let browser: Browser;
  let upstream: FakeUpstreamServer;
  let worker: RunningWorker;

  const mint = async (jobId: string) => {
    const res = await fetch(`${worker.url}/api/shares`, {
      method: 'POST',
      headers: { 'X-Api-Key': CALLER, 'Content-Type': 'application/json' },
      body: JSON.stringify({ job_id: jobId }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { token: string; links: { report: string } };
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({
      access: (key) => (key === SERVICE_KEY || key === CALLER ? 200 : 401),
    });
    worker = await startWrangler({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: SERVICE_KEY,
      SHARE_MODE: 'signed',
      SHARE_SECRET: SECRET,
      MISS_RATE_LIMIT: 'off',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await upstream?.close();
  });

  for (const [name, jobId] of [
    ['finished', COMPLETED],
    ['running (with its live script)', RUNNING],
  ] as const) {
    it(`a ${name} job's shared page loads everything under its link`, async () => {
      const { token, links } = await mint(jobId);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: PwRequest[] = [];
      page.on('request', (r) => requests.push(r));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      const res = await page.goto(links.report, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      // Give a live script time to open its stream.
      await page.waitForTimeout(jobId === RUNNING ? 1500 : 200);
      for (const r of requests) {
        const url = r.url();
        if (url.startsWith('data:')) continue;
        expect(url.startsWith(`${worker.url}/s/${token}/`), url).toBe(true);
        const answer = await r.response();
        if (answer) expect(answer.status(), url).toBeLessThan(400);
      }
      if (jobId === RUNNING) {
        expect(requests.some((r) => r.url() === `${worker.url}/s/${token}/api/jobs/${jobId}/events`)).toBe(
          true,
        );
      }
      expect(problems).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, `shared-${name.split(' ')[0]}.png`), fullPage: false });
      await context.close();
    });
  }

  it('its og:image and twitter:image open in a fresh context with nothing but the URL', async () => {
    const { token, links } = await mint(COMPLETED);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(links.report);
    const og = await page.getAttribute('meta[property="og:image"]', 'content');
    const twitter = await page.getAttribute('meta[name="twitter:image"]', 'content');
    await context.close();
    expect(og).toMatch(new RegExp(`^${worker.url}/s/${token}/jobs/${COMPLETED}/og\\.[0-9a-f]{12}\\.png$`));
    expect(twitter).toBe(og);

    // Nothing of the page survives: a new context has no cookies, storage or history.
    const fresh = await browser.newContext();
    expect(await fresh.cookies()).toEqual([]);
    const tab = await fresh.newPage();
    const res = await tab.goto(og ?? '');
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toBe('image/png');
    const sent = await res?.request().allHeaders();
    expect(sent?.referer).toBeUndefined();
    expect(sent?.cookie).toBeUndefined();
    const size = await tab.evaluate(() => {
      const img = document.querySelector('img');
      return img ? { w: img.naturalWidth, h: img.naturalHeight } : null;
    });
    expect(size).toEqual({ w: 1200, h: 630 });
    await fresh.close();

    // And without the link, the same picture is not there.
    const bare = await browser.newContext();
    const none = await (await bare.newPage()).goto((og ?? '').replace(`/s/${token}`, ''));
    expect(none?.status()).toBe(404);
    await bare.close();
  });
});
