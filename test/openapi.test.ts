import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { DEMO_JOBS } from '../src/demo-data';
import type { ErrorCode } from '../src/errors';
import { ERROR_CODES, EXAMPLE_ID, openApiDocument } from '../src/openapi';
import { ROUTES } from '../src/routes';
import { conformanceProblems } from './conformance';
import { harness } from './helpers';

// The OpenAPI document: served as generated, covering every route the app registers, every
// route it documents answering as documented, and the conformance check that every other test
// file runs (test/helpers.ts) failing when an answer strays. The document is validated and
// linted by independent tools in Node: test/e2e/openapi-document.test.ts.

type Json = Record<string, unknown>;
type Op = Json & {
  operationId?: string;
  responses: Record<string, Json>;
  'x-codeSamples'?: { source: string }[];
};

const DEMO = { UPSTREAM_URL: '' };
const ORIGIN = 'https://edge.test';
const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);
const OTHER_ID = ids.find((id) => id !== EXAMPLE_ID) as string;
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const;

function operations(doc = openApiDocument(ORIGIN)): { path: string; method: string; op: Op }[] {
  const out: { path: string; method: string; op: Op }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Op | undefined>)[method];
      if (op) out.push({ path, method, op });
    }
  }
  return out;
}

describe('/openapi.json', () => {
  it('is the generated OpenAPI 3.1 document, for this origin, with an ETag and 304', async () => {
    const h = harness({ env: DEMO });
    const res = await h.fetch('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
    const doc = (await res.json()) as Json;
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument(ORIGIN))));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: ORIGIN }]);
    const etag = res.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    const again = await h.fetch('/openapi.json', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('names PUBLIC_ORIGIN as its server and in every curl example', async () => {
    const h = harness({ env: { ...DEMO, PUBLIC_ORIGIN: 'https://edge.example.org' } });
    const doc = (await (await h.fetch('/openapi.json')).json()) as ReturnType<typeof openApiDocument>;
    expect(doc.servers).toEqual([{ url: 'https://edge.example.org' }]);
    const samples = operations(doc).flatMap((o) => o.op['x-codeSamples'] ?? []);
    expect(samples.length).toBeGreaterThan(20);
    for (const s of samples) {
      expect(s.source).toContain('https://edge.example.org/');
      expect(s.source).not.toContain('{origin}');
    }
  });

  it('documents every error code with its status, and the Error schema lists them all', () => {
    const doc = openApiDocument(ORIGIN) as unknown as Json;
    const rows = doc['x-error-codes'] as { code: ErrorCode; status: number }[];
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const schemas = (doc.components as Json).schemas as Record<string, Json>;
    const code = ((schemas.Error as Json).properties as Record<string, Json>).code as Json;
    expect([...(code.enum as string[])].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const r of rows) expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('names every operation once, with a summary, a 4xx, and a 2xx unless it only redirects', () => {
    const seen = new Set<string>();
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      expect(op.operationId, where).toBeTruthy();
      expect(seen.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
      seen.add(op.operationId as string);
      expect(op.summary, where).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith('4')),
        where,
      ).toBe(true);
      const redirectOnly = statuses.includes('308') && !statuses.some((s) => s.startsWith('2'));
      if (redirectOnly)
        expect(path.endsWith('/'), `${where}: only redirects but is not a slash form`).toBe(true);
      else
        expect(
          statuses.some((s) => s.startsWith('2')),
          where,
        ).toBe(true);
      if (method !== 'options' && !redirectOnly)
        expect(op['x-codeSamples']?.length, `${where}: curl`).toBe(1);
    }
  });

  it('declares the query enums and defaults of the schemas the routes parse with', () => {
    const doc = openApiDocument(ORIGIN);
    const params = (path: string) =>
      ((doc.paths?.[path]?.get?.parameters ?? []) as unknown as Json[]).map((p) =>
        '$ref' in p ? (p as Json) : { name: p.name, in: p.in, schema: p.schema },
      );
    expect(params('/jobs/{id}/og.png')).toContainEqual({
      name: 'theme',
      in: 'query',
      schema: { default: 'light', type: 'string', enum: ['light', 'dark'] },
    });
    const badge = params('/jobs/{id}/badge.svg');
    expect(badge).toContainEqual({
      name: 'metric',
      in: 'query',
      schema: { default: 'best', type: 'string', enum: ['best', 'improvement', 'baseline'] },
    });
    expect(badge).toContainEqual({
      name: 'style',
      in: 'query',
      schema: { default: 'flat', type: 'string', enum: ['flat', 'flat-square', 'for-the-badge'] },
    });
    expect(badge).toContainEqual({ name: 'label', in: 'query', schema: { type: 'string', maxLength: 40 } });
  });

  it('documents every media type the routes answer with', () => {
    const types = new Set<string>();
    for (const { op } of operations()) {
      for (const r of Object.values(op.responses)) {
        const res = ('$ref' in r ? resolveRef(r.$ref as string) : r) as Json;
        for (const t of Object.keys((res.content ?? {}) as Json)) types.add(t);
      }
    }
    for (const t of [
      'application/json',
      'text/html',
      'image/png',
      'image/svg+xml',
      'text/markdown',
      'text/event-stream',
      'text/plain',
      'image/x-icon',
    ]) {
      expect(types, t).toContain(t);
    }
  });
});

function resolveRef(ref: string): unknown {
  let node: unknown = openApiDocument(ORIGIN);
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Json)[part];
  return node;
}

describe('the document and the app agree', () => {
  /** A request path for a documented template, with demo values for its parameters. */
  function concrete(path: string, version: string): string {
    return path
      .replace('{id}', EXAMPLE_ID)
      .replace('{base}', OTHER_ID)
      .replace('{head}', EXAMPLE_ID)
      .replace('{version}', version);
  }

  it('registers exactly the declared routes, and documents every one that answers', () => {
    const app = createApp();
    // Middleware and the catch-all (404/405) are the document's general rules.
    const handlers = app.routes.filter((r) => !(r.path === '*' || r.path === '/*' || r.path.endsWith('/*')));
    expect(handlers.length).toBe(ROUTES.length);
    const doc = openApiDocument(ORIGIN);
    const undocumented = ROUTES.filter((r) => r.doc && !doc.paths?.[r.path]?.[r.method]).map(
      (r) => `${r.method} ${r.path}`,
    );
    expect(undocumented).toEqual([]);
    // Without a description: only the 404 that explains a comparison URL without `...`.
    expect(ROUTES.filter((r) => !r.doc).map((r) => r.path)).toEqual([
      '/compare/{range}',
      '/compare/{range}/{file}',
    ]);
  });

  it('every documented GET of a public path answers as documented for a demo job', async () => {
    const h = harness({ env: DEMO });
    const summary = (await (await h.fetch(`/api/jobs/${EXAMPLE_ID}/summary`)).json()) as { version: string };
    const unbuilt: string[] = [];
    for (const { path, method } of operations()) {
      if (method !== 'get' || path.startsWith('/s/') || path.endsWith('/')) continue;
      // The harness checks each answer against the document (test/conformance.ts).
      const res = await h.fetch(concrete(path, summary.version));
      if (res.status === 404) unbuilt.push(path);
      // A versioned URL with another version redirects (302) to the current one.
      else expect(res.status, path).toBe(path.includes('{version}') && res.status === 302 ? 302 : 200);
      await res.body?.cancel();
    }
    // Every route of the URL contract exists.
    expect(unbuilt).toEqual([]);
  });

  it('an outdated version, a trailing slash and an upper-case id answer as documented', async () => {
    const h = harness({ env: DEMO });
    for (const path of [
      `/jobs/${EXAMPLE_ID}/og.0123456789ab.png`,
      `/jobs/${EXAMPLE_ID}/badge.0123456789ab.svg`,
      `/jobs/${EXAMPLE_ID}/`,
      `/jobs/${EXAMPLE_ID.toUpperCase()}`,
      `/jobs/${EXAMPLE_ID.toUpperCase()}/badge.svg`,
      '/docs/',
    ]) {
      const res = await h.fetch(path);
      expect([302, 308], path).toContain(res.status);
    }
  });
});

describe('the conformance check', () => {
  const job = `${ORIGIN}/api/jobs/${EXAMPLE_ID}/`;
  const summary = `${ORIGIN}/api/jobs/${EXAMPLE_ID}/summary`;
  const jsonHeaders = {
    'Content-Type': 'application/json; charset=utf-8',
    ETag: '"abc"',
    'Cache-Control': 'public, max-age=10',
    'Cache-Tag': EXAMPLE_ID,
    'X-Cache': 'HIT',
    Age: '0',
    'Server-Timing': 'cache;desc="hit"',
    'Access-Control-Allow-Origin': '*',
  };
  const check = (url: string, res: Response, init?: RequestInit) =>
    conformanceProblems(new Request(url, init), res);

  it('accepts a real answer', async () => {
    const h = harness({ env: DEMO });
    const res = await h.fetch(`/api/jobs/${EXAMPLE_ID}/summary`);
    expect(await check(summary, res)).toEqual([]);
  });

  it('fails an undeclared status, media type, missing header, bad header value and bad body', async () => {
    const good = (await (
      await harness({ env: DEMO }).fetch(`/api/jobs/${EXAMPLE_ID}/summary`)
    ).json()) as Json;
    expect(await check(summary, new Response('{}', { status: 418, headers: jsonHeaders }))).toEqual([
      expect.stringMatching(/418 is not declared/),
    ]);
    expect(
      await check(summary, new Response('x', { headers: { ...jsonHeaders, 'Content-Type': 'text/plain' } })),
    ).toEqual([expect.stringMatching(/text\/plain is not declared/)]);
    const noEtag: Record<string, string> = { ...jsonHeaders };
    delete noEtag.ETag;
    expect(await check(summary, new Response(JSON.stringify(good), { headers: noEtag }))).toEqual([
      'missing header ETag',
    ]);
    expect(
      await check(
        summary,
        new Response(JSON.stringify(good), { headers: { ...jsonHeaders, 'X-Cache': 'WARM' } }),
      ),
    ).toEqual([expect.stringMatching(/header X-Cache/)]);
    const { links: _links, ...withoutLinks } = good;
    expect(
      (await check(summary, new Response(JSON.stringify(withoutLinks), { headers: jsonHeaders }))).join(),
    ).toMatch(/links/);
    expect(
      (await check(job, new Response(JSON.stringify({ id: 'nope' }), { headers: jsonHeaders }))).length,
    ).toBeGreaterThan(0);
  });

  it('fails an error whose code does not come with its status, and an answer for a path it does not name', async () => {
    const err = (code: string, status: number) =>
      new Response(JSON.stringify({ detail: 'x', code }), {
        status,
        headers: { 'Content-Type': 'application/json', 'X-Error-Code': code, 'Cache-Control': 'no-store' },
      });
    expect(await check(summary, err('not_found', 404))).toEqual([]);
    expect((await check(summary, err('invalid_id', 404))).length).toBeGreaterThan(0);
    expect((await check(summary, err('share_expired', 410))).length).toBeGreaterThan(0);
    expect(await check(`${ORIGIN}/nothing/here`, new Response('hi'))).toEqual([
      '200 for a path the document does not name',
    ]);
    expect(await check(`${ORIGIN}/nothing/here`, err('not_found', 404))).toEqual([]);
    expect(await check(job, err('method_not_allowed', 405), { method: 'PUT' })).toEqual([
      '405 without Allow',
    ]);
  });
});
