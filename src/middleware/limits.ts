import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors';
import type { AppEnv } from '../services';

// Request limits, before anything else reads the request: a URL or headers this large are
// refused (414, 431) rather than parsed, matched and logged.

export const MAX_URL_LENGTH = 2048;
export const MAX_HEADER_BYTES = 16 * 1024;

export const requestLimits: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.url.length > MAX_URL_LENGTH) {
    throw new AppError(414, 'uri_too_long', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  }
  let headerBytes = 0;
  c.req.raw.headers.forEach((v, k) => (headerBytes += k.length + v.length + 4));
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new AppError(431, 'headers_too_large', `Request headers exceed ${MAX_HEADER_BYTES} bytes.`);
  }
  await next();
};
