import { renderIndexPage } from '../views/html/pages';
import { renderReportPage } from '../views/html/report';
import { liveScriptHash } from '../views/html/live';
import { pageCsp } from '../views/html/styles';
import { freshSeconds } from '../policy';
import { demoJobs } from '../demo';
import { AppError } from '../errors';
import { isTerminal } from '../views/common/status';
import { DOCUMENT, jobCaching } from '../caching';
import { cacheStateHeaders, conditional, pageHeaders } from '../http';
import { rendered, renderKey } from '../render';
import { shareSettings } from '../share';
import {
  BASE_ERRORS,
  EXAMPLE_ID,
  errors,
  h,
  HTML,
  ifNoneMatch,
  jobId,
  jobPage,
  jobResponses,
  text,
} from '../openapi/parts';
import { jobOf, loadJob, parseId } from './job';
import { z } from 'zod';
import { defineRoute } from './define';

// The HTML faces: the index and the report page.

/** The index (registered after the job routes: the document lists it with the site's routes). */
export const indexRoute = defineRoute({
  method: 'get',
  path: '/',
  errors: 'html',
  doc: {
    operationId: 'getIndex',
    tag: 'Site',
    summary: 'The index',
    description: 'The demo jobs in demo mode; otherwise a short page on the URL forms.',
    responses: {
      200: {
        description: 'The index.',
        headers: z.object({
          'Cache-Control': text('`public, max-age=300`.'),
          'Content-Security-Policy': h.csp,
        }),
        content: { 'text/html': { schema: HTML } },
      },
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s {origin}/ | head -c 300',
  },
  handler: async (c) => {
    const s = c.var.services;
    // Signed mode lists no jobs: each one opens only under its share link.
    const signed = shareSettings(s.config).mode === 'signed';
    const demo = s.source.kind === 'demo' && !signed ? await demoJobs(s.config, s.now()) : null;
    const html = renderIndexPage(demo?.jobs ?? null, {
      origin: s.origin,
      versions: demo?.versions ?? {},
      signed,
    });
    return c.html(html, 200, {
      'Cache-Control': DOCUMENT,
      ...(await pageHeaders()),
    });
  },
});

export const reportRoute = defineRoute({
  method: 'get',
  path: '/jobs/{id}',
  params: { id: jobId },
  errors: 'html',
  job: true,
  canonical: true,
  slash: true,
  doc: {
    operationId: 'getReport',
    tag: 'Pages',
    summary: 'The report page',
    description:
      'One page per job: scores, chart, iterations, what changed, the report, share snippets. Server-rendered without JavaScript (an active job’s page may add one small first-party script that updates it in place). Unfurls with the card in Slack, X, LinkedIn and GitHub.',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: jobResponses(jobPage('The report.'), 'html'),
    curl: `curl -s {origin}/jobs/${EXAMPLE_ID} | head -c 300`,
  },
  handler: async (c, p) => {
    const s = c.var.services;
    const id = parseId(p.id);
    const answer = await loadJob(s, id);
    const { entry } = answer;
    const stale = answer.staleReason instanceof AppError ? answer.staleReason : null;
    // Relative times ("2 hours ago") are re-rendered once per freshness period, not per request.
    const periodMs = freshSeconds(s.config, entry.status) * 1000 || 1000;
    const period = Math.floor(s.now() / periodMs);
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
        now: s.now(),
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
  },
});
