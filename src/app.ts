import { Hono, type Context } from 'hono';
import { renderErrorPage } from './views/html/pages';
import { errorCaching } from './caching';
import { deploymentGate } from './deployment';
import { readConfig } from './env';
import { AppError, notFound, type ErrorCode } from './errors';
import { pageHeaders, SVG_HEADERS } from './http';
import { originOf } from './lib/origin';
import { loggablePath } from './log';
import { renderMessageBadge } from './images';
import { canonicalUrls } from './middleware/canonical';
import { publicCorsPolicy } from './middleware/cors';
import { indexingPolicy } from './middleware/indexing';
import { requestLimits } from './middleware/limits';
import { securityHeaders } from './middleware/security-headers';
import { shareGate } from './middleware/share-gate';
import { appRoutes, ROUTES } from './routes';
import { RouteTable, type RouteDef } from './routes/define';
import {
  defaultDeps,
  isolateState,
  provideRoutes,
  provideServices,
  type AppEnv,
  type Deps,
} from './services';

// The app: the middleware (src/middleware/), the routes as declared (src/routes/, one file per
// face, listed in src/routes/index.ts), and errors in one shape and one place.

export interface AppOptions {
  /** Routes added after the service's own (a test's). */
  routes?: readonly RouteDef[];
}

export function createApp(overrides: Partial<Deps> = {}, options: AppOptions = {}) {
  const state = isolateState({ ...defaultDeps, ...overrides });
  const routes = new RouteTable(options.routes ? [...ROUTES, ...options.routes] : ROUTES);
  const app = new Hono<AppEnv>();

  app.use('*', provideRoutes(routes));
  app.use('*', securityHeaders);
  app.use('*', requestLimits);
  app.use('*', provideServices(state));
  app.use('*', publicCorsPolicy);

  // The indexing policy (INDEXING, share links) wraps the share gate, so it sees the gate's answers too.
  app.use('*', indexingPolicy);

  // Production that cannot serve real jobs (demo mode, no key, no SHARE_MODE): 503 on job routes.
  app.use('*', deploymentGate(state));

  // Signed mode: share links, and the not-found answer for any job without one. It must stay
  // registered before every route, so routes declared later are covered without knowing it.
  app.use(
    '*',
    shareGate(state, (req, env, ctx) => app.fetch(req, env, ctx)),
  );

  // Before every route: the canonical-URL redirects (308).
  app.use('*', canonicalUrls);

  routes.register(app);

  app.all('*', (c) => {
    const allow = routes.allowed(c.req.path, c.var.services.config);
    if (allow.length > 0) {
      const use = allow.filter((m) => m !== 'OPTIONS').join(' or ');
      throw new AppError(
        405,
        'method_not_allowed',
        `Method ${c.req.method} is not allowed here; use ${use}.`,
        {
          Allow: allow.join(', '),
        },
      );
    }
    throw notFound();
  });

  app.onError((err, c) => errorResponse(c, err, state.deps));

  return app;
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
  // An app assembled by hand (a test's) has no table of its own: the service's is used.
  const routes = (c.var.routes as RouteTable | undefined) ?? appRoutes;
  const format = routes.errorFormat(c.req.path);
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
