import { createExecutionContext, env as testEnv, waitOnExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { createApp, errorResponse } from '../src/app';
import { DEMO_JOBS } from '../src/demo-data';
import type { Env } from '../src/env';
import { jobUrls } from '../src/links';
import { shareGate } from '../src/middleware/share-gate';
import { appRoutes } from '../src/routes';
import { isolateState, provideRoutes, services, type AppEnv, type Deps } from '../src/services';
import { importShareKey, mintShareToken, shareContextOf, verifyShareToken } from '../src/share';
import { JOB_ID, OTHER_ID, upstreamJob } from './fixtures/upstream-jobs';
import { API_KEY, clock, harness, json, strictUpstreams, UPSTREAM_ENV, type Harness } from './helpers';

// Signed sharing as a client meets it: share links open every face of their job and nothing
// else; every bad link, and every job without one, gets the same bytes as an unknown job,
// without a single upstream call; minting asks the upstream with the caller's own key.

const SECRET = 'route-share-secret-0123456789abcdefghij';
const OLD_SECRET = 'route-share-previous-secret-zyxwvu98765';
const STRANGER_SECRET = 'a-secret-this-worker-never-had-00000000';
const CALLER = 'ovr_caller_key_must_never_leak_5d1e';
const OUTSIDER = 'ovr_outsider_key_forbidden_8a2b77';
const REVOKED = 'ovr_revoked_key_3c4d99';
const NEVER_SEEN = [SECRET, OLD_SECRET, CALLER, OUTSIDER, REVOKED, API_KEY];

const A = JOB_ID;
const B = OTHER_ID;
/** A third job the upstream knows, for "another job's link". */
const C = '5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
/** A job nobody has. */
const U = '0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e';

const SIGNED: Env = { ...UPSTREAM_ENV, SHARE_MODE: 'signed', SHARE_SECRET: SECRET };
const ORIGIN = 'https://edge.test';

const upstream = strictUpstreams();

/** Room for the many-request tests on a loaded 2-core machine (the oracle test makes ~1,400 requests). */
vi.setConfig({ testTimeout: 60_000 });

const JOBS: Record<string, Record<string, unknown>> = {
  [A]: upstreamJob(),
  [B]: upstreamJob({ id: B, prompt_slug: 'base-branch-run', best_score: 70, improvement: 7.5 }),
  [C]: upstreamJob({ id: C, prompt_slug: 'someone-elses-run' }),
};

/** The upstream: the service key and CALLER read every job; OUTSIDER's project has none; REVOKED is refused. */
function jobsUpstream() {
  return upstream((req) => {
    const id = /\/api\/jobs\/([^/]+)\/$/.exec(new URL(req.url).pathname)?.[1] ?? '';
    const key = req.headers.get('X-Api-Key');
    const job = JOBS[id];
    const missing = () => json({ detail: 'Not found.', code: 'not_found' }, 404);
    if (key === API_KEY || key === CALLER) return job ? json(job) : missing();
    if (key === OUTSIDER) {
      return job ? json({ detail: 'You do not have permission to perform this action.' }, 403) : missing();
    }
    return json({ detail: 'Authentication credentials were not provided.', code: 'not_authenticated' }, 401, {
      'WWW-Authenticate': 'Bearer',
    });
  });
}

async function tokenFor(jobId: string, expiresAt: number | null = null, secret = SECRET): Promise<string> {
  return mintShareToken(await importShareKey(secret), { jobId, expiresAt });
}

interface Seen {
  status: number;
  headers: [string, string][];
  body: string;
}

async function seen(res: Response): Promise<Seen> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  // One character per byte, so binary bodies compare byte for byte.
  let body = '';
  for (let i = 0; i < bytes.length; i += 8192) body += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return { status: res.status, headers: [...res.headers].sort(), body };
}

/** Every face of job `id` by its public path; `other` is the second job of the two-job faces. */
function faces(id: string, other: string, version = '0123456789ab'): string[] {
  const u = jobUrls('', id, version);
  return [
    u.report,
    `${u.report}/`,
    `/jobs/${id.toUpperCase()}`,
    u.json,
    `/api/jobs/${id}`,
    u.summary,
    u.events,
    u.comment,
    `${u.comment}?base=${other}`,
    u.ogPng,
    u.ogSvg,
    u.badgeSvg,
    u.badgeJson,
    u.ogPngLatest,
    `${u.ogPngLatest}?theme=dark`,
    u.badgeSvgLatest,
    `${u.badgeSvgLatest}?style=flat-square&label=x`,
    `/jobs/${id}/og.svg`,
    `/compare/${id}...${other}`,
    `/compare/${other}...${id}`,
    `/compare/${id}...${other}/og.png`,
    `/jobs/${id}/no-such-face`,
    `/api/jobs/${id}/no-such-face`,
  ];
}

/** The job ids a public path names, for building its share segment. */
function named(path: string): string[] {
  return [
    ...new Set(
      path.toLowerCase().match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [],
    ),
  ];
}

function alter(token: string, at = 20): string {
  const c = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + c + token.slice(at + 1);
}

function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % 64]).join('');
}

function withQuery(path: string, q: string): string {
  return path.includes('?') ? `${path}&${q}` : `${path}?${q}`;
}

/** Every place a job path appears in `text`, with the share prefix (if any) in front of it. */
function jobPathPrefixes(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(\/s\/[A-Za-z0-9_.-]+)?\/(?:api\/jobs|jobs|compare)\/[0-9a-f]{8}-/g)) {
    found.push(m[1] ?? '');
  }
  return found;
}

describe('signed mode: no existence oracle', () => {
  it('a job without a valid link answers exactly like an unknown job, on every face, with no upstream call', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const past = Math.floor(Date.now() / 1000) - 60;
    const tokens = {
      a: await tokenFor(A),
      u: await tokenFor(U),
      otherJob: await tokenFor(C),
      otherJobExpired: await tokenFor(C, past),
      oldSecret: await tokenFor(A, null, OLD_SECRET),
      strangerSecret: await tokenFor(A, null, STRANGER_SECRET),
    };
    // Each attack turns a public path of job `id` into the URL it tries.
    const attacks: Record<string, (path: string, id: string) => string> = {
      'no link': (p) => p,
      'forged (random) token': (p) => `/s/${randomToken(66)}${p}`,
      'forged token of expiring length': (p) => `/s/${randomToken(71)}${p}`,
      'altered token': (p, id) => `/s/${alter(id === A ? tokens.a : tokens.u)}${p}`,
      'altered last character': (p, id) => {
        const t = id === A ? tokens.a : tokens.u;
        return `/s/${alter(t, t.length - 1)}${p}`;
      },
      'truncated token': (p, id) => `/s/${(id === A ? tokens.a : tokens.u).slice(0, -1)}${p}`,
      'token with padding': (p, id) => `/s/${id === A ? tokens.a : tokens.u}=${p}`,
      'lower-cased token': (p, id) => `/s/${(id === A ? tokens.a : tokens.u).toLowerCase()}${p}`,
      "another job's token": (p) => `/s/${tokens.otherJob}${p}`,
      "another job's expired token": (p) => `/s/${tokens.otherJobExpired}${p}`,
      'token under a secret not configured (previous, unlisted)': (p) => `/s/${tokens.oldSecret}${p}`,
      'token under a stranger secret': (p) => `/s/${tokens.strangerSecret}${p}`,
      'empty token': (p) => `/s/${p}`,
      'token in the query instead': (p, id) => withQuery(p, `token=${id === A ? tokens.a : tokens.u}`),
      'token segment of five': (p) => `/s/${[1, 2, 3, 4, 5].map(() => tokens.otherJob).join('.')}${p}`,
    };
    const aFaces = faces(A, B);
    const uFaces = faces(U, B);
    let compared = 0;
    for (const [name, attack] of Object.entries(attacks)) {
      for (let i = 0; i < aFaces.length; i++) {
        for (const method of ['GET', 'HEAD']) {
          const pa = attack(aFaces[i] ?? '', A);
          const pu = attack(uFaces[i] ?? '', U);
          const existing = await seen(await h.fetch(pa, { method }));
          const unknown = await seen(await h.fetch(pu, { method }));
          expect(existing, `${name}: ${method} ${pa} vs ${pu}`).toEqual(unknown);
          // And like the public path itself without any link.
          const plain = await seen(await h.fetch(aFaces[i] ?? '', { method }));
          expect(existing, `${name}: ${method} ${pa} vs no link`).toEqual(plain);
          expect(existing.status, pa).toBe(404);
          compared++;
        }
      }
    }
    expect(compared).toBe(Object.keys(attacks).length * aFaces.length * 2);
    expect(up.calls, 'no job was loaded to decide').toEqual([]);
  });

  it('the not-found answer keeps each face’s format: JSON on the API and images, HTML on pages, a badge for badges', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const expectations: [string, RegExp][] = [
      [`/api/jobs/${A}/`, /^application\/json/],
      [`/api/jobs/${A}/summary`, /^application\/json/],
      [`/api/jobs/${A}/events`, /^application\/json/],
      [`/jobs/${A}`, /^text\/html/],
      [`/compare/${A}...${B}`, /^text\/html/],
      [`/jobs/${A}/og.png`, /^application\/json/],
      [`/jobs/${A}/badge.svg`, /^image\/svg\+xml/],
    ];
    for (const [path, type] of expectations) {
      const res = await h.fetch(`/s/${await tokenFor(C)}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('Content-Type'), path).toMatch(type);
      expect(res.headers.get('X-Error-Code'), path).toBe('not_found');
    }
    const api = await h.fetch(`/api/jobs/${A}/`);
    expect(await api.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    // CORS on the API's answers stays as it is for an unknown job.
    expect(api.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('any other request that names a job id, in its path or query, is the not-found answer too', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const enc = [...A].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    for (const path of [
      `/api/jobs/${A}/summary`,
      `/JOBS/${A}`,
      `//jobs/${A}`,
      `/api//jobs/${A}/`,
      `/jobs/${enc}`,
      `/?job=${A}`,
      `/healthz?id=${A.toUpperCase()}`,
      `/jobs`,
    ]) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(404);
    }
    expect(up.calls).toEqual([]);
  });

  it('a genuine expired link is a 410 with a clear answer in each format, still without loading the job', async () => {
    const up = jobsUpstream();
    const clk = clock();
    const h = harness({ upstream: up, env: SIGNED, clock: clk });
    const at = Math.floor(clk.now() / 1000) - 1;
    const ta = await tokenFor(A, at);
    const tu = await tokenFor(U, at);
    const tb = await tokenFor(B);
    const aFaces = faces(A, B);
    const uFaces = faces(U, B);
    for (let i = 0; i < aFaces.length; i++) {
      const pa = aFaces[i] ?? '';
      const seg = (t: string, p: string) => (named(p).length > 1 ? `${t}.${tb}` : t);
      const existing = await seen(await h.fetch(`/s/${seg(ta, pa)}${pa}`));
      const unknown = await seen(await h.fetch(`/s/${seg(tu, uFaces[i] ?? '')}${uFaces[i] ?? ''}`));
      expect(existing.status, pa).toBe(410);
      expect(existing, pa).toEqual(unknown);
      expect(existing.body).not.toContain(ta);
    }
    const api = await h.fetch(`/s/${ta}/api/jobs/${A}/`);
    expect(await api.json()).toEqual({
      code: 'share_expired',
      detail: `This share link expired at ${new Date(at * 1000).toISOString()}. Ask whoever shared it for a new link.`,
    });
    expect(api.headers.get('Cache-Control')).toBe('no-store');
    const page = await h.fetch(`/s/${ta}/jobs/${A}`);
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('This share link has expired');
    expect(html).toContain('Ask whoever sent you this one for a new link.');
    const badge = await h.fetch(`/s/${ta}/jobs/${A}/badge.svg`);
    expect(badge.headers.get('Content-Type')).toMatch(/^image\/svg\+xml/);
    expect(await badge.text()).toContain('link expired');
    // Another job's expired link is not this job's business: 404, not 410.
    expect((await h.fetch(`/s/${await tokenFor(C, at)}/jobs/${A}`)).status).toBe(404);
    expect(up.calls).toEqual([]);
  });

  it('a link opens until its expiry and not a second after', async () => {
    const up = jobsUpstream();
    const clk = clock();
    const h = harness({ upstream: up, env: SIGNED, clock: clk });
    const t = await tokenFor(A, Math.floor(clk.now() / 1000) + 60);
    clk.advance(59);
    expect((await h.fetch(`/s/${t}/api/jobs/${A}/`)).status).toBe(200);
    clk.advance(1);
    expect((await h.fetch(`/s/${t}/api/jobs/${A}/`)).status).toBe(410);
  });
});

describe('signed mode: a link opens every face of its job', () => {
  it('each face answers as its public path does in public mode, with every job link under the share', async () => {
    const clk = clock();
    const pub = harness({ upstream: jobsUpstream(), env: UPSTREAM_ENV, clock: clk });
    const upSigned = jobsUpstream();
    const sig = harness({ upstream: upSigned, env: SIGNED, clock: clk });
    const version = ((await (await pub.fetch(`/api/jobs/${A}/summary`)).json()) as { version: string })
      .version;
    const ta = await tokenFor(A);
    const tb = await tokenFor(B);
    let checked = 0;
    for (const path of [...faces(A, B, version), `/jobs/${A}/og.000000000000.png`]) {
      const segment = named(path).length > 1 ? `${ta}.${tb}` : ta;
      const prefix = `/s/${segment}`;
      const want = await seen(await pub.fetch(path));
      const res = await sig.fetch(`${prefix}${path}`);
      const got = await seen(res);
      expect(got.status, path).toBe(want.status);
      const header = (s: Seen, k: string) => s.headers.find(([n]) => n === k)?.[1];
      expect(header(got, 'content-type'), path).toBe(header(want, 'content-type'));
      expect(header(got, 'cache-control'), path).toBe(header(want, 'cache-control'));
      // Rebased, the answer is the public one; a shared page also says noindex in its head.
      const rebased = got.body.split(prefix).join('').replace('<meta name="robots" content="noindex">', '');
      expect(rebased, path).toBe(want.body);
      const location = header(want, 'location');
      if (location) expect(header(got, 'location'), path).toBe(`${prefix}${location}`);
      if (got.status < 400) {
        expect(header(got, 'x-robots-tag'), path).toBe('noindex, nofollow');
        // Every job link the answer prints carries the share.
        for (const p of jobPathPrefixes(got.body)) expect(p, path).toBe(prefix);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    for (const req of upSigned.requests) expect(req.headers.get('X-Api-Key')).toBe(API_KEY);
  });

  it('the report carries the token in og:image, twitter:image, canonical, previews, snippets and links', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const ta = await tokenFor(A);
    const html = await (await h.fetch(`/s/${ta}/jobs/${A}`)).text();
    const meta = (k: string) =>
      new RegExp(`<meta (?:property|name)="${k}" content="([^"]+)"`).exec(html)?.[1] ?? 'missing';
    expect(meta('og:image')).toMatch(new RegExp(`^${ORIGIN}/s/${ta}/jobs/${A}/og\\.[0-9a-f]{12}\\.png$`));
    expect(meta('twitter:image')).toBe(meta('og:image'));
    expect(meta('og:url')).toBe(`${ORIGIN}/s/${ta}/jobs/${A}`);
    expect(html).toContain(`<link rel="canonical" href="${ORIGIN}/s/${ta}/jobs/${A}"`);
    expect(html).toMatch(new RegExp(`src="/s/${ta}/jobs/${A}/badge\\.[0-9a-f]{12}\\.svg"`));
    expect(html).toContain(`[![`);
    expect(html).toContain(`(${ORIGIN}/s/${ta}/jobs/${A})`);
    const prefixes = jobPathPrefixes(html);
    expect(prefixes.length).toBeGreaterThan(8);
    expect(new Set(prefixes)).toEqual(new Set([`/s/${ta}`]));
    // The card opens from its URL alone: no cookie, no referrer, nothing else.
    const card = await h.fetch(meta('og:image'));
    expect(card.status).toBe(200);
    expect(card.headers.get('Content-Type')).toBe('image/png');
  });

  it('the summary, the comment and the events carry the token in every link', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const ta = await tokenFor(A);
    const tb = await tokenFor(B);
    const summary = (await (await h.fetch(`/s/${ta}/api/jobs/${A}/summary`)).json()) as {
      links: Record<string, string>;
    };
    for (const link of Object.values(summary.links)) expect(link.startsWith(`${ORIGIN}/s/${ta}/`)).toBe(true);
    const comment = await (await h.fetch(`/s/${ta}.${tb}/jobs/${A}/comment.md?base=${B}`)).text();
    expect(new Set(jobPathPrefixes(comment))).toEqual(new Set([`/s/${ta}.${tb}`]));
    const events = await (await h.fetch(`/s/${ta}/api/jobs/${A}/events`)).text();
    expect(events).toContain('event: job');
    expect(new Set(jobPathPrefixes(events))).toEqual(new Set([`/s/${ta}`]));
  });

  it('two links to one job: one cached answer per link, one cached job, no token in the other’s answer', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const t1 = await tokenFor(A);
    const t2 = await tokenFor(A, 2_000_000_000);
    const paths = [`/jobs/${A}`, `/api/jobs/${A}/summary`, `/jobs/${A}/comment.md`, `/api/jobs/${A}/events`];
    for (const round of [1, 2]) {
      for (const [mine, theirs] of [
        [t1, t2],
        [t2, t1],
      ] as const) {
        for (const p of paths) {
          const text = await (await h.fetch(`/s/${mine}${p}`)).text();
          expect(text, `${round} ${p}`).toContain(`/s/${mine}/`);
          expect(text, `${round} ${p}`).not.toContain(theirs);
        }
      }
    }
    const count = (kind: string) => h.renders.filter((r) => r === kind).length;
    expect(count('report')).toBe(2);
    expect(count('summary')).toBe(2);
    expect(count('comment')).toBe(2);
    // The pictures hold no link: one render, whichever link asks.
    await h.fetch(`/s/${t1}/jobs/${A}/og.svg`);
    await h.fetch(`/s/${t2}/jobs/${A}/og.svg`);
    expect(count('og.svg')).toBe(1);
    // The job is cached by its id: one upstream call for both links and every face.
    expect(up.calls).toEqual([A]);
  });

  it('a segment holds one token per job a request names; tokens for jobs not named may ride along', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const [ta, tb, tc] = [await tokenFor(A), await tokenFor(B), await tokenFor(C)];
    const ok = async (p: string) => expect((await h.fetch(p)).status, p).toBe(200);
    const gone = async (p: string) => {
      const res = await h.fetch(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('X-Error-Code'), p).toBe('not_found');
    };
    await ok(`/s/${ta}.${tb}/compare/${A}...${B}`);
    await ok(`/s/${tb}.${ta}/compare/${A}...${B}`);
    await ok(`/s/${ta}.${tb}/jobs/${A}`);
    await ok(`/s/${ta}.${tb}/jobs/${A}/comment.md?base=${B}`);
    await gone(`/s/${ta}/compare/${A}...${B}`);
    await gone(`/s/${ta}.${tc}/compare/${A}...${B}`);
    await gone(`/s/${ta}/jobs/${A}/comment.md?base=${B}`);
    await gone(`/s/${ta}.${ta}/jobs/${A}`);
    await gone(`/s/${ta}.${alter(tb)}/jobs/${A}`);
    await gone(`/s/${ta}./jobs/${A}`);
    await gone(`/s/${ta}.${tb}.${tc}.${ta.slice(0, 30)}x/jobs/${A}`);
    // A job smuggled in anywhere else in the URL needs its own token too.
    const encB = B.replace(/7/g, '%37');
    for (const q of [`base=${B}`, `x=${B.toUpperCase()}`, `q=${encB}`, `${B}=1`]) {
      await gone(`/s/${ta}/jobs/${A}?${q}`);
    }
    await gone(`/s/${ta}/jobs/${A}/%2e%2e/${B}`);
    await gone(`/s/${ta}/jobs/${A}/..%2f..%2fjobs%2f${B}`);
    // Nothing but job paths opens under a share.
    for (const p of ['', '/', '/healthz', '/api/shares', '/docs', '/s/x/jobs/' + A])
      await gone(`/s/${ta}${p}`);
    const calls = new Set(up.calls);
    expect(calls.has(C)).toBe(false);
  });

  it('a share cannot move a page to another origin', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const ta = await tokenFor(A);
    for (const p of [`/s/${ta}//evil.test/jobs/${A}`, `/s/${ta}/\\evil.test/jobs/${A}`]) {
      const res = await h.fetch(p);
      const text = await res.text();
      expect(text).not.toContain('evil.test');
      expect(res.headers.get('Location') ?? '').not.toContain('evil.test');
    }
  });

  it('redirects to the job’s own paths stay under the share', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const ta = await tokenFor(A);
    const tb = await tokenFor(B);
    const old = await h.fetch(`/s/${ta}/jobs/${A}/og.000000000000.png?theme=dark`);
    expect(old.status).toBe(302);
    expect(old.headers.get('Location')).toMatch(
      new RegExp(`^/s/${ta}/jobs/${A}/og\\.[0-9a-f]{12}\\.png\\?theme=dark$`),
    );
    const slash = await h.fetch(`/s/${ta}.${tb}/compare/${A}...${B}/`);
    expect(slash.status).toBe(308);
    expect(slash.headers.get('Location')).toBe(`/s/${ta}.${tb}/compare/${A}...${B}`);
    const upper = await h.fetch(`/s/${ta}.${tb}/compare/${A.toUpperCase()}...${B}`);
    expect(upper.status).toBe(308);
    expect(upper.headers.get('Location')).toBe(`/s/${ta}.${tb}/compare/${A}...${B}`);
  });

  it('keeps method, conditional headers and Last-Event-ID through the share', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const ta = await tokenFor(A);
    const first = await h.fetch(`/s/${ta}/api/jobs/${A}/`);
    const etag = first.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    const again = await h.fetch(`/s/${ta}/api/jobs/${A}/`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const head = await h.fetch(`/s/${ta}/jobs/${A}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await h.fetch(`/s/${ta}/api/jobs/${A}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    const summary = (await (await h.fetch(`/s/${ta}/api/jobs/${A}/summary`)).json()) as { version: string };
    const caughtUp = await (
      await h.fetch(`/s/${ta}/api/jobs/${A}/events`, { headers: { 'Last-Event-ID': summary.version } })
    ).text();
    expect(caughtUp).not.toContain('event: job');
    const fresh = await (await h.fetch(`/s/${ta}/api/jobs/${A}/events`)).text();
    expect(fresh).toContain('event: job');
  });

  it('hands the request’s execution context to the job routes under a share', async () => {
    const up = jobsUpstream();
    const app = createApp({ fetch: up.fetch, openCache: async () => null, log: () => undefined });
    const ta = await tokenFor(A);
    const promises: Promise<unknown>[] = [];
    const ctx = createExecutionContext();
    const spy: ExecutionContext = {
      waitUntil: (p) => {
        promises.push(p);
        ctx.waitUntil(p);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: {},
    } as ExecutionContext;
    const res = await app.fetch(new Request(`${ORIGIN}/s/${ta}/api/jobs/${A}/`), SIGNED, spy);
    expect(res.status).toBe(200);
    await waitOnExecutionContext(ctx);
    expect(promises.length).toBeGreaterThan(0);
  });

  it('a link for a job that does not exist answers like no link at all', async () => {
    const h = harness({ upstream: jobsUpstream(), env: SIGNED });
    const tu = await tokenFor(U);
    for (const path of [`/api/jobs/${U}/`, `/jobs/${U}`, `/jobs/${U}/badge.svg`, `/api/jobs/${U}/summary`]) {
      const linked = await seen(await h.fetch(`/s/${tu}${path}`));
      const bare = await seen(await h.fetch(path));
      expect(linked, path).toEqual(bare);
    }
  });

  it('previous secret: links keep opening while SHARE_SECRET_PREVIOUS lists it, and stop when it goes', async () => {
    const before = await tokenFor(A, null, OLD_SECRET);
    const rotating = harness({
      upstream: jobsUpstream(),
      env: { ...SIGNED, SHARE_SECRET_PREVIOUS: OLD_SECRET },
    });
    expect((await rotating.fetch(`/s/${before}/api/jobs/${A}/`)).status).toBe(200);
    const rotated = harness({ upstream: jobsUpstream(), env: SIGNED });
    expect((await rotated.fetch(`/s/${before}/api/jobs/${A}/`)).status).toBe(404);
  });
});

describe('signed mode: routes added later are covered without knowing it', () => {
  it('every route of the app that names a job refuses it without a link', async () => {
    const up = jobsUpstream();
    const app = createApp({ fetch: up.fetch, openCache: async () => null, log: () => undefined });
    const jobRoutes: string[] = [];
    for (const r of app.routes) {
      if (r.path === '*' || r.path.endsWith('/*')) continue;
      // A fixed path outside the job prefixes (/, /healthz, /docs, /robots.txt…) is site-level;
      // any route with a parameter must name a job, or this test does not know what it serves.
      if (!r.path.includes(':') && !/^\/(api\/jobs|jobs|compare)\//.test(r.path)) continue;
      const concrete = r.path
        .replace(/:range(\{[^}]*\})?/g, `${A}...${B}`)
        .replace(/:file(\{[^}]*\})?/g, 'og.png')
        .replace(/:[A-Za-z_]+(\{[^}]*\})?/g, A);
      // A route that is neither site-level nor job-carrying is one this test has not been told of.
      expect(named(concrete).length, `route ${r.method} ${r.path}`).toBeGreaterThan(0);
      jobRoutes.push(concrete);
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request(`${ORIGIN}${concrete}`), SIGNED, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
      expect(res.headers.get('X-Error-Code'), r.path).toBe('not_found');
    }
    expect(jobRoutes).toContain(`/jobs/${A}`);
    expect(jobRoutes).toContain(`/api/jobs/${A}/summary`);
    expect(up.calls).toEqual([]);
  });

  it('a new face mounted after the gate is refused without a link and opened with one, with its pathBase', async () => {
    const state = isolateState({
      fetch: async () => new Response('no upstream', { status: 599 }),
      now: () => Date.now(),
      openCache: async () => null,
      log: () => undefined,
    } satisfies Deps);
    const app = new Hono<AppEnv>();
    app.use('*', provideRoutes(appRoutes));
    app.use(
      '*',
      shareGate(state, (req, env, ctx) => app.fetch(req, env, ctx)),
    );
    const reached: { pathBase: string; ifNoneMatch: string | null; method: string }[] = [];
    app.on(['GET', 'POST'], '/jobs/:id/brand-new-face', (c) => {
      reached.push({
        pathBase: services(c, state).pathBase,
        ifNoneMatch: c.req.header('If-None-Match') ?? null,
        method: c.req.method,
      });
      return c.json({ share: shareContextOf(c.req.raw)?.pathBase ?? null });
    });
    const links: Record<string, string> = {
      relative: `/jobs/${A}/elsewhere`,
      absolute: `${ORIGIN}/jobs/${A}/elsewhere?x=1`,
      foreign: `https://other.test/jobs/${A}`,
      site: '/docs',
      already: '', // filled with the share's own prefix below
    };
    app.get('/jobs/:id/moved/:kind', (c) =>
      c.body(null, 302, { Location: links[c.req.param('kind')] ?? '/' }),
    );
    app.onError((err, c) => errorResponse(c, err, state.deps));
    const call = (path: string, init?: RequestInit) =>
      app.fetch(new Request(`${ORIGIN}${path}`, init), SIGNED);

    expect((await call(`/jobs/${A}/brand-new-face`)).status).toBe(404);
    expect(reached).toEqual([]);
    const ta = await tokenFor(A);
    links.already = `/s/${ta}/jobs/${A}/x`;
    const res = await call(`/s/${ta}/jobs/${A}/brand-new-face`, {
      method: 'POST',
      headers: { 'If-None-Match': '"v1"' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ share: `/s/${ta}` });
    expect(reached).toEqual([{ pathBase: `/s/${ta}`, ifNoneMatch: '"v1"', method: 'POST' }]);

    const location = async (kind: string) =>
      (await call(`/s/${ta}/jobs/${A}/moved/${kind}`)).headers.get('Location');
    expect(await location('relative')).toBe(`/s/${ta}/jobs/${A}/elsewhere`);
    expect(await location('absolute')).toBe(`${ORIGIN}/s/${ta}/jobs/${A}/elsewhere?x=1`);
    expect(await location('foreign')).toBe(`https://other.test/jobs/${A}`);
    expect(await location('site')).toBe('/docs');
    expect(await location('already')).toBe(`/s/${ta}/jobs/${A}/x`);
  });
});

describe('signed mode without a usable secret fails closed', () => {
  for (const [name, env, problem] of [
    ['no SHARE_SECRET', { ...UPSTREAM_ENV, SHARE_MODE: 'signed' }, /SHARE_SECRET is not set/],
    [
      'a short SHARE_SECRET',
      { ...UPSTREAM_ENV, SHARE_MODE: 'signed', SHARE_SECRET: 'short-secret-1' },
      /at least 32/,
    ],
    ['a typo in SHARE_MODE', { ...UPSTREAM_ENV, SHARE_MODE: 'sigend', SHARE_SECRET: SECRET }, /neither/],
  ] as const) {
    it(`${name}: job routes 503 misconfigured, /healthz says why, the log says it once`, async () => {
      const up = jobsUpstream();
      const h = harness({ upstream: up, env });
      const ta = await tokenFor(A);
      for (const path of faces(A, B)) {
        for (const p of [path, `/s/${ta}${path}`]) {
          const res = await h.fetch(p);
          expect(res.status, p).toBe(503);
          expect(res.headers.get('X-Error-Code'), p).toBe('misconfigured');
          const text = await res.text();
          expect(text, p).not.toContain(SECRET);
          expect(text, p).not.toContain('short-secret-1');
        }
      }
      const api = (await (await h.fetch(`/api/jobs/${A}/`)).json()) as { detail: string; code: string };
      expect(api.code).toBe('misconfigured');
      expect(api.detail).toMatch(problem);
      const page = await h.fetch(`/jobs/${A}`);
      expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
      const mint = await h.fetch('/api/shares', {
        method: 'POST',
        headers: { 'X-Api-Key': CALLER },
        body: JSON.stringify({ job_id: A }),
      });
      expect(mint.status).toBe(503);
      const health = await h.fetch('/healthz');
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'misconfigured',
        share: { mode: 'signed', problem: expect.stringMatching(problem) },
      });
      const said = h.logs.filter((l) => l.event === 'share_misconfigured');
      expect(said).toHaveLength(1);
      expect(String(said[0]?.problem)).toMatch(problem);
      expect(JSON.stringify(h.logs)).not.toContain('short-secret-1');
      expect(up.calls).toEqual([]);
    });
  }
});

describe('public mode (the default) is unchanged', () => {
  it('share paths and minting do not exist, and /healthz says public', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: { ...UPSTREAM_ENV, SHARE_SECRET: SECRET } });
    const ta = await tokenFor(A);
    const share = await seen(await h.fetch(`/s/${ta}/jobs/${A}`));
    const nothing = await seen(await h.fetch('/no-such-page'));
    expect(share).toEqual(nothing);
    const mint = await seen(
      await h.fetch('/api/shares', {
        method: 'POST',
        headers: { 'X-Api-Key': CALLER },
        body: JSON.stringify({ job_id: A }),
      }),
    );
    expect(mint).toEqual(await seen(await h.fetch('/api/no-such-route', { method: 'POST' })));
    expect(up.calls).toEqual([]);
    const health = await h.fetch('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', share: { mode: 'public' } });
    expect((await h.fetch(`/jobs/${A}`)).status).toBe(200);
  });

  it('signed mode lists no job on the index; public demo mode lists them all', async () => {
    const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);
    const signed = await (
      await harness({ env: { SHARE_MODE: 'signed', SHARE_SECRET: SECRET } }).fetch('/')
    ).text();
    for (const id of ids) expect(signed).not.toContain(id);
    expect(signed).toContain('only under a share link');
    const open = await (await harness({ env: {} }).fetch('/')).text();
    for (const id of ids) expect(open).toContain(`/jobs/${id}`);
  });
});

describe('POST /api/shares', () => {
  const mint = (h: Harness, body: unknown, headers: Record<string, string> = { 'X-Api-Key': CALLER }) =>
    h.fetch('/api/shares', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('mints a link with the caller’s own key: 201, every link absolute under /s/{token}, nothing cached', async () => {
    const up = jobsUpstream();
    const clk = clock();
    const h = harness({ upstream: up, env: SIGNED, clock: clk });
    const res = await mint(h, { job_id: A.toUpperCase() });
    expect(res.status).toBe(201);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const out = (await res.json()) as {
      token: string;
      expires_at: string | null;
      links: Record<string, string>;
    };
    expect(out.expires_at).toBeNull();
    expect(await verifyShareToken([await importShareKey(SECRET)], out.token)).toEqual({
      jobId: A,
      expiresAt: null,
    });
    const base = `${ORIGIN}/s/${out.token}`;
    expect(out.links).toEqual({
      report: `${base}/jobs/${A}`,
      json: `${base}/api/jobs/${A}/`,
      summary: `${base}/api/jobs/${A}/summary`,
      card: `${base}/jobs/${A}/og.png`,
      badge: `${base}/jobs/${A}/badge.svg`,
      comment: `${base}/jobs/${A}/comment.md`,
      events: `${base}/api/jobs/${A}/events`,
    });
    expect(res.headers.get('Location')).toBe(out.links.report);
    expect(up.requests.map((r) => r.headers.get('X-Api-Key'))).toEqual([CALLER]);

    // The caller's answer was not cached: the first read through the link asks with the service key.
    for (const link of Object.values(out.links)) {
      const r = await h.fetch(link);
      expect(r.status, link).toBe(200);
      await r.arrayBuffer();
    }
    expect(up.requests.map((r) => r.headers.get('X-Api-Key'))).toEqual([CALLER, API_KEY]);
    // Nor is minting ever answered from the cache: the job is cached now, and the key is asked again.
    expect((await mint(h, { job_id: A }, { 'X-Api-Key': OUTSIDER })).status).toBe(403);
    expect((await mint(h, { job_id: A })).status).toBe(201);
    expect(up.requests.map((r) => r.headers.get('X-Api-Key'))).toEqual([CALLER, API_KEY, OUTSIDER, CALLER]);
  });

  it('takes Authorization: Bearer too, and an expiry that the link keeps', async () => {
    const up = jobsUpstream();
    const clk = clock();
    const h = harness({ upstream: up, env: SIGNED, clock: clk });
    const res = await mint(h, { job_id: A, expires_in: 3600 }, { Authorization: `Bearer ${CALLER}` });
    expect(res.status).toBe(201);
    const out = (await res.json()) as { token: string; expires_at: string };
    const at = Math.floor(clk.now() / 1000) + 3600;
    expect(out.expires_at).toBe(new Date(at * 1000).toISOString());
    expect(await verifyShareToken([await importShareKey(SECRET)], out.token)).toEqual({
      jobId: A,
      expiresAt: at,
    });
    expect(up.requests[0]?.headers.get('X-Api-Key')).toBe(CALLER);
    expect((await h.fetch(`/s/${out.token}/api/jobs/${A}/`)).status).toBe(200);
    clk.advance(3600);
    expect((await h.fetch(`/s/${out.token}/api/jobs/${A}/`)).status).toBe(410);
  });

  it('answers the upstream’s 401, 403 and 404 for the caller’s key, with no token', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const cases: [Record<string, string>, string, number, string][] = [
      [{ 'X-Api-Key': REVOKED }, A, 401, 'unauthorized'],
      [{ Authorization: `Bearer ${REVOKED}` }, A, 401, 'unauthorized'],
      [{ 'X-Api-Key': OUTSIDER }, A, 403, 'forbidden'],
      [{ 'X-Api-Key': CALLER }, U, 404, 'not_found'],
      [{ 'X-Api-Key': OUTSIDER }, U, 404, 'not_found'],
    ];
    for (const [headers, id, status, code] of cases) {
      const res = await mint(h, { job_id: id }, headers);
      expect(res.status, `${JSON.stringify(headers)} ${id}`).toBe(status);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code });
      expect(text).not.toMatch(/token|\/s\//);
    }
    expect(up.calls).toHaveLength(cases.length);
  });

  it('no key is a 401 without any upstream call; so is an empty or non-Bearer one', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const refused: Record<string, string>[] = [
      {},
      { 'X-Api-Key': '' },
      { Authorization: 'Basic dXNlcjpwYXNz' },
      { Authorization: 'Bearer' },
    ];
    for (const headers of refused) {
      const res = await mint(h, { job_id: A }, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
      expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    }
    expect(up.calls).toEqual([]);
  });

  it('bad bodies are 400s that say precisely what is wrong, before any upstream call', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: SIGNED });
    const cases: [unknown, RegExp][] = [
      ['', /must be JSON/],
      ['{"job_id":', /must be JSON/],
      ['[]', /must be a JSON object/],
      ['null', /must be a JSON object/],
      ['"x"', /must be a JSON object/],
      [{}, /job_id is required/],
      [{ job_id: 'not-a-uuid' }, /job_id must be a job id, a UUID/],
      [{ job_id: 42 }, /job_id must be a job id/],
      [{ job_id: A, expires_in: 59 }, /expires_in must be a whole number of seconds from 60 to 31536000/],
      [{ job_id: A, expires_in: 31_536_001 }, /from 60 to 31536000/],
      [{ job_id: A, expires_in: 3600.5 }, /whole number/],
      [{ job_id: A, expires_in: '3600' }, /expires_in/],
      [{ job_id: A, expires_in: -1 }, /expires_in/],
      [{ job_id: A, extra: true }, /a field other than job_id and expires_in/],
    ];
    for (const [body, detail] of cases) {
      const res = await mint(h, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const out = (await res.json()) as { code: string; detail: string };
      expect(out.code).toBe('invalid_body');
      expect(out.detail, JSON.stringify(body)).toMatch(detail);
    }
    const huge = await mint(h, { job_id: A, pad: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { code: string }).code).toBe('payload_too_large');
    const get = await h.fetch('/api/shares');
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');
    expect(up.calls).toEqual([]);
  });

  it('an upstream that is down, slow, limiting or wrong answers as on the job route', async () => {
    const env = { ...SIGNED, UPSTREAM_TIMEOUT_MS: '50' };
    const cases: [() => Response | Promise<Response>, number, string][] = [
      [() => json({ detail: 'A server error occurred.' }, 500), 502, 'upstream_unavailable'],
      [() => json({ detail: 'throttled' }, 429, { 'Retry-After': '7' }), 503, 'upstream_rate_limited'],
      [
        () => new Response('<html>login</html>', { headers: { 'Content-Type': 'text/html' } }),
        502,
        'upstream_invalid',
      ],
      [() => json(upstreamJob({ id: B })), 502, 'upstream_invalid'],
      [() => json({ id: A, iterations: 'no' }), 502, 'upstream_invalid'],
    ];
    for (const [handler, status, code] of cases) {
      const h = harness({ upstream: upstream(handler), env });
      const res = await mint(h, { job_id: A });
      expect(res.status, code).toBe(status);
      expect(((await res.json()) as { code: string }).code).toBe(code);
    }
    const hang = upstream(
      (req) =>
        new Promise<Response>((_, reject) =>
          req.signal.addEventListener('abort', () => reject(req.signal.reason)),
        ),
    );
    const slow = await mint(harness({ upstream: hang, env }), { job_id: A });
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { code: string }).code).toBe('upstream_timeout');
    const down = upstream(() => {
      throw new TypeError('connection refused');
    });
    expect((await mint(harness({ upstream: down, env }), { job_id: A })).status).toBe(502);
  });

  it('is rate limited per client address, never by key: 429 with Retry-After and no upstream call', async () => {
    const up = jobsUpstream();
    const keys: string[] = [];
    let n = 0;
    const limiter = {
      limit: async ({ key }: { key: string }) => {
        keys.push(key);
        return { success: ++n <= 2 };
      },
    } as unknown as RateLimit;
    const h = harness({ upstream: up, env: { ...SIGNED, SHARE_MINT_LIMITER: limiter } });
    const from = { 'X-Api-Key': CALLER, 'CF-Connecting-IP': '203.0.113.7' };
    expect((await mint(h, { job_id: A }, from)).status).toBe(201);
    expect((await mint(h, { job_id: A }, from)).status).toBe(201);
    const limited = await mint(h, { job_id: A }, from);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('60');
    expect(((await limited.json()) as { code: string }).code).toBe('rate_limited');
    expect(up.calls).toHaveLength(2);
    expect(keys).toEqual(['203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });

  it('the wrangler.toml binding SHARE_MINT_LIMITER allows 10 a minute per address', async () => {
    const limiter = (testEnv as unknown as { SHARE_MINT_LIMITER?: RateLimit }).SHARE_MINT_LIMITER;
    expect(limiter, 'SHARE_MINT_LIMITER binding in wrangler.toml').toBeDefined();
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: { ...SIGNED, SHARE_MINT_LIMITER: limiter } });
    const from = { 'X-Api-Key': CALLER, 'CF-Connecting-IP': `198.51.100.${Math.floor(Math.random() * 250)}` };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await mint(h, { job_id: A }, from)).status);
    expect(statuses).toEqual([...Array<number>(10).fill(201), 429]);
  });

  it('in demo mode any non-empty key mints a link to a demo job, and nothing leaves the worker', async () => {
    const demoId = (DEMO_JOBS[0] as { id: string }).id;
    const h = harness({ env: { SHARE_MODE: 'signed', SHARE_SECRET: SECRET } });
    const res = await mint(h, { job_id: demoId }, { 'X-Api-Key': 'anything' });
    expect(res.status).toBe(201);
    const out = (await res.json()) as { links: { report: string; card: string } };
    expect((await h.fetch(out.links.report)).status).toBe(200);
    expect((await h.fetch(out.links.card)).headers.get('Content-Type')).toBe('image/png');
    expect((await h.fetch(`/jobs/${demoId}`)).status).toBe(404);
    expect((await mint(h, { job_id: U }, { 'X-Api-Key': 'anything' })).status).toBe(404);
    expect((await mint(h, { job_id: demoId }, {})).status).toBe(401);
  });
});

describe('keys and secrets never appear in answers or logs', () => {
  it('across minting, reading, refusing and failing', async () => {
    const up = jobsUpstream();
    const h = harness({ upstream: up, env: { ...SIGNED, SHARE_SECRET_PREVIOUS: OLD_SECRET } });
    const texts: string[] = [];
    const record = async (res: Response) => {
      texts.push(JSON.stringify([res.status, [...res.headers]]), await res.text());
    };
    const post = (headers: Record<string, string>, body: unknown) =>
      h.fetch('/api/shares', { method: 'POST', headers, body: JSON.stringify(body) });
    const minted = await post({ 'X-Api-Key': CALLER }, { job_id: A, expires_in: 600 });
    const { token, links } = (await minted.clone().json()) as {
      token: string;
      links: Record<string, string>;
    };
    await record(minted);
    for (const [headers, body] of [
      [{ Authorization: `Bearer ${CALLER}` }, { job_id: B }],
      [{ 'X-Api-Key': OUTSIDER }, { job_id: A }],
      [{ 'X-Api-Key': REVOKED }, { job_id: A }],
      [{ 'X-Api-Key': CALLER }, { job_id: U }],
      [{ 'X-Api-Key': CALLER }, { job_id: CALLER }],
      [{ 'X-Api-Key': CALLER }, { [CALLER]: 1 }],
      [{ 'X-Api-Key': `${CALLER} with spaces` }, { job_id: A }],
      [{ Authorization: `Basic ${CALLER}` }, { job_id: A }],
    ] as const) {
      await record(await post(headers, body));
    }
    for (const link of Object.values(links)) await record(await h.fetch(link));
    for (const path of faces(A, B)) {
      await record(await h.fetch(path));
      await record(await h.fetch(`/s/${alter(token)}${path}`));
    }
    await record(await h.fetch('/healthz'));
    await record(await h.fetch('/'));
    const everything = [...texts, ...h.logs.map((l) => JSON.stringify(l))].join('\n');
    expect(texts.length).toBeGreaterThan(60);
    expect(h.logs.some((l) => l.event === 'share_minted')).toBe(true);
    expect(h.logs.some((l) => l.event === 'share_refused')).toBe(true);
    for (const secret of NEVER_SEEN) expect(everything).not.toContain(secret);
    // Nor the token in any log line: a log reader must not be able to open the job.
    expect(h.logs.map((l) => JSON.stringify(l)).join('\n')).not.toContain(token);
  });
});
