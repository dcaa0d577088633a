import type { Element } from 'domhandler';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, inject, it } from 'vitest';
import { IterationSchema, JobSchema } from '../src/schema';
import { LIVE_SCRIPT, liveScriptHash } from '../src/views/html/live';
import {
  codeUnit,
  iterationCount,
  jobArb,
  markupText,
  unicodeText,
  type TextArb,
} from './fixtures/arbitraries';
import { upstreamJob } from './fixtures/upstream-jobs';
import { clock, fakeUpstream, harness, json, type FakeUpstream, type Harness } from './helpers';

// Property tests over the whole worker: generated upstream jobs and generated requests go
// through the real routes, each run with a fresh isolate state, cache and clock, so a
// shrunk counterexample replays exactly. Checks collect every violation of a body and
// assert once, so one failure names all that is wrong and the passing path stays cheap.

// Runs per property: PROPERTY_RUNS (vitest.config.ts), 100 by default, fast-check's own
// default, so `npm test` stays fast enough for every commit; CI searches ten times deeper.
const RUNS = inject('propertyRuns');
// A PNG costs ~80 ms and the satori card ~25 ms, too much for every one of the runs
// next to everything else. The run's own generated ticket decides, so sampling is part
// of the counterexample: shrinking moves the ticket towards 0, i.e. towards checking.
const PNG_EVERY = 50;
const TIMEOUT_MS = 240_000;

const ORIGIN = 'https://edge.test';
const REDACTED = ['celery_task_id', 'triggered_by'];
const JOB_FIELDS = new Set(Object.keys(JobSchema.shape).filter((k) => !REDACTED.includes(k)));
const ITERATION_FIELDS = new Set(Object.keys(IterationSchema.shape));

const ok = (problems: string[], what: string) => expect(problems, what).toEqual([]);

// ---------------------------------------------------------------------------
// What a well-formed, inert answer is, per format.

/** JSON with sorted keys, to compare documents whatever order their keys come in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The public answer: the upstream job as JobSchema reads it, less the default-redacted fields. */
function expectedApiBody(upstream: Record<string, unknown>): Record<string, unknown> {
  const parsed = JobSchema.parse(JSON.parse(JSON.stringify(upstream))) as Record<string, unknown>;
  for (const f of REDACTED) delete parsed[f];
  return JSON.parse(JSON.stringify(parsed)) as Record<string, unknown>;
}

function checkApi(text: string, upstream: Record<string, unknown>): void {
  const body = JSON.parse(text) as Record<string, unknown>;
  const parsed = JobSchema.safeParse(body);
  ok(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [], 'API body vs JobSchema');
  const problems: string[] = [];
  for (const k of Object.keys(body)) if (!JOB_FIELDS.has(k)) problems.push(`job field ${k}`);
  for (const it of body.iterations as Record<string, unknown>[]) {
    for (const k of Object.keys(it)) if (!ITERATION_FIELDS.has(k)) problems.push(`iteration field ${k}`);
  }
  ok(problems, 'undocumented or redacted fields');
  const expected = expectedApiBody(upstream);
  // The cheap comparison first; toEqual only to print a diff when they differ.
  if (canonical(body) !== canonical(expected)) expect(body).toEqual(expected);
}

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'srcset',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'data',
  'cite',
  'ping',
  'manifest',
  'longdesc',
]);
// Elements that load or run something whatever their attributes say.
const ACTIVE_ELEMENTS = new Set([
  'script',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'base',
  'form',
  'foreignobject',
]);
const SAFE_DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp)[;,]/i;

/** Whether a browser following this URL would stay on web, mail or inline-image content. */
function safeUrl(value: string, base: string, ownIcon: boolean): boolean {
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    // The browser's parser (the same WHATWG one) refuses it too: the link goes nowhere.
    return true;
  }
  if (['https:', 'http:', 'mailto:'].includes(url.protocol)) return true;
  if (url.protocol === 'data:' && SAFE_DATA_IMAGE.test(url.href)) return true;
  return ownIcon && url.href.startsWith('data:image/svg+xml,');
}

function insideSvg(el: Element): boolean {
  for (let p = el.parent; p; p = p.parent) if ('name' in p && p.name === 'svg') return true;
  return false;
}

/** Problems of an HTML document: structure, and any script, handler, active element or dangerous URL. */
function htmlProblems(text: string, base: string): string[] {
  const problems: string[] = [];
  if (text.slice(0, 15).toLowerCase() !== '<!doctype html>') problems.push('no <!doctype html> first');
  const elements = DomUtils.findAll(() => true, parseDocument(text).children);
  const htmls = elements.filter((e) => e.name === 'html').length;
  if (htmls !== 1) problems.push(`${htmls} <html> elements`);
  // The document's own <title>; inline SVG charts carry theirs, as accessible names.
  const titles = elements.filter((e) => e.name === 'title' && !insideSvg(e));
  const parent = titles[0]?.parent;
  if (titles.length !== 1 || !parent || !('name' in parent) || parent.name !== 'head') {
    problems.push(
      `${titles.length} document <title> elements, first in <${String(parent && 'name' in parent && parent.name)}>`,
    );
  }
  for (const el of elements) {
    // The one exception: an active job's page runs the constant live script, inline, once.
    const liveScript =
      el.name === 'script' &&
      Object.keys(el.attribs).length === 0 &&
      DomUtils.textContent(el) === LIVE_SCRIPT &&
      elements.filter((e) => e.name === 'script').length === 1;
    if (ACTIVE_ELEMENTS.has(el.name) && !liveScript) problems.push(`<${el.name}> element`);
    for (const [attr, value] of Object.entries(el.attribs)) {
      const shown = `<${el.name} ${attr}=${JSON.stringify(value.slice(0, 200))}>`;
      if (attr.startsWith('on')) problems.push(`handler ${shown}`);
      if (attr === 'style' && /javascript:|expression\(|url\(/i.test(value)) problems.push(`style ${shown}`);
      if (el.name === 'meta' && attr === 'content' && /refresh/i.test(el.attribs['http-equiv'] ?? '')) {
        // A refresh may reload the page, never send it elsewhere.
        if (!/^\d+$/.test(value)) problems.push(`refresh ${shown}`);
      }
      if (!URL_ATTRIBUTES.has(attr)) continue;
      const urls = attr === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value];
      const ownIcon = el.name === 'link' && el.attribs.rel === 'icon' && attr === 'href';
      for (const u of urls) if (!safeUrl(u, base, ownIcon)) problems.push(`URL ${shown}`);
    }
  }
  return problems;
}

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  processEntities: false,
});
const nodeName = (n: XmlNode) => Object.keys(n).find((k) => k !== ':@') ?? '';

/** Problems of an SVG: well-formed XML, one <svg> root, no script, handler or link out. */
function svgProblems(text: string, size?: { width: string; height: string }): string[] {
  const valid = XMLValidator.validate(text);
  if (valid !== true) return [`not well-formed XML: ${JSON.stringify(valid.err)}`];
  const problems: string[] = [];
  if (/<script/i.test(text)) problems.push('"<script" in the text');
  const roots = (xml.parse(text) as XmlNode[]).filter((n) => !('?xml' in n));
  if (roots.length !== 1 || nodeName(roots[0] ?? {}) !== 'svg') {
    problems.push(`roots ${roots.map(nodeName).join(', ')}`);
  }
  const root = roots[0]?.[':@'] ?? {};
  if (size && (root.width !== size.width || root.height !== size.height)) {
    problems.push(`size ${root.width}×${root.height}`);
  }
  const walk = (list: XmlNode[]) => {
    for (const node of list) {
      const name = nodeName(node);
      if (name === '#text') continue;
      if (['script', 'foreignobject'].includes(name.toLowerCase())) problems.push(`<${name}>`);
      for (const [attr, value] of Object.entries(node[':@'] ?? {})) {
        if (attr.toLowerCase().startsWith('on')) problems.push(`handler <${name} ${attr}>`);
        // Only fragment references and inline images, which an SVG image never runs.
        if (/(^|:)href$/i.test(attr) && !/^(#|data:image\/)/.test(value)) {
          problems.push(`link <${name} ${attr}=${JSON.stringify(value)}>`);
        }
      }
      walk(node[name] as XmlNode[]);
    }
  };
  walk(roots);
  return problems;
}

function badgeJsonProblems(text: string): string[] {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const problems: string[] = [];
  if (doc.schemaVersion !== 1) problems.push(`schemaVersion ${String(doc.schemaVersion)}`);
  for (const k of ['label', 'message', 'color'])
    if (typeof doc[k] !== 'string') problems.push(`${k} not a string`);
  if (doc.message === '') problems.push('empty message');
  return problems;
}

function pngProblems(bytes: Uint8Array): string[] {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) return ['no PNG signature'];
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return ['no IHDR first'];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [w, h] = [view.getUint32(16), view.getUint32(20)];
  return w === 1200 && h === 630 ? [] : [`IHDR ${w}×${h}`];
}

/** The second line of defence for pages and SVGs: nothing may run even if markup did escape. */
const NO_SCRIPT_CSP = /^(?!.*script-src)default-src 'none'(;|$)/;

/**
 * A page's CSP against its body: none may run a script, except that an active job's page
 * with the live script allows exactly that script's hash (and Trusted Types without a policy).
 */
async function cspProblems(csp: string | null, body: string): Promise<string[]> {
  const scripts = (body.match(/<script/gi) ?? []).length;
  if (scripts === 0) return NO_SCRIPT_CSP.test(csp ?? '') ? [] : [`CSP allows script without one: ${csp}`];
  const only = `script-src ${await liveScriptHash()};`;
  const ok =
    /^default-src 'none';/.test(csp ?? '') &&
    (csp ?? '').split('script-src').length === 2 &&
    (csp ?? '').includes(only) &&
    (csp ?? '').includes("require-trusted-types-for 'script'; trusted-types 'none'");
  return ok ? [] : [`CSP of a page with ${scripts} scripts: ${csp}`];
}

async function get(h: Harness, path: string, type: string): Promise<Response> {
  const res = await h.fetch(path);
  if (res.status !== 200) {
    expect.fail(`${path}: ${res.status} ${res.headers.get('X-Error-Code')} ${await res.text()}`);
  }
  expect(res.headers.get('Content-Type'), path).toBe(type);
  if (type.startsWith('text/html')) {
    const body = await res.clone().text();
    expect(await cspProblems(res.headers.get('Content-Security-Policy'), body), path).toEqual([]);
  } else if (type.startsWith('image/svg+xml')) {
    expect(res.headers.get('Content-Security-Policy'), path).toMatch(NO_SCRIPT_CSP);
  }
  return res;
}

// ---------------------------------------------------------------------------
// Properties 1 and 2: generated jobs through every job route.

/** A worker whose upstream answers `job` for its own id and 404 for anything else. */
function workerFor(job: Record<string, unknown>): { h: Harness; up: FakeUpstream } {
  const id = String(job.id);
  const up = fakeUpstream((req) =>
    new URL(req.url).pathname === `/api/jobs/${id}/` ? json(job) : json({ detail: 'Not found.' }, 404),
  );
  return { h: harness({ upstream: up, clock: clock() }), up };
}

/** Encoded as a URL component, or as it is when it cannot be (a lone surrogate): the URL parser then replaces it. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return s;
  }
}

const cardQuery = fc.constantFrom('', '?theme=light', '?theme=dark');
const badgeQuery = (text: TextArb) =>
  fc
    .record(
      {
        label: text(40),
        metric: fc.constantFrom('best', 'improvement', 'baseline'),
        style: fc.constantFrom('flat', 'flat-square', 'for-the-badge'),
        theme: fc.constantFrom('light', 'dark'),
      },
      { requiredKeys: [] },
    )
    .map((q) => {
      const s = Object.entries(q)
        .map(([k, v]) => `${k}=${encode(v)}`)
        .join('&');
      return s ? `?${s}` : '';
    });

interface RouteRun {
  job: Record<string, unknown>;
  card: string;
  badge: string;
  ticket: number;
}

function routeRun(text: TextArb): fc.Arbitrary<RouteRun> {
  return fc.record({
    job: jobArb({ text, iterations: iterationCount }),
    card: cardQuery,
    badge: badgeQuery(text),
    ticket: fc.nat({ max: PNG_EVERY - 1 }),
  });
}

const SVG_TYPE = 'image/svg+xml; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Every job route answers 200 with a well-formed, inert body. */
async function checkAllRoutes(
  run: RouteRun,
  opts: { api: boolean; card: boolean; png: boolean },
): Promise<void> {
  const { job, card, badge } = run;
  const id = String(job.id);
  const { h, up } = workerFor(job);
  if (opts.api) checkApi(await (await get(h, `/api/jobs/${id}/`, JSON_TYPE)).text(), job);
  const page = await (await get(h, `/jobs/${id}`, 'text/html; charset=utf-8')).text();
  ok(htmlProblems(page, `${ORIGIN}/jobs/${id}`), `/jobs/${id}`);
  if (opts.card) {
    const og = await (await get(h, `/jobs/${id}/og.svg${card}`, SVG_TYPE)).text();
    ok(svgProblems(og, { width: '1200', height: '630' }), `og.svg${card}`);
  }
  ok(
    svgProblems(await (await get(h, `/jobs/${id}/badge.svg${badge}`, SVG_TYPE)).text()),
    `badge.svg${badge}`,
  );
  ok(
    badgeJsonProblems(await (await get(h, `/jobs/${id}/badge.json${badge}`, JSON_TYPE)).text()),
    'badge.json',
  );
  if (opts.png) {
    const png = await get(h, `/jobs/${id}/og.png${card}`, 'image/png');
    ok(pngProblems(new Uint8Array(await png.arrayBuffer())), `og.png${card}`);
  }
  expect(up.unexpected).toEqual([]);
  expect(up.calls).toEqual([id]);
}

describe('schema-valid jobs with any unicode, JSON and numbers', () => {
  it('the arbitrary makes only jobs JobSchema accepts', () => {
    fc.assert(
      fc.property(jobArb({ text: unicodeText, iterations: iterationCount }), (job) => {
        const parsed = JobSchema.safeParse(JSON.parse(JSON.stringify(job)));
        expect(parsed.error?.issues ?? []).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it(
    'every route answers 200 with a well-formed body (og.png on ~1 run in 50)',
    async () => {
      await fc.assert(
        fc.asyncProperty(routeRun(unicodeText), (run) =>
          checkAllRoutes(run, { api: true, card: true, png: run.ticket === 0 }),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'a job with 2,000 iterations: every route, the PNG included',
    async () => {
      const [job] = fc.sample(jobArb({ text: unicodeText, iterations: fc.constant(2000) }), {
        numRuns: 1,
        seed: 2000,
      });
      if (!job) throw new Error('fc.sample gave nothing');
      expect((job.iterations as unknown[]).length).toBe(2000);
      await checkAllRoutes({ job, card: '', badge: '', ticket: 0 }, { api: true, card: true, png: true });
    },
    TIMEOUT_MS,
  );
});

describe('markup in every string field', () => {
  it(
    'never escapes into the page or the SVGs (og.svg on ~1 run in 5, og.png on ~1 in 50)',
    async () => {
      // The card draws all text as paths, so markup can reach it only through the
      // layout; property 1 already renders it every run, here a sample keeps the time down.
      await fc.assert(
        fc.asyncProperty(routeRun(markupText), (run) =>
          checkAllRoutes(run, { api: false, card: run.ticket % 5 === 0, png: run.ticket === 0 }),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------
// Property 3: arbitrary requests against a healthy upstream.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A worker whose upstream knows every UUID: no upstream failure is ever mapped, so a 5xx is a bug. */
function healthyWorker(): { h: Harness; up: FakeUpstream } {
  const up = fakeUpstream((req) => {
    const id = decodeURIComponent(/\/api\/jobs\/([^/]+)\/$/.exec(new URL(req.url).pathname)?.[1] ?? '');
    return UUID.test(id) ? json(upstreamJob({ id })) : json({ detail: 'Not found.' }, 404);
  });
  return { h: harness({ upstream: up, clock: clock() }), up };
}

const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const TOKEN_CHARS = [...UPPER, ..."abcxyz0123456789!#$%&'*+-.^_`|~"];
const method = fc.oneof(
  { weight: 12, arbitrary: fc.constant('GET') },
  { weight: 3, arbitrary: fc.constant('HEAD') },
  { weight: 6, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND') },
  { weight: 1, arbitrary: fc.constantFrom('get', 'head', 'Options', 'patch', 'CONNECT', 'TRACE', 'TRACK') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...UPPER), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const FILES = [
  'og.png',
  'og.svg',
  'badge.svg',
  'badge.json',
  'badge.png',
  'og.json',
  'og.0123456789ab.png',
  'og.0123456789ab.svg',
  'badge.0123456789ab.svg',
  'badge.0123456789ab.json',
  'OG.PNG',
  'og..png',
  'og.png.',
  'og.0123456789AB.svg',
];
const SPECIAL_SEGMENTS = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%',
  '%ZZ',
  '%E0%A4%A',
  ';',
  '@',
  '*',
  '%20',
];
const idish = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.mixedCase(fc.uuid()) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.uuid().map((u) => u.slice(0, 35)),
      fc.uuid().map((u) => `{${u}}`),
      fc.uuid().map((u) => u.replace(/-/g, '')),
      fc.uuid().map((u) => `${u}%00`),
      fc.constant('00000000-0000-0000-0000-000000000000'),
    ),
  },
);
const segment = fc.oneof(
  fc.constantFrom(...SPECIAL_SEGMENTS, ...FILES, 'api', 'jobs', 'healthz'),
  idish,
  fc.webSegment(),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encode),
  // Raw, so '?', '#', '\\', spaces and controls reach the URL parser as they are.
  fc.string({ unit: codeUnit, maxLength: 8 }),
  fc.string({ maxLength: 10 }),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`),
  segment.map((s) => `/api/jobs/${s}/`),
  idish.map((i) => `/api/jobs/${i}/`),
  idish.map((i) => `/api/jobs/${i}`),
  fc.tuple(idish, segment).map(([i, s]) => `/api/jobs/${i}/${s}`),
  idish.map((i) => `/jobs/${i}`),
  fc.tuple(idish, segment).map(([i, f]) => `/jobs/${i}/${f}`),
  fc.tuple(segment, fc.constantFrom(...FILES)).map(([i, f]) => `/jobs/${i}/${f}`),
  fc.tuple(idish, fc.constantFrom(...FILES)).map(([i, f]) => `/jobs/${i}/${f}`),
  fc
    .tuple(idish, fc.constantFrom('og.png', 'og.svg', 'badge.svg', 'badge.json'))
    .map(([i, f]) => `/jobs/${i}/${f}`),
  fc.constantFrom('/', '/healthz', '/api/', '/jobs/', '/api/jobs/', '/favicon.ico'),
  fc.webPath(),
  // Around the 2,048-character URL limit.
  fc.string({ unit: 'grapheme-ascii', minLength: 2000, maxLength: 2060 }).map((s) => `/jobs/${encode(s)}`),
);
const queryKey = fc.oneof(
  fc.constantFrom('theme', 'metric', 'style', 'label', 'x', 'theme[]'),
  fc.string({ maxLength: 8 }),
  markupText(10),
);
const queryValue = fc.oneof(
  fc.constantFrom(
    'light',
    'dark',
    'best',
    'improvement',
    'baseline',
    'flat',
    'flat-square',
    'for-the-badge',
    '',
  ),
  markupText(60),
  unicodeText(60),
);
const query = fc.oneof(
  fc.constant(''),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc
    .array(fc.tuple(queryKey, queryValue), { maxLength: 4 })
    .map((ps) => `?${ps.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`),
  fc
    .array(fc.tuple(queryKey, queryValue), { maxLength: 3 })
    .map((ps) => `?${ps.map((p) => p.join('=')).join('&')}`),
  fc.string({ unit: codeUnit, maxLength: 30 }).map((s) => `?${s}`),
);
const headers = fc.record(
  {
    'If-None-Match': fc.oneof(fc.constant('*'), fc.string({ maxLength: 30 })),
    Origin: fc.constantFrom('https://example.com', 'null'),
    'Access-Control-Request-Method': fc.constantFrom('GET', 'POST', 'PUT'),
    // Now and then past the 16 KiB header limit.
    'X-Padding': fc.oneof(
      { weight: 20, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constant('a'.repeat(17_000)) },
    ),
  },
  { requiredKeys: [] },
);

/** The request as the harness will build it, or null where `new Request` itself refuses the input. */
function buildable(url: string, init: RequestInit): Request | null {
  try {
    return new Request(url, init);
  } catch {
    return null;
  }
}

describe('arbitrary requests', () => {
  it(
    'never answer 5xx, and /api/* errors are {detail, code}',
    async () => {
      await fc.assert(
        fc.asyncProperty(method, path, query, headers, async (m, p, q, hs) => {
          const url = `${ORIGIN}${p}${q}`;
          const init: RequestInit = { method: m, headers: hs };
          const req = buildable(url, init);
          fc.pre(req !== null);
          const { h, up } = healthyWorker();
          const res = await h.fetch(url, init);
          const what = `${req.method} ${req.url}`;
          const bytes = new Uint8Array(await res.arrayBuffer());
          const text = new TextDecoder().decode(bytes);
          expect(res.status, `${what} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
          expect(res.headers.get('X-Content-Type-Options'), what).toBe('nosniff');
          expect(up.unexpected, what).toEqual([]);
          for (const id of up.calls) expect(id, what).toMatch(UUID);
          if (req.method === 'HEAD') {
            expect(bytes.length, `${what}: a HEAD answer with a body`).toBe(0);
            return;
          }

          const pathname = new URL(req.url).pathname;
          const type = res.headers.get('Content-Type') ?? '';
          if (res.status === 304) {
            expect(req.headers.has('If-None-Match'), `${what}: 304 without If-None-Match`).toBe(true);
          } else if (pathname.startsWith('/api/') && (res.status < 200 || res.status > 299)) {
            expect(type, what).toBe(JSON_TYPE);
            const body = JSON.parse(text) as Record<string, unknown>;
            expect(Object.keys(body).sort(), what).toEqual(['code', 'detail']);
            expect(typeof body.detail, what).toBe('string');
            expect(typeof body.code, what).toBe('string');
          }
          // Whatever the route, the body is what its type says, and inert.
          if (res.status === 304 || res.status === 204 || res.status === 302 || res.status === 308) return;
          if (type.startsWith('application/json')) JSON.parse(text);
          else if (type.startsWith('text/html')) {
            expect(await cspProblems(res.headers.get('Content-Security-Policy'), text), what).toEqual([]);
            ok(htmlProblems(text, req.url), what);
          } else if (type.startsWith('image/svg+xml')) {
            expect(res.headers.get('Content-Security-Policy'), what).toMatch(NO_SCRIPT_CSP);
            ok(svgProblems(text), what);
          } else if (type === 'image/png') ok(pngProblems(bytes), what);
          // /favicon.ico: an ICO (reserved 0, type 1); /robots.txt: plain text, no markup.
          else if (type === 'image/x-icon') expect([...bytes.subarray(0, 4)], what).toEqual([0, 0, 1, 0]);
          else if (type.startsWith('text/plain')) expect(text, what).not.toMatch(/</);
          else expect.fail(`${what}: ${res.status} with Content-Type ${JSON.stringify(type)}`);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});

describe('the checks themselves', () => {
  // A check that accepts everything would make every property above pass vacuously.
  it('reject known-bad bodies and accept a good one', async () => {
    const base = 'https://edge.test/jobs/x';
    const good =
      '<!doctype html><html><head><title>t</title><link rel="icon" href="data:image/svg+xml,x"></head><body><svg><title>c</title></svg></body></html>';
    expect(htmlProblems(good, base)).toEqual([]);
    expect(
      htmlProblems(
        good.replace('<body>', () => `<body><script>${LIVE_SCRIPT}</script>`),
        base,
      ),
    ).toEqual([]);
    const bads = [
      good.replace('<body>', '<body><script>1</script>'),
      good.replace('<body>', () => `<body><script src="/x.js">${LIVE_SCRIPT}</script>`),
      good.replace('<body>', () => `<body><script>${LIVE_SCRIPT}</script><script>${LIVE_SCRIPT}</script>`),
      good.replace('<body>', '<body><img src=x onerror=alert(1)>'),
      good.replace('<body>', '<body><a href="javascript:alert(1)">x</a>'),
      good.replace('<body>', '<body><a href=" JaVa\tScript:alert(1)">x</a>'),
      good.replace('<body>', '<body><img src="data:image/svg+xml,<svg/onload=alert(1)>">'),
      good.replace('<body>', '<body><img srcset="x 1x, javascript:alert(1) 2x">'),
      good.replace('<body>', '<body><html>'),
      good.replace('<body>', '<body><title>x</title>'),
      good.replace('<body>', '<body><iframe src="https://x"></iframe>'),
      good.replace('<head>', '<head><meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
      good.replace('<title>t</title>', ''),
      good.replace('<!doctype html>', ''),
    ];
    for (const b of bads) expect(htmlProblems(b, base), b).not.toEqual([]);
    const live = `script-src ${await liveScriptHash()}; connect-src 'self'; require-trusted-types-for 'script'; trusted-types 'none'`;
    expect(await cspProblems("default-src 'none'; img-src data:", good)).toEqual([]);
    expect(await cspProblems(`default-src 'none'; ${live}`, '<script>x</script>')).toEqual([]);
    expect(await cspProblems(`default-src 'none'; ${live}`, good)).not.toEqual([]);
    expect(await cspProblems("default-src 'none'", '<script>x</script>')).not.toEqual([]);
    expect(
      await cspProblems(`default-src 'none'; script-src 'unsafe-inline'`, '<script>x</script>'),
    ).not.toEqual([]);
    const svg =
      '<svg width="1200" height="630" xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,xx"/><use href="#a"/></svg>';
    expect(svgProblems(svg, { width: '1200', height: '630' })).toEqual([]);
    for (const b of [
      svg.replace('<use', '<script>alert(1)</script><use'),
      svg.replace('<use', '<g onload="x"/><use'),
      svg.replace('<use', '<a xlink:href="javascript:alert(1)"/><use'),
      svg.replace('<use', '<foreignObject/><use'),
      svg.replace('</svg>', ''),
      svg.replace('<use', '<text>a & b</text><use'),
      svg + '<svg/>',
      svg.replace('630', '631'),
    ])
      expect(svgProblems(b, { width: '1200', height: '630' }), b).not.toEqual([]);
    expect(badgeJsonProblems('{"schemaVersion":1,"label":"a","message":"b","color":"c"}')).toEqual([]);
    expect(badgeJsonProblems('{"schemaVersion":2,"label":"a","message":"b","color":"c"}')).not.toEqual([]);
    expect(badgeJsonProblems('{"schemaVersion":1,"label":1,"message":"b","color":"c"}')).not.toEqual([]);
    expect(() =>
      checkApi(JSON.stringify({ ...expectedApiBody(upstreamJob()), celery_task_id: 'x' }), upstreamJob()),
    ).toThrow();
    expect(() =>
      checkApi(JSON.stringify({ ...expectedApiBody(upstreamJob()), best_score: 1 }), upstreamJob()),
    ).toThrow();
    checkApi(JSON.stringify(expectedApiBody(upstreamJob())), upstreamJob());
    expect(pngProblems(new Uint8Array(24))).not.toEqual([]);
  });
});
