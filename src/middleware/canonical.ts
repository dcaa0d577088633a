import type { MiddlewareHandler } from 'hono';
import { STATIC } from '../caching';
import { appRoutes } from '../routes';
import type { AppEnv } from '../services';

// Canonical URLs (README "URL forms"): lower-case ids on the routes declared `canonical`, no
// trailing slash on those declared `slash` (src/routes/define.ts canonicalPath). The JSON API
// answers as it is asked, for clients that do not follow redirects.

export const canonicalUrls: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
  const url = new URL(c.req.url);
  const target = c.var.routes.canonicalPath(url.pathname);
  if (target === null) return next();
  // Relative, so a share link's prefix can be put in front of it (src/middleware/share-gate.ts).
  return new Response(null, {
    status: 308,
    headers: { Location: `${target}${url.search}`, 'Cache-Control': STATIC },
  });
};

/** The canonical form of one of the service's paths, or null (see RouteTable.canonicalPath). */
export function canonicalPath(path: string): string | null {
  return appRoutes.canonicalPath(path);
}
