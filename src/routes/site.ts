import type { Context } from 'hono';
import { z } from 'zod';
import { markSvg } from '../views/common/brand';
import { renderDocsPage } from '../views/html/docs';
import { strongEtag } from '../lib/bytes';
import { originOf } from '../lib/origin';
import { DOCUMENT, STATIC } from '../caching';
import { readConfig } from '../env';
import { conditional, pageHeaders, SVG_HEADERS } from '../http';
import { documentOf } from '../openapi/document';
import {
  BASE_ERRORS,
  errors,
  h,
  HealthSchema,
  HTML,
  ifNoneMatch,
  notModifiedStatic,
  SVG,
  text,
} from '../openapi/parts';
import type { AppEnv } from '../services';
import { healthz } from '../health';
import { defineRoute, type RouteDef } from './define';

// What every public site answers: liveness, the API's OpenAPI document and its page,
// robots.txt, the icons.

const STATIC_CACHE = STATIC;
const DOC_CACHE = DOCUMENT;

interface Built {
  body: string | Uint8Array;
  etag: string;
}

/** Built once per isolate and origin; in production there is one origin. */
function memoByOrigin(build: (origin: string) => Promise<Built>) {
  const memo = new Map<string, Promise<Built>>();
  return (origin: string) => {
    let p = memo.get(origin);
    if (!p) {
      if (memo.size >= 8) memo.clear();
      p = build(origin);
      memo.set(origin, p);
      p.catch(() => memo.delete(origin));
    }
    return p;
  };
}

/** Per route table: an app built with other routes (a test's) documents its own. */
function memoByRoutes(build: (routes: readonly RouteDef[], origin: string) => Promise<Built>) {
  const memo = new WeakMap<readonly RouteDef[], (origin: string) => Promise<Built>>();
  return (routes: readonly RouteDef[], origin: string) => {
    let byOrigin = memo.get(routes);
    if (!byOrigin) {
      byOrigin = memoByOrigin((o) => build(routes, o));
      memo.set(routes, byOrigin);
    }
    return byOrigin(origin);
  };
}

const openApiJson = memoByRoutes(async (routes, origin) => {
  const body = JSON.stringify(documentOf(routes, origin));
  return { body, etag: await strongEtag(body) };
});

const docsHtml = memoByRoutes(async (routes, origin) => {
  const body = renderDocsPage(documentOf(routes, origin), origin);
  return { body, etag: await strongEtag(body) };
});

let iconSvg: Promise<Built> | null = null;
let faviconIco: Promise<Built> | null = null;

/** The favicon: the mark rendered by resvg at each size, as PNG entries of one ICO. */
async function buildFavicon(): Promise<Built> {
  const sizes = [16, 32, 48];
  const pngs: Uint8Array[] = [];
  // Loaded on first use: see src/routes/images.ts.
  const { svgToPng } = await import('../images');
  for (const size of sizes) pngs.push(await svgToPng(markSvg(size)));
  const body = icoFromPngs(sizes.map((size, i) => ({ size, png: pngs[i] as Uint8Array })));
  return { body, etag: await strongEtag(body) };
}

/**
 * An ICO file holding PNG images (the form Windows Vista and every current browser read):
 * a 6-byte ICONDIR, one 16-byte ICONDIRENTRY per image, then the PNGs, all little-endian.
 */
export function icoFromPngs(images: { size: number; png: Uint8Array }[]): Uint8Array {
  const header = 6 + 16 * images.length;
  const total = header + images.reduce((n, i) => n + i.png.byteLength, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0, true); // reserved
  v.setUint16(2, 1, true); // 1 = icon
  v.setUint16(4, images.length, true);
  let offset = header;
  images.forEach((img, i) => {
    const e = 6 + 16 * i;
    v.setUint8(e, img.size >= 256 ? 0 : img.size); // width; 0 means 256
    v.setUint8(e + 1, img.size >= 256 ? 0 : img.size);
    v.setUint8(e + 2, 0); // no palette
    v.setUint8(e + 3, 0); // reserved
    v.setUint16(e + 4, 1, true); // colour planes
    v.setUint16(e + 6, 32, true); // bits per pixel
    v.setUint32(e + 8, img.png.byteLength, true);
    v.setUint32(e + 12, offset, true);
    out.set(img.png, offset);
    offset += img.png.byteLength;
  });
  return out;
}

/** robots.txt for the indexing policy (README "Indexing"). */
export function robotsTxt(indexing: boolean): string {
  return [
    '# overmind-edge',
    indexing
      ? '# Reports, cards and comments may be indexed (INDEXING=on).'
      : '# Reports, cards and comments are not to be indexed (INDEXING=off): each says noindex.',
    '# Share links (/s/...) always answer with X-Robots-Tag: noindex. Crawlers may fetch them',
    '# (and every job page) so that they see it; only the JSON API is closed to them.',
    'User-agent: *',
    'Disallow: /api/',
    '',
  ].join('\n');
}

const origin = (c: Context<AppEnv>) => originOf(readConfig(c.env ?? {}).PUBLIC_ORIGIN, c.req.url);

export const siteRoutes = [
  // Liveness without an upstream call, and the deployment's state (src/health.ts). The memory
  // tier's size lets load tests check its bound from outside.
  defineRoute({
    method: 'get',
    path: '/healthz',
    errors: 'json',
    doc: {
      operationId: 'getHealth',
      tag: 'Site',
      summary: 'Liveness and deployment state',
      description:
        'Answers without calling the upstream. `?verbose=1` adds the mode and upstream host, whether the key is set (never its value), the shield and Cache API tiers, the deployed version and any setting that fell back to its default: the first check after a deploy (`curl -s {origin}/healthz?verbose=1 | jq`). Never cached.',
      query: z.object({
        verbose: z
          .enum(['1'])
          .optional()
          .describe('`1`: the deployment’s details too. Anything else: the short answer.'),
      }),
      responses: {
        200: {
          description: 'Alive, and able to serve real jobs.',
          headers: z.object({ 'Cache-Control': text('`no-store`.') }),
          content: { 'application/json': { schema: HealthSchema } },
        },
        ...errors([404, 414, 431, 500], 'json', { set: 'site' }),
        503: {
          description:
            'Alive, but the deployment cannot serve real jobs (`problems` says why): production in demo mode, without a key or without an explicit `SHARE_MODE`, or signed mode that cannot verify links. A URL that also names a job gets the `misconfigured` error instead.',
          headers: z.object({
            'Cache-Control': text('`no-store`.'),
            'X-Error-Code': z.literal('misconfigured').optional().describe('With the error body.'),
          }),
          content: {
            'application/json': {
              schema: z.union([
                HealthSchema,
                z.object({ detail: z.string(), code: z.literal('misconfigured') }),
              ]),
            },
          },
        },
      },
      curl: 'curl -s {origin}/healthz?verbose=1',
    },
    handler: (c) => healthz(c),
  }),
  defineRoute({
    method: 'get',
    path: '/openapi.json',
    errors: 'json',
    doc: {
      operationId: 'getOpenApi',
      tag: 'Site',
      summary: 'This document',
      description:
        'The OpenAPI 3.1 document of every route, generated from the schemas the service validates with.',
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: {
          description: 'The document.',
          headers: z.object({
            ETag: h.etag,
            'Cache-Control': text('`public, max-age=300`.'),
            'Access-Control-Allow-Origin': h.cors,
          }),
          content: { 'application/json': { schema: z.object({ openapi: z.literal('3.1.0') }).loose() } },
        },
        304: notModifiedStatic,
        ...errors(BASE_ERRORS, 'json', { set: 'site' }),
      },
      curl: 'curl -s {origin}/openapi.json',
    },
    handler: async (c) => {
      const doc = await openApiJson(c.var.routes.routes, origin(c));
      return conditional(c.req.raw, 200, doc.body, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': DOC_CACHE,
        'Access-Control-Allow-Origin': '*',
        ETag: doc.etag,
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/docs',
    errors: 'html',
    slash: true,
    doc: {
      operationId: 'getDocs',
      tag: 'Site',
      summary: 'The API reference, as a page',
      description: 'This document rendered as HTML, with a curl example for each route.',
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: {
          description: 'The page.',
          headers: z.object({
            ETag: h.etag,
            'Cache-Control': text('`public, max-age=300`.'),
            'Content-Security-Policy': h.csp,
          }),
          content: { 'text/html': { schema: HTML } },
        },
        304: notModifiedStatic,
        ...errors(BASE_ERRORS, 'html', { set: 'site' }),
      },
      curl: 'curl -s {origin}/docs | head -c 300',
    },
    handler: async (c) => {
      const page = await docsHtml(c.var.routes.routes, origin(c));
      return conditional(c.req.raw, 200, page.body, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': DOC_CACHE,
        ETag: page.etag,
        ...(await pageHeaders()),
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/robots.txt',
    errors: 'html',
    doc: {
      operationId: 'getRobots',
      tag: 'Site',
      summary: 'robots.txt',
      description:
        'What crawlers may fetch. The API is never crawled; whether reports may be indexed follows `INDEXING` (and share links never are).',
      responses: {
        200: {
          description: 'The rules.',
          headers: z.object({ 'Cache-Control': text('`public, max-age=86400`.') }),
          content: { 'text/plain': { schema: text('robots.txt (RFC 9309).') } },
        },
        ...errors(BASE_ERRORS, 'html', { set: 'site' }),
      },
      curl: 'curl -s {origin}/robots.txt',
    },
    handler: (c) =>
      c.text(robotsTxt(readConfig(c.env ?? {}).INDEXING), 200, { 'Cache-Control': STATIC_CACHE }),
  }),
  defineRoute({
    method: 'get',
    path: '/favicon.ico',
    errors: 'html',
    doc: {
      operationId: 'getFavicon',
      tag: 'Site',
      summary: 'The favicon (ICO)',
      description:
        'The brand mark at 16, 32 and 48 px, PNG-compressed inside an ICO, rendered from `/icon.svg`.',
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: {
          description: 'The icon.',
          headers: z.object({ ETag: h.etag, 'Cache-Control': text('`public, max-age=86400`.') }),
          content: { 'image/x-icon': { schema: z.string().meta({ format: 'binary' }) } },
        },
        304: notModifiedStatic,
        ...errors(BASE_ERRORS, 'html', { set: 'site' }),
      },
      curl: 'curl -s -o favicon.ico {origin}/favicon.ico',
    },
    handler: async (c) => {
      faviconIco ??= buildFavicon().catch((err: unknown) => {
        faviconIco = null;
        throw err;
      });
      const icon = await faviconIco;
      return conditional(c.req.raw, 200, icon.body, {
        'Content-Type': 'image/x-icon',
        'Cache-Control': STATIC_CACHE,
        ETag: icon.etag,
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/icon.svg',
    errors: 'html',
    doc: {
      operationId: 'getIcon',
      tag: 'Site',
      summary: 'The icon (SVG)',
      description: 'The brand mark as SVG, in the colour the pages and the cards share.',
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: {
          description: 'The icon.',
          headers: z.object({ ETag: h.etag, 'Cache-Control': text('`public, max-age=86400`.') }),
          content: { 'image/svg+xml': { schema: SVG } },
        },
        304: notModifiedStatic,
        ...errors(BASE_ERRORS, 'html', { set: 'site' }),
      },
      curl: 'curl -s {origin}/icon.svg',
    },
    handler: async (c) => {
      iconSvg ??= (async () => {
        const body = markSvg();
        return { body, etag: await strongEtag(body) };
      })();
      const icon = await iconSvg;
      return conditional(c.req.raw, 200, icon.body, {
        'Content-Type': 'image/svg+xml; charset=utf-8',
        'Cache-Control': STATIC_CACHE,
        ETag: icon.etag,
        ...SVG_HEADERS,
      });
    },
  }),
];
