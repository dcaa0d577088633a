import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../services';

// CORS is open on the read API (every path under /api/, so that its errors and preflights are
// readable too) and on the routes declared `cors` elsewhere (the shields endpoint document).

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

export const publicCorsPolicy: MiddlewareHandler<AppEnv> = (c, next) => {
  const path = c.req.path;
  const open = path === '/api' || path.startsWith('/api/') || c.var.routes.isCors(path);
  return open ? publicCors(c, next) : next();
};
