import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importShareKey, mintShareToken } from '../../src/share';
import { LIVE_SCRIPT } from '../../src/views/html/live';
import { upstreamJob } from '../fixtures/upstream-jobs';
import { XSS_CORPUS } from '../fixtures/xss-corpus';
import { XSS_JOBS } from '../fixtures/xss-jobs';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';
import { chromiumAvailable, launchChromium } from './chromium';

// The live report page in a real Chromium, against `wrangler dev` and a fake upstream on
// loopback whose running jobs change while the page is open: the page follows the job's
// events and updates in place (no navigation, no console error), rebuilds exactly what the
// server would render, announces a new best score, reloads once when the job finishes,
// runs nothing from hostile job strings arriving through the live path, and gives axe-core
// no timed-refresh violation.

const available = chromiumAvailable('live browser tests');

const KEY = 'ovr_live_browser_key_4e1d';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'browser');
/** The freshness of an active job under test: the shield asks the upstream this often while watched. */
const TTL_ACTIVE_SECONDS = 2;
const UPDATE_TIMEOUT_MS = 45_000;
const CONNECT_TIMEOUT_MS = 45_000;
const SHARE_SECRET = 'live-browser-share-secret-0123456789abcdef';

type Job = Record<string, unknown> & { id: string; iterations: Record<string, unknown>[] };

/** A loopback upstream serving jobs the test changes as it goes. */
async function startUpstream(
  jobs: Map<string, Job>,
  failing: Set<string>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const m = /^\/api\/jobs\/([^/]+)\/$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const id = decodeURIComponent(m?.[1] ?? '');
    const job = m ? jobs.get(id) : undefined;
    const [status, body] =
      req.headers['x-api-key'] !== KEY
        ? [401, '{"detail":"Authentication credentials were not provided."}']
        : failing.has(id)
          ? [503, '{"detail":"A server error occurred."}']
          : job
            ? [200, JSON.stringify(job)]
            : [404, '{"detail":"Not found."}'];
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function iteration(jobId: string, n: number, score: number, status: 'keep' | 'discard', name?: string) {
  return {
    id: `${jobId.slice(0, 24)}${String(900 + n).padStart(12, '0')}`,
    created_at: new Date(Date.parse('2026-11-02T09:00:00Z') + n * 60_000).toISOString(),
    iteration_name: name ?? `iter_${String(n).padStart(3, '0')}`,
    job: jobId,
    agent_code: `def run():\n    return ${n}\n`,
    avg_score: score,
    description: `Round ${n}`,
    dimension_scores: { avg_answer: score / 2, avg_consistency_penalty: -0.5 },
    order: n,
    status,
  };
}

/** A running job with `scores` as its iterations so far, kept when they beat the best. */
function runningJob(id: string, scores: number[]): Job {
  let best = 55;
  const iterations = scores.map((s, i) => {
    const keep = s > best;
    if (keep) best = s;
    return iteration(id, i + 1, s, keep ? 'keep' : 'discard');
  });
  return {
    ...upstreamJob({ id }),
    id,
    status: 'running',
    baseline_score: 55,
    best_score: null,
    improvement: null,
    best_agent_code: null,
    report_markdown: null,
    num_iterations: 10,
    iterations,
    updated_at: String(iterations.at(-1)?.created_at ?? '2026-11-02T09:00:00Z'),
  } as Job;
}

/** The same job one iteration further on. */
function advance(job: Job, score: number, name?: string, description?: string): Job {
  const n = job.iterations.length + 1;
  const best = Math.max(
    Number(job.baseline_score ?? 0),
    ...job.iterations.filter((i) => i.status === 'keep').map((i) => Number(i.avg_score)),
  );
  const it = iteration(job.id, n, score, score > best ? 'keep' : 'discard', name);
  if (description !== undefined) it.description = description;
  return { ...job, iterations: [...job.iterations, it], updated_at: it.created_at };
}

interface Watch {
  problems: string[];
  navigations: () => number;
}

/** Everything that must not happen on the page: dialogs, console errors, errors, foreign requests. */
function watch(page: Page, origin: string): Watch {
  const problems: string[] = [];
  let navigations = 0;
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
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  return { problems, navigations: () => navigations };
}

/**
 * The summary, chart and iterations sections as data: tag, sorted attributes, children, with
 * adjacent text merged. A page updated in place and a page freshly served must give the same.
 */
function snapshot(page: Page): Promise<string> {
  return page.evaluate(() => {
    type Tree = string | [string, string[], ...Tree[]];
    const norm = (n: Node): Tree | null => {
      if (n.nodeType === Node.TEXT_NODE) return (n as Text).data;
      if (n.nodeType !== Node.ELEMENT_NODE) return null;
      const e = n as Element;
      const attrs = [...e.attributes].map((a) => `${a.name}=${a.value}`).sort();
      const kids: Tree[] = [];
      for (const c of e.childNodes) {
        const v = norm(c);
        if (v === null || v === '') continue;
        const last = kids[kids.length - 1];
        if (typeof v === 'string' && typeof last === 'string') kids[kids.length - 1] = last + v;
        else kids.push(v);
      }
      return [e.localName, attrs, ...kids];
    };
    return JSON.stringify(
      ['summary', 'chart', 'iterations'].map((id) => {
        const el = document.getElementById(id);
        return el ? norm(el) : null;
      }),
    );
  });
}

const bestShown = (page: Page) =>
  page.locator('#summary .stat:nth-child(2) .value').innerText({ timeout: 5000 });
const rowCount = (page: Page) => page.locator('#iterations tbody tr').count();

describe.skipIf(!available)('the live report page in Chromium', () => {
  let browser: Browser;
  let worker: RunningWorker;
  let signed: RunningWorker;
  let upstream: { url: string; close: () => Promise<void> };
  const jobs = new Map<string, Job>();
  /** Jobs the upstream answers 503 for, for now. */
  const failing = new Set<string>();
  const LIVE = 'b1e5a5a5-0000-4000-8000-000000000001';
  const FINISHING = 'b1e5a5a5-0000-4000-8000-000000000002';
  const AXE = 'b1e5a5a5-0000-4000-8000-000000000003';
  const SHARED = 'b1e5a5a5-0000-4000-8000-000000000004';
  const RECOVERING = 'b1e5a5a5-0000-4000-8000-000000000005';
  const STARTING = 'b1e5a5a5-0000-4000-8000-000000000006';
  // The XSS fixtures as running jobs: their hostile strings reach the page through the live path too.
  const xssIds = XSS_JOBS.map((j) => String(j.id));

  beforeAll(async () => {
    jobs.set(LIVE, runningJob(LIVE, [58.5, 57]));
    jobs.set(FINISHING, runningJob(FINISHING, [60]));
    jobs.set(AXE, runningJob(AXE, [58, 61, 59]));
    jobs.set(SHARED, runningJob(SHARED, [57]));
    jobs.set(RECOVERING, runningJob(RECOVERING, [56, 59]));
    jobs.set(STARTING, { ...runningJob(STARTING, []), status: 'pending', baseline_score: null });
    for (const j of XSS_JOBS) jobs.set(String(j.id), { ...(j as Job), status: 'running', best_score: null });
    upstream = await startUpstream(jobs, failing);
    worker = await startWrangler({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      MISS_RATE_LIMIT: 'off',
      TTL_ACTIVE_SECONDS: String(TTL_ACTIVE_SECONDS),
      // A copy past its freshness stands in for a failing upstream at once (the saved-copy case).
      STALE_WHILE_REVALIDATE_SECONDS: '0',
    });
    signed = await startWrangler({
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      MISS_RATE_LIMIT: 'off',
      TTL_ACTIVE_SECONDS: String(TTL_ACTIVE_SECONDS),
      SHARE_MODE: 'signed',
      SHARE_SECRET,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([worker?.stop(), signed?.stop(), upstream?.close()]);
  });

  async function open(id: string, opts: { bypassCSP?: boolean; on?: RunningWorker; prefix?: string } = {}) {
    const context: BrowserContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      bypassCSP: opts.bypassCSP ?? false,
    });
    const page = await context.newPage();
    const origin = (opts.on ?? worker).url;
    const w = watch(page, origin);
    const res = await page.goto(`${origin}${opts.prefix ?? ''}/jobs/${id}`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    // The script has taken over the banner once it is connected. The deadlines only guard
    // against a hang: several pages connect at once here, next to other suites' Chromiums.
    await page.locator('#live-label', { hasText: 'Live' }).waitFor({ timeout: CONNECT_TIMEOUT_MS });
    await page.locator('#live-state', { hasText: 'updated' }).waitFor({ timeout: CONNECT_TIMEOUT_MS });
    return { context, page, w };
  }

  it('shows a new best score from the upstream without a navigation, exactly as the server renders it', async () => {
    const { context, page, w } = await open(LIVE);
    expect(await page.evaluate(() => [...document.scripts].map((s) => s.text))).toEqual([LIVE_SCRIPT]);
    expect(await bestShown(page)).toBe('58.5 / 100');
    expect(await rowCount(page)).toBe(2);
    // A mark that a navigation or reload would wipe out.
    await page.evaluate(() => {
      (window as unknown as { stillHere: boolean }).stillHere = true;
    });

    jobs.set(LIVE, advance(jobs.get(LIVE)!, 63.25));
    await page.locator('#summary .stat:nth-child(2) .value', { hasText: '63.3' }).waitFor({
      timeout: UPDATE_TIMEOUT_MS,
    });
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 3, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    await page.locator('#live-announce', { hasText: 'New best score: 63.3' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#live-announce').innerText()).toBe(
      'New best score: 63.3, +8.3 points against the baseline (iter_003).',
    );
    expect(await page.locator('#iterations tr.is-best th').innerText()).toBe('iter_003 best');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect(w.navigations()).toBe(1);
    expect(await page.locator('#live').innerText()).toMatch(/^Live · updated (just now|\d+ s ago) · /);

    // A fresh load of the same version renders what the script built.
    const version = await page.locator('#live').getAttribute('data-version');
    const fresh = await context.newPage();
    const fw = watch(fresh, worker.url);
    for (let i = 0; i < 20; i++) {
      await fresh.goto(`${worker.url}/jobs/${LIVE}`);
      if ((await fresh.locator('#live').getAttribute('data-version')) === version) break;
      await fresh.waitForTimeout(500);
    }
    expect(await fresh.locator('#live').getAttribute('data-version')).toBe(version);
    expect(await snapshot(page)).toBe(await snapshot(fresh));
    expect(await page.locator('[data-live-fact="iterations"]').innerText()).toBe(
      await fresh.locator('[data-live-fact="iterations"]').innerText(),
    );
    // A discarded iteration next: the table and chart change, the best and the announcement do not.
    jobs.set(LIVE, advance(jobs.get(LIVE)!, 60));
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 4, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    expect(await bestShown(page)).toBe('63.3 / 100');
    expect(await page.locator('#live-announce').innerText()).toContain('63.3');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'live-updated.png'), fullPage: false });
    expect([...w.problems, ...fw.problems]).toEqual([]);
    await context.close();
  });

  it('builds the chart and the table when a pending job records its first iteration', async () => {
    const { context, page, w } = await open(STARTING);
    expect(await page.locator('#chart .empty').count()).toBe(1);
    expect(await page.locator('#iterations .empty').count()).toBe(1);
    const first = advance({ ...jobs.get(STARTING)!, baseline_score: 55 }, 57.5);
    jobs.set(STARTING, { ...first, status: 'running' });
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 1, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    expect(await page.locator('.job-head .sub .pill').innerText()).toBe('Running');
    expect(await page.title()).toMatch(/ · Running · /);
    const version = await page.locator('#live').getAttribute('data-version');
    const fresh = await context.newPage();
    for (let i = 0; i < 20; i++) {
      await fresh.goto(`${worker.url}/jobs/${STARTING}`);
      if ((await fresh.locator('#live').getAttribute('data-version')) === version) break;
      await fresh.waitForTimeout(500);
    }
    expect(await fresh.locator('#live').getAttribute('data-version')).toBe(version);
    expect(await snapshot(page)).toBe(await snapshot(fresh));
    expect(w.problems).toEqual([]);
    await context.close();
  });

  it('pauses and resumes on request, and says so', async () => {
    const { context, page, w } = await open(LIVE);
    const toggle = page.getByRole('button', { name: 'Pause live updates' });
    await toggle.click();
    expect(await page.locator('#live-state').innerText()).toBe('· paused ·');
    const rows = await rowCount(page);
    jobs.set(LIVE, advance(jobs.get(LIVE)!, 61));
    await page.waitForTimeout((TTL_ACTIVE_SECONDS + 3) * 1000);
    expect(await rowCount(page)).toBe(rows);
    await page.getByRole('button', { name: 'Resume live updates' }).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('#iterations tbody tr').length === n,
      rows + 1,
      {
        timeout: UPDATE_TIMEOUT_MS,
      },
    );
    expect(w.problems).toEqual([]);
    await context.close();
  });

  it('shows the final page once the job finishes: one reload, and no script on it', async () => {
    const { context, page, w } = await open(FINISHING);
    const done = advance(jobs.get(FINISHING)!, 66);
    jobs.set(FINISHING, { ...done, status: 'completed', best_score: 66, improvement: 11 });
    await page.waitForFunction(
      () => document.querySelector('.job-head .pill')?.textContent === 'Completed',
      null,
      {
        timeout: UPDATE_TIMEOUT_MS,
      },
    );
    await page.waitForLoadState('load');
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.locator('#live').count()).toBe(0);
    expect(await bestShown(page)).toBe('66.0 / 100');
    expect(w.navigations()).toBe(2);
    expect(w.problems).toEqual([]);
    await context.close();
  });

  it('runs nothing injected: the XSS corpus arriving through live updates stays text', async () => {
    expect(xssIds.length).toBeGreaterThan(0);
    const opened = await Promise.all(xssIds.map((id) => open(id)));
    const before = await Promise.all(opened.map((o) => rowCount(o.page)));
    // Every payload as the name and description of a new best iteration of its job.
    const names = xssIds.map((id, n) => XSS_CORPUS[(n * 8 + 3) % XSS_CORPUS.length]!.slice(0, 64) || 'x');
    xssIds.forEach((id, n) => {
      const j = jobs.get(id)!;
      const payloads = XSS_CORPUS.slice(n * 8, n * 8 + 8).join(' ');
      jobs.set(id, advance(j, 99, names[n], payloads.slice(0, 500)));
    });
    await Promise.all(
      opened.map((o, n) =>
        o.page.waitForFunction(
          (want) => document.querySelectorAll('#iterations tbody tr').length === want,
          before[n]! + 1,
          {
            timeout: UPDATE_TIMEOUT_MS * 2,
          },
        ),
      ),
    );
    for (const [n, o] of opened.entries()) {
      const what = xssIds[n]!;
      const state = await o.page.evaluate(() => ({
        scripts: [...document.scripts].length,
        handlers: [...document.querySelectorAll('*')].flatMap((e) =>
          [...e.attributes]
            .filter((a) => a.name.toLowerCase().startsWith('on'))
            .map((a) => `${e.localName}[${a.name}]`),
        ),
        active: document.querySelectorAll(
          '#summary img, #chart img, #iterations img, iframe, object, embed, form, input, foreignObject, #iterations svg, #summary svg',
        ).length,
        best: document.querySelector('#iterations tr.is-best th')?.firstChild?.textContent ?? null,
        announced: document.getElementById('live-announce')?.textContent ?? '',
      }));
      expect(state.scripts, what).toBe(1);
      expect(state.handlers, what).toEqual([]);
      expect(state.active, what).toBe(0);
      // The payload came back as the exact text it was.
      expect(state.best, what).toBe(names[n]);
      expect(state.announced, what).toContain(names[n]!.slice(0, 20));
      expect(o.w.problems, what).toEqual([]);
    }
    await Promise.all(opened.map((o) => o.context.close()));
  });

  it('drops the saved-copy warning once a new version arrives from a recovered upstream', async () => {
    // A copy in the tiers, then an upstream that fails past its freshness: the page is the saved copy.
    expect((await fetch(`${worker.url}/api/jobs/${RECOVERING}/`)).status).toBe(200);
    failing.add(RECOVERING);
    let stale = '';
    for (let i = 0; i < 40 && !/Showing a saved copy/.test(stale); i++) {
      await new Promise((r) => setTimeout(r, 500));
      stale = await (await fetch(`${worker.url}/jobs/${RECOVERING}`)).text();
    }
    expect(stale).toMatch(/Showing a saved copy/);
    const { context, page, w } = await open(RECOVERING);
    expect(await page.locator('.banner-warn').count()).toBe(1);
    jobs.set(RECOVERING, advance(jobs.get(RECOVERING)!, 64));
    failing.delete(RECOVERING);
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 3, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    expect(await page.locator('.banner-warn').count()).toBe(0);
    expect(w.problems).toEqual([]);
    await context.close();
  });

  it('opened through a share link, follows the events under that link', async () => {
    const token = await mintShareToken(await importShareKey(SHARE_SECRET), {
      jobId: SHARED,
      expiresAt: null,
    });
    const prefix = `/s/${token}`;
    const { context, page, w } = await open(SHARED, { on: signed, prefix });
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    jobs.set(SHARED, advance(jobs.get(SHARED)!, 62));
    await page.locator('#summary .stat:nth-child(2) .value', { hasText: '62.0' }).waitFor({
      timeout: UPDATE_TIMEOUT_MS,
    });
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 2, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    expect(await page.locator('#live').getAttribute('data-events')).toBe(
      `${signed.url}${prefix}/api/jobs/${SHARED}/events`,
    );
    // The JSON came through the share link too; nothing asked for the job without it.
    expect(asked).toContain(`${prefix}/api/jobs/${SHARED}/`);
    expect(asked.filter((p) => p.includes(SHARED) && !p.startsWith(prefix))).toEqual([]);
    expect(w.navigations()).toBe(1);
    expect(w.problems).toEqual([]);
    await context.close();
  });

  it('axe-core finds no timed refresh, and nothing new once the script has updated the page', async () => {
    // axe is injected as a script, which the page's own policy rightly refuses: this context bypasses it.
    const { context, page } = await open(AXE, { bypassCSP: true });
    await page.addScriptTag({ path: join(ROOT, 'node_modules/axe-core/axe.min.js') });
    type Result = {
      violations: { id: string; nodes: { target: string[] }[] }[];
      passes: { id: string }[];
      inapplicable: { id: string }[];
    };
    const audit = () =>
      page.evaluate(
        () =>
          (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<unknown> } }).axe.run(
            document,
            {
              runOnly: {
                type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
              },
            },
          ) as Promise<Result>,
      );
    const first = await audit();
    const ran = [...first.passes, ...first.inapplicable].map((r) => r.id);
    expect(ran).toContain('meta-refresh');
    expect(first.violations.map((v) => v.id)).not.toContain('meta-refresh');
    expect(first.violations.map((v) => v.id)).not.toContain('meta-refresh-no-exceptions');
    // The live elements themselves are clean, whatever else the page still has to fix.
    const onLive = (r: Result) =>
      r.violations.flatMap((v) =>
        v.nodes
          .filter((n) => n.target.some((t) => /#live|live-toggle/.test(t)))
          .map((n) => `${v.id} ${n.target.join(' ')}`),
      );
    expect(onLive(first)).toEqual([]);

    jobs.set(AXE, advance(jobs.get(AXE)!, 64));
    await page.waitForFunction(() => document.querySelectorAll('#iterations tbody tr').length === 4, null, {
      timeout: UPDATE_TIMEOUT_MS,
    });
    const after = await audit();
    expect(after.violations.map((v) => v.id)).not.toContain('meta-refresh');
    expect(onLive(after)).toEqual([]);
    // What the script built raises no rule the served page did not already.
    const known = new Set(first.violations.map((v) => v.id));
    expect(after.violations.map((v) => v.id).filter((id) => !known.has(id))).toEqual([]);
    await context.close();
  });
});
