import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { DEMO_LIVE } from '../src/demo-data';
import { jobUrls } from '../src/links';
import { importShareKey, mintShareToken } from '../src/share';
import type { Job } from '../src/schema';
import { LIVE_SCRIPT, liveScriptHash } from '../src/views/html/live';
import { renderReportPage } from '../src/views/html/report';
import { CTX, job as reportJob } from './fixtures/report-jobs';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import { clock, harness, json, strictUpstreams, UPSTREAM_ENV } from './helpers';

// The live report page as a client gets it: an active job's page carries the one live script,
// allowed by its hash, with the URLs it needs in data attributes and a page that still says
// everything without it; a finished job's page carries no script and allows none. What the
// script does in a browser is test/browser/live.browser.test.ts.

const PAGE = `/jobs/${JOB_ID}`;
const upstream = strictUpstreams();

type Doc = ReturnType<typeof parseDocument>;
type El = ReturnType<typeof DomUtils.getElementsByTagName>[number];

const all = (doc: Doc): El[] => DomUtils.findAll(() => true, doc.children);
const byId = (doc: Doc, id: string): El | undefined => all(doc).find((e) => e.attribs.id === id);
const textOf = (e: El | undefined): string => (e ? DomUtils.textContent(e).replace(/\s+/g, ' ').trim() : '');

function directives(csp: string | null): Record<string, string> {
  return Object.fromEntries(
    (csp ?? '').split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]),
  );
}

async function sha256(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`;
}

async function page(status: string | null, env = UPSTREAM_ENV, path = PAGE) {
  const up = upstream(() => json(upstreamJob({ status, best_score: status === 'completed' ? 75 : null })));
  const res = await harness({ upstream: up, env }).fetch(path);
  expect(res.status).toBe(200);
  const html = await res.text();
  return { res, html, doc: parseDocument(html), csp: res.headers.get('Content-Security-Policy') };
}

describe('the page of an active job', () => {
  for (const status of ['running', 'pending', null]) {
    it(`(${String(status)}) carries exactly the live script, allowed by its hash and nothing else`, async () => {
      const { html, doc, csp } = await page(status);
      const scripts = DomUtils.getElementsByTagName('script', doc.children);
      expect(scripts).toHaveLength(1);
      expect(scripts[0]!.attribs).toEqual({});
      expect(DomUtils.textContent(scripts[0]!)).toBe(LIVE_SCRIPT);
      // The hash is of the bytes the page carries, computed here independently.
      const d = directives(csp);
      expect(d['script-src']).toBe(await sha256(LIVE_SCRIPT));
      expect(d['script-src']).toBe(await liveScriptHash());
      expect(d['connect-src']).toBe("'self'");
      expect(d['default-src']).toBe("'none'");
      expect(d['require-trusted-types-for']).toBe("'script'");
      expect(d['trusted-types']).toBe("'none'");
      expect(csp).not.toMatch(/unsafe|'self' 'self'|\*/);
      expect(csp?.split('script-src')).toHaveLength(2);
      // No timed refresh of any kind.
      expect(html).not.toMatch(/http-equiv/i);
    });
  }

  it('says it is running and links to newer data without JavaScript', async () => {
    const { doc } = await page('running');
    const banner = byId(doc, 'live');
    expect(banner?.attribs.class).toBe('banner banner-live');
    expect(textOf(banner)).toMatch(
      /^Running\. This job is still running; this page shows it as of \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Refresh to see newer data$/,
    );
    const refresh = byId(doc, 'live-refresh');
    expect(refresh?.name).toBe('a');
    expect(refresh?.attribs.href).toBe(`https://edge.test${PAGE}`);
    // The announcer exists before anything is announced, empty, and polite.
    const announce = byId(doc, 'live-announce');
    expect(announce?.attribs['aria-live']).toBe('polite');
    expect(textOf(announce)).toBe('');
  });

  it('gives the script its URLs and version in data attributes, under the page link base', async () => {
    const { doc, html } = await page('running');
    const live = byId(doc, 'live')!;
    const version = live.attribs['data-version']!;
    expect(version).toMatch(/^[0-9a-f]{12}$/);
    const urls = jobUrls('https://edge.test', JOB_ID, version);
    expect(live.attribs['data-events']).toBe(urls.events);
    expect(live.attribs['data-events']).toBe(`https://edge.test/api/jobs/${JOB_ID}/events`);
    expect(live.attribs['data-json']).toBe(urls.json);
    expect(live.attribs['data-job']).toBe(JOB_ID);
    // The version is the one the events carry (the summary's), so "new version" means new data.
    expect(html).toContain(`/og.${version}.png`);
    // The headline best the page shows, so the first event announces nothing.
    expect(Number(live.attribs['data-best'])).toBe(75);
  });

  it('takes the events origin from PUBLIC_ORIGIN, and allows connecting there', async () => {
    const env = { ...UPSTREAM_ENV, PUBLIC_ORIGIN: 'https://reports.example.com' };
    const { doc, csp } = await page('running', env);
    expect(byId(doc, 'live')?.attribs['data-events']).toBe(
      `https://reports.example.com/api/jobs/${JOB_ID}/events`,
    );
    expect(directives(csp)['connect-src']).toBe("'self' https://reports.example.com");
  });

  it('puts every job link it uses under the page link base (a share link prefix)', () => {
    const base = 'https://edge.example/s/tok_abc';
    const j: Job = reportJob({ status: 'running' });
    const doc = parseDocument(renderReportPage(j, { ...CTX, base, pathBase: '/s/tok_abc' }));
    const live = byId(doc, 'live')!;
    const urls = jobUrls(base, j.id, CTX.version);
    expect(live.attribs['data-events']).toBe(urls.events);
    expect(live.attribs['data-json']).toBe(urls.json);
    expect(byId(doc, 'live-refresh')?.attribs.href).toBe(urls.report);
    expect(urls.events.startsWith(`${base}/api/jobs/`)).toBe(true);
  });

  it('opened through a signed share link, points the script at the events and JSON under it', async () => {
    const secret = 'a-share-secret-of-at-least-32-characters!';
    const env = { ...UPSTREAM_ENV, SHARE_MODE: 'signed', SHARE_SECRET: secret };
    const token = await mintShareToken(await importShareKey(secret), { jobId: JOB_ID, expiresAt: null });
    const up = upstream(() => json(upstreamJob({ status: 'running', best_score: null })));
    const res = await harness({ upstream: up, env }).fetch(`/s/${token}/jobs/${JOB_ID}`);
    expect(res.status).toBe(200);
    const doc = parseDocument(await res.text());
    const live = byId(doc, 'live')!;
    const base = `https://edge.test/s/${token}`;
    expect(live.attribs['data-events']).toBe(`${base}/api/jobs/${JOB_ID}/events`);
    expect(live.attribs['data-json']).toBe(`${base}/api/jobs/${JOB_ID}/`);
    expect(byId(doc, 'live-refresh')?.attribs.href).toBe(`${base}/jobs/${JOB_ID}`);
    expect(directives(res.headers.get('Content-Security-Policy'))['script-src']).toBe(await liveScriptHash());
  });

  it('marks what the script updates', async () => {
    const { doc } = await page('running');
    const hooks = all(doc)
      .map((e) => e.attribs['data-live'] ?? e.attribs['data-live-fact'])
      .filter(Boolean);
    expect(hooks.sort()).toEqual(['created', 'duration', 'for', 'iterations', 'updated', 'updated-at']);
    for (const id of ['summary', 'chart', 'iterations']) expect(byId(doc, id)?.name).toBe('section');
  });

  it('answers 304 with the same live policy', async () => {
    const up = upstream(() => json(upstreamJob({ status: 'running', best_score: null })));
    const h = harness({ upstream: up });
    const first = await h.fetch(PAGE);
    const again = await h.fetch(PAGE, { headers: { 'If-None-Match': first.headers.get('ETag') ?? '' } });
    expect(again.status).toBe(304);
    expect(again.headers.get('Content-Security-Policy')).toBe(first.headers.get('Content-Security-Policy'));
  });
});

describe('the page of a finished job', () => {
  for (const status of ['completed', 'failed', 'cancelled']) {
    it(`(${status}) carries no script and its policy allows none`, async () => {
      const { html, doc, csp } = await page(status);
      expect(DomUtils.getElementsByTagName('script', doc.children)).toHaveLength(0);
      expect(html).not.toMatch(/<script|http-equiv/i);
      const d = directives(csp);
      expect(d['default-src']).toBe("'none'");
      expect(Object.keys(d)).not.toContain('script-src');
      // Same-origin connections only, and no script that could make one.
      expect(d['connect-src']).toBe("'self'");
      expect(byId(doc, 'live')).toBeUndefined();
      expect(byId(doc, 'live-announce')).toBeUndefined();
      expect(all(doc).some((e) => 'data-live' in e.attribs || 'data-live-fact' in e.attribs)).toBe(false);
    });
  }
});

describe('the demo running job, live', () => {
  it('moves on with the injected clock: one more iteration each step, a new version, a new page', async () => {
    const cycle = DEMO_LIVE.cycleSeconds * 1000;
    const c = clock(Math.floor(Date.parse('2026-11-30T12:00:00Z') / cycle) * cycle + 500);
    const h = harness({ env: { UPSTREAM_URL: '' }, clock: c });
    const read = async () => {
      const doc = parseDocument(await (await h.fetch(`/jobs/${DEMO_LIVE.id}`)).text());
      const rows = DomUtils.getElementsByTagName('tr', byId(doc, 'iterations')!.children).length - 1;
      return { rows, version: byId(doc, 'live')?.attribs['data-version'] };
    };
    const seen = [await read()];
    for (let k = 1; k < DEMO_LIVE.maxIterations; k++) {
      // Past the step, past freshness and stale-while-revalidate: the next page is built from the source.
      c.advance(DEMO_LIVE.stepSeconds + 61);
      seen.push(await read());
      if (seen.at(-1)!.rows >= DEMO_LIVE.maxIterations || seen.length > 3) break;
    }
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.rows).toBeGreaterThan(seen[i - 1]!.rows);
      expect(seen[i]!.version).not.toBe(seen[i - 1]!.version);
    }
    expect(seen[0]!.rows).toBe(1);
    expect(seen.length).toBeGreaterThanOrEqual(3);
  });
});
