import { Hono } from 'hono';
import { renderIndexPage } from '../views/html/pages';
import { renderReportPage } from '../views/html/report';
import { liveScriptHash } from '../views/html/live';
import { pageCsp } from '../views/html/styles';
import { freshSeconds } from '../cache';
import { demoJobs } from '../demo';
import { AppError } from '../errors';
import { isTerminal } from '../schema';
import { DOCUMENT, jobCaching } from '../caching';
import { cacheStateHeaders, conditional, pageHeaders } from '../http';
import { rendered, renderKey } from '../render';
import { shareSettings } from '../share';
import { jobOf, loadJob, parseId, services, type AppEnv, type IsolateState } from '../services';

// The HTML faces: the index and the report page.

export function pageRoutes(state: IsolateState) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const s = services(c, state);
    // Signed mode lists no jobs: each one opens only under its share link.
    const signed = shareSettings(s.config).mode === 'signed';
    const demo = s.source.kind === 'demo' && !signed ? await demoJobs(s.config, s.deps.now()) : null;
    const html = renderIndexPage(demo?.jobs ?? null, {
      origin: s.origin,
      versions: demo?.versions ?? {},
      signed,
    });
    return c.html(html, 200, {
      'Cache-Control': DOCUMENT,
      ...(await pageHeaders()),
    });
  });

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
      // Under a share link the page's links carry its token: one cached page per link.
      base: s.base,
      stale: stale?.code ?? '',
      period: String(period),
    });
    const page = await rendered(s, key, 'report', () =>
      renderReportPage(jobOf(entry.body), {
        origin: s.origin,
        base: s.base,
        pathBase: s.pathBase,
        now: s.deps.now(),
        version: entry.version,
        stale: stale ? { reason: stale.detail } : null,
      }),
    );
    // A finished job's page allows no script; an active one's allows its live script and the
    // connections it makes (its links' origin is PUBLIC_ORIGIN, which may not be this host).
    const headers = await pageHeaders();
    if (!isTerminal(entry.status)) {
      const own = new URL(c.req.url).origin;
      headers['Content-Security-Policy'] = await pageCsp({
        scriptHash: await liveScriptHash(),
        connect: s.origin === own ? [] : [s.origin],
      });
    }
    return conditional(c.req.raw, 200, page.body, {
      'Content-Type': 'text/html; charset=utf-8',
      ...jobCaching(s.config, answer, [id]),
      ETag: page.etag,
      ...cacheStateHeaders(answer),
      ...headers,
    });
  });

  return app;
}
