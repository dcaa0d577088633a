import type { MiddlewareHandler } from 'hono';
import { readConfig } from '../env';
import type { AppEnv } from '../services';

/**
 * The indexing policy (README "Indexing"), applied to every answer: with INDEXING=off each
 * answer under a job route says `X-Robots-Tag: noindex`, and any HTML page carrying it (a share
 * link's too, whose gate sets it) also gets `<meta name="robots" content="noindex">`, for tools
 * that only read the page. Registered before the share gate, so it sees the gate's answers.
 */
export const indexingPolicy: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const config = readConfig(c.env ?? {});
  let res = c.res;
  if (
    !config.INDEXING &&
    c.var.routes.isJobFace(new URL(c.req.url).pathname) &&
    !res.headers.has('X-Robots-Tag')
  ) {
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
