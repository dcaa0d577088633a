import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { renderErrorPage, renderIndexPage } from '../templates/pages';
import { renderReportPage } from '../templates/report';
import { pageCsp } from '../templates/styles';
import { freshSeconds, strongEtag } from './cache';
import { demoJobs } from './demo';
import { readConfig } from './env';
import { AppError, type ErrorCode } from './errors';
import { badgeEndpoint, renderBadgeSvg, renderCardPng, renderCardSvg, renderMessageBadge } from './images';
import { cacheStateHeaders, conditional, IMMUTABLE, jobCacheControl } from './http';
import { BadgeQuery, CardQuery, parseQuery, type BadgeParams } from './query';
import { rendered, renderKey } from './render';
import type { Job } from './schema';
import { defaultDeps, isolateState, loadJob, parseId, services, type AppEnv, type Deps } from './services';

// Routes are short: validate, call one function, answer. Errors have one shape and one place.

const MAX_URL_LENGTH = 2048;
const MAX_HEADER_BYTES = 16 * 1024;

/** `og.png`, `og.{version}.svg`, `badge.svg`, `badge.{version}.svg`, `badge.json`. */
const IMAGE_FILE = /^(og|badge)(?:\.([0-9a-f]{12}))?\.(png|svg|json)$/;

export function createApp(overrides: Partial<Deps> = {}) {
  const state = isolateState({ ...defaultDeps, ...overrides });
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    if (c.req.url.length > MAX_URL_LENGTH) {
      throw new AppError(414, 'uri_too_long', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
    }
    let headerBytes = 0;
    c.req.raw.headers.forEach((v, k) => (headerBytes += k.length + v.length + 4));
    if (headerBytes > MAX_HEADER_BYTES) {
      throw new AppError(431, 'headers_too_large', `Request headers exceed ${MAX_HEADER_BYTES} bytes.`);
    }
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
  });

  const publicCors = cors({
    origin: '*',
    allowMethods: ['GET', 'HEAD', 'OPTIONS'],
    exposeHeaders: [
      'ETag',
      'Age',
      'Last-Modified',
      'X-Cache',
      'X-Cache-Reason',
      'Server-Timing',
      'Retry-After',
    ],
    maxAge: 86400,
  });
  app.use('/api/*', publicCors);
  app.use('/jobs/:id/badge.json', publicCors);

  // Liveness without an upstream call; the memory tier's size lets load tests check its bound from outside.
  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    const m = state.memory;
    return c.json({
      status: 'ok',
      memory_cache: m ? { bytes: m.bytes, max_bytes: m.maxBytes, entries: m.size } : null,
    });
  });

  app.get('/', async (c) => {
    const s = services(c, state);
    const demo = s.source.kind === 'demo' ? await demoJobs(s.config) : null;
    const html = renderIndexPage(demo?.jobs ?? null, { origin: s.origin, versions: demo?.versions ?? {} });
    return c.html(html, 200, {
      'Cache-Control': 'public, max-age=300',
      ...(await pageHeaders()),
    });
  });

  for (const path of ['/api/jobs/:id', '/api/jobs/:id/']) {
    app.get(path, async (c) => {
      const s = services(c, state);
      const answer = await loadJob(s, parseId(c.req.param('id')));
      return conditional(c.req.raw, 200, answer.entry.body, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': jobCacheControl(s.config, answer),
        ETag: answer.entry.etag,
        ...cacheStateHeaders(answer),
      });
    });
  }

  app.get('/jobs/:id', async (c) => {
    const s = services(c, state);
    const id = parseId(c.req.param('id'));
    const answer = await loadJob(s, id);
    const { entry } = answer;
    const stale = answer.staleReason instanceof AppError ? answer.staleReason : null;
    // Relative times ("2 hours ago") are re-rendered once per freshness period, not per request.
    const periodMs = freshSeconds(s.config, entry.status) * 1000 || 1000;
    const period = Math.floor(s.deps.now() / periodMs);
    const key = renderKey(s, 'report', id, entry.version, {
      origin: s.origin,
      stale: stale?.code ?? '',
      period: String(period),
    });
    const page = await rendered(s, key, 'report', () =>
      renderReportPage(jobOf(entry.body), {
        origin: s.origin,
        now: s.deps.now(),
        version: entry.version,
        stale: stale ? { reason: stale.detail } : null,
        refreshSeconds: Math.max(5, s.config.TTL_ACTIVE_SECONDS),
      }),
    );
    return conditional(c.req.raw, 200, page.body, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': jobCacheControl(s.config, answer),
      ETag: page.etag,
      ...cacheStateHeaders(answer),
      ...(await pageHeaders()),
    });
  });

  app.get('/jobs/:id/:file', async (c) => {
    const file = IMAGE_FILE.exec(c.req.param('file'));
    if (!file) throw new AppError(404, 'not_found', 'Not found.');
    const [, name, version, ext] = file;
    if (name === 'badge' && ext === 'png') throw new AppError(404, 'not_found', 'Not found.');
    if (name === 'og' && ext === 'json') throw new AppError(404, 'not_found', 'Not found.');
    if (version && ext === 'json') throw new AppError(404, 'not_found', 'Not found.');
    const s = services(c, state);
    const id = parseId(c.req.param('id'));
    const query = c.req.query();
    const params = name === 'og' ? parseQuery(CardQuery, query) : parseQuery(BadgeQuery, query);
    const answer = await loadJob(s, id);
    const { entry } = answer;

    if (version && version !== entry.version) {
      // An outdated (or not yet known) version points at the current picture, briefly.
      const search = new URL(c.req.url).search;
      return new Response(null, {
        status: 302,
        headers: {
          Location: `/jobs/${id}/${name}.${entry.version}.${ext}${search}`,
          'Cache-Control':
            answer.staleReason instanceof AppError
              ? 'no-store'
              : `public, max-age=${freshSeconds(s.config, entry.status)}`,
          ...cacheStateHeaders(answer),
        },
      });
    }

    const headers: Record<string, string> = {
      'Cache-Control': version ? IMMUTABLE : jobCacheControl(s.config, answer),
      ...cacheStateHeaders(answer),
    };

    if (ext === 'json') {
      const b = params as BadgeParams;
      const doc = badgeEndpoint(jobOf(entry.body), {
        label: b.label ?? undefined,
        metric: b.metric,
        cacheSeconds: freshSeconds(s.config, entry.status),
      });
      const body = JSON.stringify(doc);
      return conditional(c.req.raw, 200, body, {
        ...headers,
        'Content-Type': 'application/json; charset=utf-8',
        ETag: await strongEtag(body),
      });
    }

    const kind = `${name}.${ext}`;
    const key = renderKey(s, kind, id, entry.version, params as Record<string, string>);
    const image = await rendered(s, key, kind, () => {
      const job = jobOf(entry.body);
      if (name === 'og') {
        const opts = { theme: params.theme };
        return ext === 'png' ? renderCardPng(job, opts) : renderCardSvg(job, opts);
      }
      const b = params as BadgeParams;
      return renderBadgeSvg(job, {
        label: b.label ?? undefined,
        metric: b.metric,
        style: b.style,
        theme: b.theme,
      });
    });
    return conditional(c.req.raw, 200, image.body, {
      ...headers,
      'Content-Type': ext === 'png' ? 'image/png' : 'image/svg+xml; charset=utf-8',
      ETag: image.etag,
      ...(ext === 'svg' ? SVG_HEADERS : {}),
    });
  });

  app.all('*', (c) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && knownPath(c.req.path)) {
      throw new AppError(
        405,
        'method_not_allowed',
        `Method ${c.req.method} is not allowed here; use GET or HEAD.`,
        {
          Allow: 'GET, HEAD, OPTIONS',
        },
      );
    }
    throw new AppError(404, 'not_found', 'Not found.');
  });

  app.onError((err, c) => errorResponse(c, err, state.deps));

  return app;
}

function jobOf(body: Uint8Array): Job {
  return JSON.parse(new TextDecoder().decode(body)) as Job;
}

/** An SVG opened on its own must not run anything, whatever it contains. */
const SVG_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
};

async function pageHeaders(): Promise<Record<string, string>> {
  return {
    'Content-Security-Policy': await pageCsp(),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
  };
}

const KNOWN_PATHS = [
  /^\/$/,
  /^\/healthz$/,
  /^\/api\/jobs\/[^/]+\/?$/,
  /^\/jobs\/[^/]+$/,
  /^\/jobs\/[^/]+\/[^/]+$/,
];

function knownPath(path: string): boolean {
  return KNOWN_PATHS.some((re) => re.test(path));
}

type ErrorFormat = 'json' | 'html' | 'badge';

function errorFormat(path: string): ErrorFormat {
  if (path.startsWith('/api/')) return 'json';
  if (/^\/jobs\/[^/]+\/badge(\.[0-9a-f]{12})?\.svg$/.test(path)) return 'badge';
  if (/^\/jobs\/[^/]+\/./.test(path)) return 'json';
  return 'html';
}

const BADGE_ERROR_MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'job not found',
  invalid_id: 'invalid job id',
  upstream_timeout: 'unavailable',
  upstream_unavailable: 'unavailable',
  upstream_auth: 'unavailable',
  upstream_invalid: 'unavailable',
  upstream_rate_limited: 'unavailable',
};

export async function errorResponse(c: Context<AppEnv>, err: Error, deps: Deps): Promise<Response> {
  const appError =
    err instanceof AppError
      ? err
      : new AppError(500, 'internal_error', 'Something went wrong on our side. It has been logged.');
  if (!(err instanceof AppError)) {
    deps.log({ event: 'internal_error', path: c.req.path, error: String(err) });
  }
  const headers: Record<string, string> = {
    'Cache-Control': appError.code === 'not_found' ? 'public, max-age=30' : 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Error-Code': appError.code,
    ...appError.headers,
  };
  const format = errorFormat(c.req.path);
  try {
    if (format === 'html') {
      const origin = readConfig(c.env ?? {}).PUBLIC_ORIGIN || new URL(c.req.url).origin;
      const html = renderErrorPage(appError.status, appError.code, appError.detail, { origin });
      return new Response(html, {
        status: appError.status,
        headers: { ...headers, 'Content-Type': 'text/html; charset=utf-8', ...(await pageHeaders()) },
      });
    }
    if (format === 'badge') {
      const q = c.req.query();
      const style = ['flat', 'flat-square', 'for-the-badge'].includes(q.style ?? '') ? q.style : 'flat';
      const theme = q.theme === 'dark' ? 'dark' : 'light';
      const message =
        appError.code === 'invalid_query'
          ? appError.detail
          : (BADGE_ERROR_MESSAGES[appError.code] ?? 'error');
      const svg = await renderMessageBadge(
        'overmind',
        message,
        appError.status === 404 ? '#9f9f9f' : '#e05d44',
        {
          style: style as 'flat' | 'flat-square' | 'for-the-badge',
          theme,
        },
      );
      return new Response(svg, {
        status: appError.status,
        headers: { ...headers, 'Content-Type': 'image/svg+xml; charset=utf-8', ...SVG_HEADERS },
      });
    }
  } catch (renderErr) {
    deps.log({ event: 'error_render_failed', path: c.req.path, error: String(renderErr) });
  }
  return new Response(JSON.stringify(appError.toJSON()), {
    status: appError.status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
  });
}
