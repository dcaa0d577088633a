import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { invalidId } from '../src/errors';
import { UUID } from '../src/lib/ids';
import { openApiDocument } from '../src/openapi';
import { errors, h, JOB_ERRORS, jobId, text } from '../src/openapi/parts';
import { defineRoute, RouteTable } from '../src/routes/define';
import { ROUTES } from '../src/routes';
import { importShareKey, mintShareToken } from '../src/share';

// One declaration per route (src/routes/define.ts): a route declared only in a test, passed to
// the app factory, is registered, documented, answers 405 with Allow to other methods, gets its
// declared error format and canonical redirect, and meets the share gate and the indexing
// policy, with no other file knowing of it.

const ORIGIN = 'https://edge.test';
const A = '8ce33afb-9615-424d-b217-d5d56cda17ef';
const SECRET = 'widgets-share-secret-0123456789abcdefghij';
const DEMO: Env = { UPSTREAM_URL: '' };
const SIGNED: Env = { ...DEMO, SHARE_MODE: 'signed', SHARE_SECRET: SECRET };

const reached: { id: string; pathBase: string }[] = [];

/** A face under a root no other route uses, with an error format its path would not get. */
const widget = defineRoute({
  method: 'get',
  path: '/widgets/{id}/chart',
  params: { id: jobId },
  errors: 'html',
  job: true,
  canonical: true,
  doc: {
    operationId: 'getWidgetChart',
    tag: 'Pages',
    summary: 'A widget',
    description: 'Declared by test/routes.test.ts only.',
    responses: {
      200: {
        description: 'The widget.',
        headers: z.object({ 'Cache-Control': h.cacheControl }),
        content: { 'text/plain': { schema: text('A widget.') } },
      },
      ...errors(JOB_ERRORS, 'html'),
    },
    curl: `curl -s {origin}/widgets/${A}/chart`,
  },
  handler: (c, p) => {
    if (!UUID.test(p.id)) throw invalidId(p.id);
    reached.push({ id: p.id, pathBase: c.var.services.pathBase });
    return c.text(`widget ${p.id}`, 200, { 'Cache-Control': 'no-store' });
  },
});

async function call(env: Env, path: string, init?: RequestInit, route = widget): Promise<Response> {
  const app = createApp({ log: () => undefined }, { routes: [route] });
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${ORIGIN}${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('a route declared in a test app', () => {
  it('is in that app’s /openapi.json, under a share link too, and in no other document', async () => {
    const doc = (await (await call(DEMO, '/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/widgets/{id}/chart');
    expect(Object.keys(doc.paths)).toContain('/s/{token}/widgets/{id}/chart');
    expect((doc.paths['/widgets/{id}/chart'] as { get: { operationId: string } }).get.operationId).toBe(
      'getWidgetChart',
    );
    // Everything else is the service's own document.
    const own = JSON.parse(JSON.stringify(openApiDocument(ORIGIN))) as { paths: Record<string, unknown> };
    expect(Object.keys(own.paths)).not.toContain('/widgets/{id}/chart');
    for (const path of Object.keys(own.paths)) expect(doc.paths[path], path).toEqual(own.paths[path]);
  });

  it('answers GET, and 405 with Allow to other methods; a path no route has is a 404', async () => {
    const ok = await call(DEMO, `/widgets/${A}/chart`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe(`widget ${A}`);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await call(DEMO, `/widgets/${A}/chart`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('Allow'), method).toBe('GET, HEAD, OPTIONS');
      expect(res.headers.get('X-Error-Code'), method).toBe('method_not_allowed');
    }
    const other = await call(DEMO, `/widgets/${A}/other`, { method: 'POST' });
    expect(other.status).toBe(404);
    // A path that only looks like a route (a known prefix) is no route: 404, not 405.
    expect((await call(DEMO, `/jobs/${A}/nothing.txt`, { method: 'POST' })).status).toBe(404);
  });

  it('answers its errors in its declared format', async () => {
    const bad = await call(DEMO, '/widgets/not-a-uuid/chart');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('X-Error-Code')).toBe('invalid_id');
    expect(bad.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    // Also when the request is refused before any route runs (414: a URL over 2,048 characters).
    const asBadge = { ...widget, errors: 'badge' as const };
    const long = await call(DEMO, `/widgets/${A}/chart?pad=${'x'.repeat(2100)}`, undefined, asBadge);
    expect(long.status).toBe(414);
    expect(long.headers.get('Content-Type')).toBe('image/svg+xml; charset=utf-8');
    // The declaration decides: the same path is a badge or JSON if declared so.
    for (const format of ['json', 'badge', 'html'] as const) {
      const table = new RouteTable([...ROUTES, { ...widget, errors: format }]);
      expect(table.errorFormat('/widgets/not-a-uuid/chart'), format).toBe(format);
    }
  });

  it('redirects an upper-case id to the canonical URL, and says noindex with INDEXING=off', async () => {
    const upper = await call(DEMO, `/widgets/${A.toUpperCase()}/chart?x=1`);
    expect(upper.status).toBe(308);
    expect(upper.headers.get('Location')).toBe(`/widgets/${A}/chart?x=1`);
    const off = await call({ ...DEMO, INDEXING: 'off' }, `/widgets/${A}/chart`);
    expect(off.headers.get('X-Robots-Tag')).toBe('noindex');
  });

  it('is covered by the share gate in signed mode: refused without a link, opened with one', async () => {
    reached.length = 0;
    const without = await call(SIGNED, `/widgets/${A}/chart`);
    expect(without.status).toBe(404);
    expect(without.headers.get('X-Error-Code')).toBe('not_found');
    // Refused by its path even with no job id in it: its root names jobs.
    expect((await call(SIGNED, '/widgets/anything/chart')).status).toBe(404);
    expect(reached).toEqual([]);

    const token = await mintShareToken(await importShareKey(SECRET), { jobId: A, expiresAt: null });
    const opened = await call(SIGNED, `/s/${token}/widgets/${A}/chart`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('X-Robots-Tag')).toBe('noindex, nofollow');
    expect(reached).toEqual([{ id: A, pathBase: `/s/${token}` }]);

    const other = await mintShareToken(await importShareKey(SECRET), {
      jobId: '22e5e8e3-88e3-489f-a841-d5f8be7c0393',
      expiresAt: null,
    });
    expect((await call(SIGNED, `/s/${other}/widgets/${A}/chart`)).status).toBe(404);
    expect(reached).toHaveLength(1);
  });
});
