import { Hono, type MiddlewareHandler } from 'hono';
import { markSvg } from '../views/common/brand';
import { renderDocsPage } from '../views/html/docs';
import { strongEtag } from '../lib/bytes';
import { canonicalId } from '../lib/ids';
import { originOf } from '../lib/origin';
import { DOCUMENT, STATIC } from '../caching';
import { readConfig } from '../env';
import { conditional, pageHeaders, SVG_HEADERS } from '../http';
import { svgToPng } from '../images';
import { openApiDocument } from '../openapi';
import type { AppEnv, IsolateState } from '../services';

// What every public site answers: the API's OpenAPI document and its page, robots.txt, the
// icons; and the canonical form of page URLs (README "URL forms").

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

const openApiJson = memoByOrigin(async (origin) => {
  const body = JSON.stringify(openApiDocument(origin));
  return { body, etag: await strongEtag(body) };
});

const docsHtml = memoByOrigin(async (origin) => {
  const body = renderDocsPage(openApiDocument(origin), origin);
  return { body, etag: await strongEtag(body) };
});

let iconSvg: Promise<Built> | null = null;
let faviconIco: Promise<Built> | null = null;

/** The favicon: the mark rendered by resvg at each size, as PNG entries of one ICO. */
async function buildFavicon(): Promise<Built> {
  const sizes = [16, 32, 48];
  const pngs: Uint8Array[] = [];
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

// Canonical page URLs: lower-case ids, no trailing slash. Only the forms that name a real
// face are redirected, so a mistyped URL gets one 404 rather than a redirect to another.

const JOB_FILE =
  /^(?:og(?:\.[0-9a-f]{12})?\.(?:png|svg)|badge(?:\.[0-9a-f]{12})?\.svg|badge\.json|comment\.md)$/;
const COMPARE_FILE = /^og(?:\.[0-9a-f]{12})?\.(?:png|svg)$/;
const JOB_URL = /^\/jobs\/([^/]+)(?:(\/)|\/([^/]+))?$/;
const COMPARE_URL = /^\/compare\/([^/]+)\.\.\.([^/]+?)(?:(\/)|\/([^/]+))?$/;

/** The canonical form of a page or job-file path, or null when it is canonical (or no such face). */
export function canonicalPath(path: string): string | null {
  if (path === '/docs/') return '/docs';
  const job = JOB_URL.exec(path);
  if (job) {
    const [, id = '', slash, file] = job;
    if (file !== undefined && !JOB_FILE.test(file)) return null;
    const lower = canonicalId(id);
    const out = `/jobs/${lower}${file ? `/${file}` : ''}`;
    return slash || lower !== id ? out : null;
  }
  const cmp = COMPARE_URL.exec(path);
  if (cmp) {
    const [, base = '', head = '', slash, file] = cmp;
    if (file !== undefined && !COMPARE_FILE.test(file)) return null;
    const out = `/compare/${canonicalId(base)}...${canonicalId(head)}${file ? `/${file}` : ''}`;
    return slash || canonicalId(base) !== base || canonicalId(head) !== head ? out : null;
  }
  return null;
}

const canonicalUrls: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
  const url = new URL(c.req.url);
  const target = canonicalPath(url.pathname);
  if (target === null) return next();
  // Relative, so a share link's prefix can be put in front of it (src/routes/share-mount.ts).
  return new Response(null, {
    status: 308,
    headers: { Location: `${target}${url.search}`, 'Cache-Control': STATIC_CACHE },
  });
};

/** Job faces: every answer under these paths is about one job (or two). */
const JOB_FACE = /^\/(?:api\/jobs|jobs|compare)\//;

/**
 * The indexing policy, applied to every answer: with INDEXING=off each job answer carries
 * `X-Robots-Tag: noindex`, and any HTML page carrying it (a share link's too, whose gate sets
 * it) also gets `<meta name="robots" content="noindex">`, for tools that only read the page.
 * Registered before the share gate, so it sees the gate's answers.
 */
export const indexingPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const config = readConfig(c.env ?? {});
  let res = c.res;
  if (!config.INDEXING && JOB_FACE.test(new URL(c.req.url).pathname) && !res.headers.has('X-Robots-Tag')) {
    res = new Response(res.body, res);
    res.headers.set('X-Robots-Tag', 'noindex');
    c.res = res;
  }
  const robots = res.headers.get('X-Robots-Tag') ?? '';
  const type = res.headers.get('Content-Type') ?? '';
  if (/noindex/i.test(robots) && res.status === 200 && res.body && type.startsWith('text/html')) {
    let seen = false;
    c.res = new HTMLRewriter()
      .on('meta[name="robots"]', {
        element() {
          seen = true;
        },
      })
      .on('head', {
        element(head) {
          head.onEndTag((end) => {
            if (!seen) end.before('<meta name="robots" content="noindex">', { html: true });
          });
        },
      })
      .transform(res);
  }
};

export function siteRoutes(_state: IsolateState) {
  const app = new Hono<AppEnv>();
  app.use('*', canonicalUrls);

  const origin = (c: { env: AppEnv['Bindings'] | undefined; req: { url: string } }) =>
    originOf(readConfig(c.env ?? {}).PUBLIC_ORIGIN, c.req.url);

  app.get('/openapi.json', async (c) => {
    const doc = await openApiJson(origin(c));
    return conditional(c.req.raw, 200, doc.body, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': DOC_CACHE,
      'Access-Control-Allow-Origin': '*',
      ETag: doc.etag,
    });
  });

  app.get('/docs', async (c) => {
    const page = await docsHtml(origin(c));
    return conditional(c.req.raw, 200, page.body, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': DOC_CACHE,
      ETag: page.etag,
      ...(await pageHeaders()),
    });
  });

  app.get('/robots.txt', (c) =>
    c.text(robotsTxt(readConfig(c.env ?? {}).INDEXING), 200, { 'Cache-Control': STATIC_CACHE }),
  );

  app.get('/icon.svg', async (c) => {
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
  });

  app.get('/favicon.ico', async (c) => {
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
  });

  return app;
}
