import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import { renderErrorPage } from './views/html/pages';
import { errorCaching } from './caching';
import { deploymentGate } from './deployment';
import { readConfig } from './env';
import { AppError, notFound, type ErrorCode } from './errors';
import { healthz } from './health';
import { pageHeaders, SVG_HEADERS } from './http';
import { originOf } from './lib/origin';
import { loggablePath } from './log';
import { renderMessageBadge } from './images';
import { apiRoutes } from './routes/api';
import { eventRoutes } from './routes/events';
import { imageRoutes } from './routes/images';
import { pageRoutes } from './routes/pages';
import { pullRoutes } from './routes/pulls';
import { shareGate } from './routes/share-mount';
import { shareRoutes } from './routes/shares';
import { indexingPolicy, siteRoutes } from './routes/site';
import { defaultDeps, isolateState, type AppEnv, type Deps } from './services';

// The app: request limits, CORS, the faces' routes (src/routes/, one file per face), and
// errors in one shape and one place.

const MAX_URL_LENGTH = 2048;
const MAX_HEADER_BYTES = 16 * 1024;

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

  // The indexing policy (INDEXING, share links) wraps the share gate, so it sees the gate's answers too.
  app.use('*', indexingPolicy);

  // Production that cannot serve real jobs (demo mode, no key, no SHARE_MODE): 503 on job routes.
  app.use('*', deploymentGate(state));

  // Signed mode: share links, and the not-found answer for any job without one. It must stay
  // registered before every route, so routes mounted below are covered without knowing it.
  app.use(
    '*',
    shareGate(state, (req, env, ctx) => app.fetch(req, env, ctx)),
  );

  // Liveness without an upstream call, and the deployment's state (src/health.ts). The memory
  // tier's size lets load tests check its bound from outside.
  app.get('/healthz', (c) => healthz(c, state));

  // First: its canonical-URL redirects (308) precede every page route.
  app.route('/', siteRoutes(state));
  app.route('/', apiRoutes(state));
  app.route('/', eventRoutes(state));
  app.route('/', pageRoutes(state));
  app.route('/', imageRoutes(state));
  app.route('/', pullRoutes(state));
  app.route('/', shareRoutes(state));

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
    throw notFound();
  });

  app.onError((err, c) => errorResponse(c, err, state.deps));

  return app;
}

const KNOWN_PATHS = [
  /^\/(?:openapi\.json|docs|robots\.txt|favicon\.ico|icon\.svg)$/,
  /^\/$/,
  /^\/healthz$/,
  /^\/api\/jobs\/[^/]+\/?$/,
  /^\/api\/jobs\/[^/]+\/summary$/,
  /^\/api\/jobs\/[^/]+\/events$/,
  /^\/jobs\/[^/]+$/,
  /^\/jobs\/[^/]+\/[^/]+$/,
  /^\/compare\/[^/]+\/?$/,
  /^\/compare\/[^/]+\/[^/]+$/,
];

function knownPath(path: string): boolean {
  return KNOWN_PATHS.some((re) => re.test(path));
}

type ErrorFormat = 'json' | 'html' | 'badge';

function errorFormat(path: string): ErrorFormat {
  if (path.startsWith('/api/')) return 'json';
  if (path === '/openapi.json' || path === '/healthz') return 'json';
  if (/^\/jobs\/[^/]+\/badge(\.[0-9a-f]{12})?\.svg$/.test(path)) return 'badge';
  if (/^\/jobs\/[^/]+\/./.test(path)) return 'json';
  // The comparison card is a picture: its errors are JSON like the job cards'; the page's are HTML.
  if (/^\/compare\/[^/]+\/./.test(path)) return 'json';
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
  share_expired: 'link expired',
  misconfigured: 'unavailable',
};

export async function errorResponse(c: Context<AppEnv>, err: Error, deps: Deps): Promise<Response> {
  const appError =
    err instanceof AppError
      ? err
      : new AppError(500, 'internal_error', 'Something went wrong on our side. It has been logged.');
  if (!(err instanceof AppError)) {
    deps.log({ event: 'internal_error', path: loggablePath(c.req.path), error: String(err) });
  }
  const headers: Record<string, string> = {
    'Cache-Control': errorCaching(readConfig(c.env ?? {}), appError),
    'X-Content-Type-Options': 'nosniff',
    'X-Error-Code': appError.code,
    ...appError.headers,
  };
  const format = errorFormat(c.req.path);
  try {
    if (format === 'html') {
      const origin = originOf(readConfig(c.env ?? {}).PUBLIC_ORIGIN, c.req.url);
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
    deps.log({ event: 'error_render_failed', path: loggablePath(c.req.path), error: String(renderErr) });
  }
  return new Response(JSON.stringify(appError.toJSON()), {
    status: appError.status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
  });
}
