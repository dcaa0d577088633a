import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { DEMO_JOBS, DEMO_LIVE } from '../src/demo-data';
import { EXAMPLE_ID } from '../src/openapi';
import { purgeDue } from '../src/shield';
import { importShareKey, mintShareToken } from '../src/share';
import { makeEntry } from '../src/cache';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import {
  clock,
  harness,
  json,
  newJobId,
  shieldEnv,
  strictShieldUpstreams,
  strictUpstreams,
  UPSTREAM_ENV,
} from './helpers';

// How a shared cache in front (Workers Cache) may keep each answer: every route of
// /openapi.json walked against the policy table (README "Caching"), Cache-Tag on every
// job-derived answer, and the purge of a job's tag when it finishes. The cache itself is
// simulated in front of wrangler dev: test/e2e/edge-cache.test.ts.

vi.setConfig({ testTimeout: 60_000 });

type Json = Record<string, unknown>;
const DEMO = { UPSTREAM_URL: '' };
/** Demo mode with the shields of wrangler.toml: what production runs, with the demo jobs. */
const DEMO_SHIELD = { ...DEMO, JOB_SHIELD: workerEnv.JOB_SHIELD };
const SECRET = 'edge-cache-share-secret-0123456789abcdef';
const SIGNED_DEMO = { ...DEMO_SHIELD, SHARE_MODE: 'signed', SHARE_SECRET: SECRET };
const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);
const OTHER_ID = ids.find((id) => id !== EXAMPLE_ID && id !== DEMO_LIVE.id) as string;
const UNKNOWN = '0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e';

/** What a cache may do with an answer: the policy table's classes. */
type Policy = 'job' | 'immutable' | 'document' | 'static' | 'redirect' | 'no-store' | 'not-found';

/** The policy table: each documented path's successful answer. */
const TABLE: Record<string, Policy> = {
  '/api/jobs/{id}/': 'job',
  '/api/jobs/{id}': 'job',
  '/jobs/{id}/': 'redirect',
  '/compare/{base}...{head}/': 'redirect',
  '/docs/': 'redirect',
  '/api/jobs/{id}/summary': 'job',
  '/api/jobs/{id}/events': 'no-store',
  '/jobs/{id}': 'job',
  '/jobs/{id}/og.png': 'job',
  '/jobs/{id}/og.svg': 'job',
  '/jobs/{id}/og.{version}.png': 'immutable',
  '/jobs/{id}/og.{version}.svg': 'immutable',
  '/jobs/{id}/badge.svg': 'job',
  '/jobs/{id}/badge.{version}.svg': 'immutable',
  '/jobs/{id}/badge.json': 'job',
  '/jobs/{id}/comment.md': 'job',
  '/compare/{base}...{head}': 'job',
  '/compare/{base}...{head}/og.png': 'job',
  '/compare/{base}...{head}/og.svg': 'job',
  '/compare/{base}...{head}/og.{version}.png': 'immutable',
  '/compare/{base}...{head}/og.{version}.svg': 'immutable',
  '/api/shares': 'no-store',
  '/': 'document',
  '/healthz': 'no-store',
  '/openapi.json': 'document',
  '/docs': 'document',
  '/robots.txt': 'static',
  '/favicon.ico': 'static',
  '/icon.svg': 'static',
};

const FORBIDDEN = /\b(?:s-maxage|must-revalidate|proxy-revalidate)\b/;

/**
 * Problems of an answer's caching headers against its policy; [] when it follows it. `shielded`:
 * the worker has its shields, so a finished job's answer that the shield vouched for in this
 * request (Server-Timing starts with `shield` or `source`) must carry the edge's own lifetime,
 * and any other answer must not.
 */
function problems(
  res: Response,
  policy: Policy,
  tags: string[],
  terminal: boolean,
  shielded = true,
): string[] {
  const out: string[] = [];
  const cc = res.headers.get('Cache-Control');
  const edge = res.headers.get('Cloudflare-CDN-Cache-Control');
  const tag = res.headers.get('Cache-Tag');
  if (!cc) return ['no Cache-Control'];
  for (const v of [cc, edge ?? '']) if (FORBIDDEN.test(v)) out.push(`forbidden directive in ${v}`);
  const lifetime = /^public, max-age=(\d+), stale-while-revalidate=\d+, stale-if-error=\d+$/;
  switch (policy) {
    case 'job': {
      if (!lifetime.test(cc)) out.push(`job lifetime expected, got ${cc}`);
      const vouched = shielded && /^(?:shield|source)\b/.test(res.headers.get('Server-Timing') ?? '');
      if (terminal && vouched && !(edge && lifetime.test(edge))) {
        out.push(`edge lifetime expected, got ${edge}`);
      }
      if (!(terminal && vouched) && edge) out.push(`no edge lifetime expected, got ${edge}`);
      if (edge && Number(lifetime.exec(edge)?.[1]) <= Number(lifetime.exec(cc)?.[1])) {
        out.push('the edge lifetime is not longer than the browser’s');
      }
      break;
    }
    case 'immutable':
      if (cc !== 'public, max-age=31536000, immutable') out.push(`immutable expected, got ${cc}`);
      break;
    case 'document':
      if (cc !== 'public, max-age=300') out.push(`document expected, got ${cc}`);
      break;
    case 'static':
    case 'redirect':
      if (cc !== 'public, max-age=86400') out.push(`static expected, got ${cc}`);
      break;
    case 'no-store':
      if (!/^no-store\b/.test(cc)) out.push(`no-store expected, got ${cc}`);
      break;
    case 'not-found': {
      const m = /^public, max-age=(\d+)$/.exec(cc);
      if (!m || Number(m[1]) > 30 || Number(m[1]) < 1)
        out.push(`a 404 remembered ≤ 30 s expected, got ${cc}`);
      break;
    }
  }
  if (policy === 'job' || policy === 'immutable') {
    if ((tag ?? '').split(',').sort().join(',') !== [...tags].sort().join(',')) {
      out.push(`Cache-Tag ${tag} instead of ${tags.join(',')}`);
    }
  } else if (tag) out.push(`Cache-Tag on a non-job answer: ${tag}`);
  if (edge && policy !== 'job') out.push(`edge lifetime on a ${policy} answer`);
  return out;
}

async function versionOf(h: ReturnType<typeof harness>, path: string): Promise<string> {
  const res = await h.fetch(path);
  return ((await res.json()) as { version: string }).version;
}

async function compareVersion(h: ReturnType<typeof harness>, base: string, head: string): Promise<string> {
  const res = await h.fetch(`/compare/${base}...${head}/og.png`);
  await res.body?.cancel();
  const page = await (await h.fetch(`/compare/${base}...${head}`)).text();
  const m = new RegExp(`/compare/${base}\\.\\.\\.${head}/og\\.([0-9a-f]{12})\\.png`).exec(page);
  if (!m?.[1]) throw new Error('no versioned comparison card on the page');
  return m[1];
}

describe('the policy table, route by route', () => {
  it('covers every path /openapi.json documents', async () => {
    const doc = (await (await harness({ env: DEMO }).fetch('/openapi.json')).json()) as Json;
    const paths = Object.keys(doc.paths as Json).filter((p) => !p.startsWith('/s/'));
    expect(paths.filter((p) => !(p in TABLE))).toEqual([]);
    expect(Object.keys(TABLE).filter((p) => !paths.includes(p))).toEqual([]);
  });

  for (const [label, jobId] of [
    ['a terminal job', EXAMPLE_ID],
    ['a running job', DEMO_LIVE.id],
  ] as const) {
    it(`every documented route answers ${label} as the table says, and its unknown-job 404 too`, async () => {
      const h = harness({ env: DEMO_SHIELD });
      const status = ((await (await h.fetch(`/api/jobs/${jobId}/`)).json()) as { status: string }).status;
      const terminal = jobId === EXAMPLE_ID;
      expect(['completed', 'failed', 'cancelled'].includes(status)).toBe(terminal);
      const version = await versionOf(h, `/api/jobs/${jobId}/summary`);
      const cmpVersion = await compareVersion(h, OTHER_ID, jobId);
      const doc = (await (await h.fetch('/openapi.json')).json()) as Json;
      const seen: string[] = [];
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
        if (path.startsWith('/s/') || !item.get) continue;
        const policy = TABLE[path];
        if (!policy) throw new Error(`${path} has no policy`);
        const concrete = path
          .replace('{id}', jobId)
          .replace('{base}', OTHER_ID)
          .replace('{head}', jobId)
          .replace('{version}', path.startsWith('/compare/') ? cmpVersion : version);
        // A new location each time: its first answer is the shield's, as on an edge miss.
        const res = await harness({ env: DEMO_SHIELD }).fetch(concrete);
        // A canonical-URL redirect (308) says nothing about the job: static, untagged.
        expect(res.status, concrete).toBe(policy === 'redirect' ? 308 : 200);
        const tags = path.startsWith('/compare/') ? [OTHER_ID, jobId] : path.includes('{id}') ? [jobId] : [];
        expect(problems(res, policy, tags, terminal), concrete).toEqual([]);
        await res.body?.cancel();
        if (policy !== 'redirect' && (path.includes('{id}') || path.includes('{head}'))) {
          const missing = concrete.split(jobId).join(UNKNOWN);
          const gone = await h.fetch(missing);
          expect(gone.status, missing).toBe(404);
          expect(problems(gone, 'not-found', [], false), missing).toEqual([]);
          await gone.body?.cancel();
          // A malformed id is a precise 400, about this request only.
          const bad = await h.fetch(concrete.split(jobId).join('not-a-uuid'));
          expect(bad.status).toBe(400);
          expect(bad.headers.get('Cache-Control')).toBe('no-store');
          await bad.body?.cancel();
        }
        seen.push(path);
      }
      expect(seen.length).toBeGreaterThan(20);
      // A comment against a base names both jobs; a 304 keeps every caching header.
      const against = await h.fetch(`/jobs/${jobId}/comment.md?base=${OTHER_ID}`);
      expect(against.headers.get('Cache-Tag')?.split(',').sort()).toEqual([jobId, OTHER_ID].sort());
      const etag = against.headers.get('ETag') ?? '';
      const same = await h.fetch(`/jobs/${jobId}/comment.md?base=${OTHER_ID}`, {
        headers: { 'If-None-Match': etag },
      });
      expect(same.status).toBe(304);
      expect(same.headers.get('Cache-Tag')).toBe(against.headers.get('Cache-Tag'));
      expect(same.headers.get('Cache-Control')).toBe(against.headers.get('Cache-Control'));
      // The redirect to the current version: briefly, tagged.
      const outdated = await h.fetch(`/jobs/${jobId}/og.000000000000.png`);
      expect(outdated.status).toBe(302);
      expect(outdated.headers.get('Cache-Control')).toMatch(/^public, max-age=\d+$/);
      expect(outdated.headers.get('Cache-Tag')).toBe(jobId);
    });
  }

  it('minting and the answers under a share link follow the table too, with the same tags', async () => {
    const h = harness({ env: SIGNED_DEMO });
    const minted = await h.fetch('/api/shares', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'any-demo-key' },
      body: JSON.stringify({ job_id: EXAMPLE_ID }),
    });
    expect(minted.status).toBe(201);
    expect(problems(minted, 'no-store', [], false)).toEqual([]);
    const base = new URL(
      ((await minted.json()) as { links: { report: string } }).links.report,
    ).pathname.replace(/\/jobs\/.*$/, '');
    for (const path of ['/api/jobs/{id}/', '/api/jobs/{id}/summary', '/jobs/{id}', '/jobs/{id}/badge.svg']) {
      const res = await h.fetch(`${base}${path.replace('{id}', EXAMPLE_ID)}`);
      expect(res.status, path).toBe(200);
      expect(problems(res, TABLE[path] as Policy, [EXAMPLE_ID], true), path).toEqual([]);
      await res.body?.cancel();
    }
    const events = await h.fetch(`${base}/api/jobs/${EXAMPLE_ID}/events`);
    expect(events.headers.get('Cache-Control')).toBe('no-store, no-transform');
    // A finished job's stream says `end` and closes.
    expect(await events.text()).toContain('event: end');
    const health = await h.fetch('/healthz');
    expect(health.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('share links that expire', () => {
  it('no cache keeps an answer past the link’s expiry, and nothing stale is allowed', async () => {
    const c = clock(Date.now());
    const h = harness({ env: SIGNED_DEMO, clock: c });
    const key = await importShareKey(SECRET);
    const expiresAt = Math.floor(c.now() / 1000) + 100;
    const token = await mintShareToken(key, { jobId: EXAMPLE_ID, expiresAt });
    const version = await versionOf(h, `/s/${token}/api/jobs/${EXAMPLE_ID}/summary`);
    for (const path of [
      `/api/jobs/${EXAMPLE_ID}/`,
      `/jobs/${EXAMPLE_ID}`,
      `/jobs/${EXAMPLE_ID}/og.${version}.png`,
    ]) {
      const res = await h.fetch(`/s/${token}${path}`);
      expect(res.status, path).toBe(200);
      const cc = res.headers.get('Cache-Control') ?? '';
      const m = /^public, max-age=(\d+)$/.exec(cc);
      expect(m, `${path}: ${cc}`).not.toBeNull();
      expect(Number(m?.[1])).toBeLessThanOrEqual(100);
      expect(res.headers.get('Cloudflare-CDN-Cache-Control'), path).toBeNull();
      expect(res.headers.get('Cache-Tag'), path).toBe(EXAMPLE_ID);
      await res.body?.cancel();
    }
    c.advance(99.5);
    const last = await h.fetch(`/s/${token}/api/jobs/${EXAMPLE_ID}/`);
    expect(last.headers.get('Cache-Control')).toBe('no-store');
    await last.body?.cancel();
  });
});

describe('unknown jobs', () => {
  const upstream = strictUpstreams();

  it('a 404 is cacheable only for what is left of the time it is remembered', async () => {
    const c = clock();
    const up = upstream(() => json({ detail: 'Not found.', code: 'not_found' }, 404));
    const h = harness({ upstream: up, clock: c });
    const id = newJobId();
    const first = await h.fetch(`/api/jobs/${id}/`);
    expect(first.status).toBe(404);
    expect(first.headers.get('Cache-Control')).toBe('public, max-age=30');
    c.advance(20);
    const later = await h.fetch(`/jobs/${id}`);
    expect(later.status).toBe(404);
    expect(later.headers.get('Cache-Control')).toBe('public, max-age=10');
    expect(up.calls).toEqual([id]);
  });
});

describe('purge by tag when a job finishes', () => {
  const upstream = strictShieldUpstreams();
  const env = shieldEnv({
    TTL_ACTIVE_SECONDS: '0',
    TTL_TERMINAL_SECONDS: '0',
    STALE_WHILE_REVALIDATE_SECONDS: '0',
  });

  function location(up: ReturnType<typeof upstream>, purged: string[][], fail = false) {
    return harness({
      upstream: up,
      env,
      deps: {
        purge: async (tags) => {
          purged.push(tags);
          if (fail) throw new Error('purge rate limited (code 1015)');
        },
      },
    });
  }

  it('purges once when the job becomes terminal and when a terminal job changes; never for a running job', async () => {
    const id = newJobId();
    let job = upstreamJob({ id, status: 'running' });
    const up = upstream(() => json(job));
    const purged: string[][] = [];
    const [a, b] = [location(up, purged), location(up, purged)];
    expect((await a.fetch(`/api/jobs/${id}/`)).status).toBe(200);
    // A running job's changes: no purge, its short lifetime covers them.
    job = upstreamJob({ id, status: 'running', best_score: 77 });
    await (await b.fetch(`/api/jobs/${id}/`)).text();
    expect(purged).toEqual([]);
    // It finishes: the location that learns it from the shield purges the job's tag, once.
    job = upstreamJob({ id, status: 'completed', best_score: 80 });
    const done = await a.fetch(`/api/jobs/${id}/`);
    expect(((await done.json()) as { status: string }).status).toBe('completed');
    expect(purged).toEqual([[id]]);
    await (await b.fetch(`/api/jobs/${id}/summary`)).text();
    await (await a.fetch(`/jobs/${id}`)).text();
    expect(purged, 'handed to one location only').toEqual([[id]]);
    // A terminal job whose content changes is purged again; the same content is not.
    job = upstreamJob({ id, status: 'completed', best_score: 81 });
    await (await b.fetch(`/api/jobs/${id}/`)).text();
    expect(purged).toEqual([[id], [id]]);
    await (await a.fetch(`/api/jobs/${id}/`)).text();
    expect(purged).toEqual([[id], [id]]);
    const logs = [...a.logs, ...b.logs].filter((l) => l.event === 'edge_purge');
    expect(logs).toEqual([
      expect.objectContaining({ tags: [id], via: 'injected' }),
      expect.objectContaining({ tags: [id], via: 'injected' }),
    ]);
  });

  it('only a copy the shield just vouched for is kept at the edge past a browser’s lifetime', async () => {
    const id = newJobId();
    const up = upstream(() => json(upstreamJob({ id, status: 'completed' })));
    const h = harness({ upstream: up, env: shieldEnv() });
    const first = await h.fetch(`/api/jobs/${id}/`);
    expect(first.headers.get('Server-Timing')).toMatch(/^source;/);
    expect(first.headers.get('Cloudflare-CDN-Cache-Control')).toBe(
      'public, max-age=86400, stale-while-revalidate=60, stale-if-error=86400',
    );
    // The isolate's own copy could be older than a purge the shield handed elsewhere.
    const again = await h.fetch(`/api/jobs/${id}/`);
    expect(again.headers.get('Server-Timing')).toBe('memory;desc="hit"');
    expect(again.headers.get('Cloudflare-CDN-Cache-Control')).toBeNull();
    expect(again.headers.get('Cache-Control')).toBe(first.headers.get('Cache-Control'));
    // Another location asks the shield: vouched again.
    const other = await harness({ upstream: up, env: shieldEnv() }).fetch(`/api/jobs/${id}/summary`);
    expect(other.headers.get('Server-Timing')).toMatch(/^shield;/);
    expect(other.headers.get('Cloudflare-CDN-Cache-Control')).not.toBeNull();
    expect(up.calls).toEqual([id]);
  });

  it('a failed or rate-limited purge is logged as a warning and changes no answer', async () => {
    const id = newJobId();
    let job = upstreamJob({ id, status: 'running' });
    const up = upstream(() => json(job));
    const purged: string[][] = [];
    const h = location(up, purged, true);
    await (await h.fetch(`/api/jobs/${id}/`)).text();
    job = upstreamJob({ id, status: 'completed' });
    const res = await h.fetch(`/api/jobs/${id}/`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('completed');
    expect(purged).toEqual([[id]]);
    expect(h.logs.filter((l) => l.event === 'edge_purge_failed')).toEqual([
      expect.objectContaining({ level: 'warn', tags: [id], error: expect.stringContaining('rate limited') }),
    ]);
  });

  it('the rule: became terminal, or terminal and changed; nothing for a first copy or a running change', async () => {
    const at = Date.now();
    const entry = (status: string, score = 1) =>
      makeEntry(upstreamJob({ status, best_score: score }) as never, EXAMPLE_ID, at);
    const running = await entry('running');
    const running2 = await entry('running', 2);
    const done = await entry('completed');
    const done2 = await entry('completed', 2);
    const failed = await entry('failed');
    expect(purgeDue(null, done)).toBe(false);
    expect(purgeDue(running, running2)).toBe(false);
    expect(purgeDue(running, done)).toBe(true);
    expect(purgeDue(done, done)).toBe(false);
    expect(purgeDue(done, done2)).toBe(true);
    expect(purgeDue(done, failed)).toBe(true);
    expect(purgeDue(done, running)).toBe(false);
  });
});

describe('without a shield', () => {
  const upstream = strictUpstreams();

  it('never purges: no single place then knows that a job finished', async () => {
    const purged: string[][] = [];
    let job = upstreamJob({ status: 'running' });
    const up = upstream(() => json(job));
    const h = harness({
      upstream: up,
      env: { ...UPSTREAM_ENV, TTL_ACTIVE_SECONDS: '0', STALE_WHILE_REVALIDATE_SECONDS: '0' },
      deps: { purge: async (tags) => void purged.push(tags) },
    });
    await (await h.fetch(`/api/jobs/${JOB_ID}/`)).text();
    job = upstreamJob({ status: 'completed' });
    const res = await h.fetch(`/api/jobs/${JOB_ID}/`);
    // Nothing would correct a longer edge lifetime, so there is none.
    expect(res.headers.get('Cloudflare-CDN-Cache-Control')).toBeNull();
    expect(((await res.json()) as { status: string }).status).toBe('completed');
    expect(up.calls).toEqual([JOB_ID, JOB_ID]);
    expect(purged).toEqual([]);
  });
});
