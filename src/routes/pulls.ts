import type { Context } from 'hono';
import { z } from 'zod';
import { renderComparePage } from '../views/html/compare';
import { compareCardElement } from '../views/image/compare-card';
import type { JobAnswer } from '../cache';
import { freshSeconds } from '../policy';
import { buildComment, COMMENT_KEY } from '../comment';
import { compareJobs, comparisonVersion } from '../comparison';
import type { Config } from '../env';
import { AppError, invalidQuery, notFound, truncate } from '../errors';
import { EDGE_CACHE_CONTROL, immutableCaching, jobCaching, versionRedirectCaching } from '../caching';
import { cacheStateHeaders, conditional, pageHeaders, SVG_HEADERS } from '../http';
import type { AssetSource, Theme } from '../images';
import { compareUrls, RANGE_SEPARATOR } from '../links';
import { CardQuery, parseQuery } from '../query';
import { rendered, renderKey } from '../render';
import { uuid } from '../schema';
import {
  baseId as baseIdParam,
  card,
  EXAMPLE_BASE_ID,
  EXAMPLE_ID,
  headId as headIdParam,
  ifNoneMatch,
  jobHeaders,
  jobId,
  jobPage,
  jobResponses,
  text,
  versionParam,
} from '../openapi/parts';
import type { AppEnv, Services } from '../services';
import { jobOf, loadJob } from './job';
import { defineRoute, segmentPattern } from './define';
import type { RouteDoc } from '../openapi/parts';

// The pull-request face: the comment for a job (against the base branch's run), and the
// comparison of two runs as a page and a card, at GitHub's compare form /compare/{base}...{head}.

// src/images.ts (satori, resvg and their WebAssembly and fonts) is loaded on first use, so
// that these declarations also load where only their documentation is built (Node).
const images = () => import('../images');

const CommentQuery = z.object({ base: z.string().optional(), key: z.string().optional() });

/** The comparison card (`og.png`, `og.{version}.svg`, …) of a `{base}...{head}` range. */
async function comparisonCard(
  c: Context<AppEnv>,
  range: string,
  wanted: string | undefined,
  ext: 'png' | 'svg',
): Promise<Response> {
  const { baseId, headId } = parseRange(range);
  const s = c.var.services;
  const { theme } = parseQuery(CardQuery, c.req.query());
  const [base, head] = await loadPair(s, baseId, headId);
  const version = await comparisonVersion(base.entry.version, head.entry.version);
  const worse = worseOf(s.config, base, head);

  if (wanted && wanted !== version) {
    // An outdated (or not yet known) version points at the current picture, briefly.
    const urls = compareUrls(s.pathBase, baseId, headId, version);
    return new Response(null, {
      status: 302,
      headers: {
        Location: `${ext === 'png' ? urls.ogPng : urls.ogSvg}${new URL(c.req.url).search}`,
        ...versionRedirectCaching(s.config, worse, [baseId, headId]),
        ...cacheStateHeaders(worse),
      },
    });
  }

  const kind = `compare-og.${ext}`;
  const key = renderKey(s, kind, `${baseId}${RANGE_SEPARATOR}${headId}`, version, { theme });
  const image = await rendered(s, key, kind, async () => {
    const svg = await comparisonCardSvg(jobOf(base.entry.body), jobOf(head.entry.body), theme, c.env?.ASSETS);
    return ext === 'png' ? (await images()).svgToPng(svg) : svg;
  });
  const pair = pairHeaders(s.config, base, head);
  if (wanted) {
    // Immutable everywhere: the edge-only lifetime of a finished pair would be shorter.
    delete pair[EDGE_CACHE_CONTROL];
    Object.assign(pair, immutableCaching([baseId, headId]));
  }
  return conditional(c.req.raw, 200, image.body, {
    ...pair,
    'Content-Type': ext === 'png' ? 'image/png' : 'image/svg+xml; charset=utf-8',
    ETag: image.etag,
    ...(ext === 'svg' ? SVG_HEADERS : {}),
  });
}

const pair = { errors: 'json', job: true, canonical: true } as const;

/** Any card file name, for the hint on a range without `...`. */
const cardFile = segmentPattern(z.string(), 'og(?:\\.[0-9a-f]{12})?\\.(?:png|svg)');

export const pullRoutes = [
  defineRoute({
    method: 'get',
    path: '/jobs/{id}/comment.md',
    params: { id: jobId },
    ...pair,
    doc: {
      operationId: 'getComment',
      tag: 'Pull requests',
      summary: 'A pull-request comment (GitHub-flavoured markdown)',
      description:
        'A ready comment: a hidden marker on the first line (so a bot can find and update it), the headline, the versioned card linked to the report, a table of figures, the best iteration’s dimensions and the iterations. With `?base=` every figure is compared with the base branch’s run. Never over 65,536 characters; no job string can ping anyone or link elsewhere.',
      query: z.object({
        base: z
          .guid()
          .optional()
          .describe('The base branch’s run, to compare against.')
          .meta({ example: EXAMPLE_BASE_ID }),
      }),
      headers: { 'If-None-Match': ifNoneMatch },
      responses: jobResponses(
        {
          description: 'The comment.',
          headers: jobHeaders(),
          content: { 'text/markdown': { schema: text('GitHub-flavoured markdown (UTF-8).') } },
        },
        'json',
        {
          400: 'The detail says whether the job id or `base` is bad.',
          404: 'The detail says whether the job or `base` is unknown.',
        },
      ),
      curl: `curl -s '{origin}/jobs/${EXAMPLE_ID}/comment.md?base=${EXAMPLE_BASE_ID}'`,
    },
    handler: async (c, p) => {
      const s = c.var.services;
      const id = sideId(p.id, 'Job');
      const q = parseQuery(CommentQuery, c.req.query());
      const baseId = q.base !== undefined ? sideId(q.base, 'Base job') : null;
      if (q.key !== undefined && !COMMENT_KEY.test(q.key)) {
        throw invalidQuery(
          `key must be 1 to 64 letters, digits, dots, dashes or underscores (got ${JSON.stringify(truncate(q.key, 60))}).`,
        );
      }
      const [head, base] = await loadSides(
        s,
        { id, label: 'Job' },
        baseId ? { id: baseId, label: 'Base job' } : null,
      );
      const version = base ? await comparisonVersion(base.entry.version, head.entry.version) : '';
      // Keyed by both versions and the link base: a share link's comment links under its own prefix.
      const key = renderKey(s, 'comment', id, head.entry.version, {
        base: s.base,
        against: baseId ?? '',
        againstVersion: base?.entry.version ?? '',
        key: q.key ?? '',
      });
      const comment = await rendered(s, key, 'comment', () =>
        buildComment({
          head: jobOf(head.entry.body),
          headVersion: head.entry.version,
          base: base
            ? { job: jobOf(base.entry.body), version: base.entry.version, comparisonVersion: version }
            : null,
          linkBase: s.base,
          key: q.key ?? null,
        }),
      );
      return conditional(c.req.raw, 200, comment.body, {
        'Content-Type': 'text/markdown; charset=utf-8',
        ETag: comment.etag,
        ...pairHeaders(s.config, head, base),
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/compare/{base}...{head}',
    params: { base: baseIdParam, head: headIdParam },
    ...pair,
    errors: 'html',
    slash: true,
    doc: {
      operationId: 'getComparison',
      tag: 'Pull requests',
      summary: 'The comparison page of two runs',
      description:
        'GitHub’s compare form: both runs side by side, the change of every figure and dimension, one chart of both, links to both reports, and the comparison card for unfurls. Server-rendered without JavaScript.',
      headers: { 'If-None-Match': ifNoneMatch },
      responses: jobResponses(jobPage('The comparison.'), 'html', {
        400: 'The page says which side is bad.',
        404: 'The page says which side is unknown.',
      }),
      curl: `curl -s {origin}/compare/${EXAMPLE_BASE_ID}...${EXAMPLE_ID} | head -c 300`,
    },
    handler: async (c, p) => {
      const { baseId, headId } = parseRange(`${p.base}${RANGE_SEPARATOR}${p.head}`);
      const s = c.var.services;
      // Trailing-slash and upper-case forms were redirected to this one (src/middleware/canonical.ts).
      const [base, head] = await loadPair(s, baseId, headId);
      const version = await comparisonVersion(base.entry.version, head.entry.version);
      const stale = staleSide(base, head);
      const key = renderKey(s, 'compare', `${baseId}${RANGE_SEPARATOR}${headId}`, version, {
        base: s.base,
        stale: stale ? `${stale.side}:${stale.code}` : '',
      });
      const page = await rendered(s, key, 'compare', () => {
        const b = jobOf(base.entry.body);
        const h = jobOf(head.entry.body);
        return renderComparePage(b, h, compareJobs(b, h), {
          base: s.base,
          baseVersion: base.entry.version,
          headVersion: head.entry.version,
          version,
          stale: stale ? { side: stale.side, reason: stale.reason } : null,
        });
      });
      return conditional(c.req.raw, 200, page.body, {
        'Content-Type': 'text/html; charset=utf-8',
        ETag: page.etag,
        ...pairHeaders(s.config, base, head),
        ...(await pageHeaders()),
      });
    },
  }),
  ...(['png', 'svg'] as const).flatMap((ext) => [
    defineRoute({
      method: 'get',
      path: `/compare/{base}...{head}/og.${ext}`,
      params: { base: baseIdParam, head: headIdParam },
      ...pair,
      doc: compareCardDoc(ext, false),
      handler: (c, p) => comparisonCard(c, `${p.base}${RANGE_SEPARATOR}${p.head}`, undefined, ext),
    }),
    defineRoute({
      method: 'get',
      path: `/compare/{base}...{head}/og.{version}.${ext}`,
      params: { base: baseIdParam, head: headIdParam, version: versionParam },
      ...pair,
      doc: compareCardDoc(ext, true),
      handler: (c, p) => comparisonCard(c, `${p.base}${RANGE_SEPARATOR}${p.head}`, p.version, ext),
    }),
  ]),
  // A range without `...` is no comparison: a 404 that says what one looks like.
  defineRoute({
    method: 'get',
    path: '/compare/{range}',
    errors: 'html',
    job: true,
    doc: null,
    handler: (_c, p) => {
      parseRange(p.range);
      throw notFound();
    },
  }),
  defineRoute({
    method: 'get',
    path: '/compare/{range}/{file}',
    params: { range: z.string(), file: cardFile },
    errors: 'json',
    job: true,
    doc: null,
    handler: (_c, p) => {
      parseRange(p.range);
      throw notFound();
    },
  }),
];

function compareCardDoc(ext: 'png' | 'svg', versioned: boolean): RouteDoc {
  return {
    operationId: `getComparisonCard${ext === 'png' ? 'Png' : 'Svg'}${versioned ? 'Versioned' : ''}`,
    tag: 'Pull requests',
    summary: `The comparison card${versioned ? ' at an immutable URL' : ''} (${ext.toUpperCase()})`,
    description: versioned
      ? 'The comparison card of one pair of versions, cacheable for a year; its version is derived from both jobs’ versions, and an outdated one redirects (302) to the current.'
      : 'A 1200×630 card: both scores, the change, both runs’ sparklines.',
    query: CardQuery,
    headers: { 'If-None-Match': ifNoneMatch },
    responses: jobResponses({ description: 'The card.', headers: jobHeaders(), content: card(ext) }, 'json'),
    curl: `curl -s${versioned ? 'L' : ''} -o compare.${ext} {origin}/compare/${EXAMPLE_BASE_ID}...${EXAMPLE_ID}/og.${versioned ? '0123456789ab.' : ''}${ext}`,
  };
}

async function comparisonCardSvg(
  base: ReturnType<typeof jobOf>,
  head: ReturnType<typeof jobOf>,
  theme: Theme,
  assets: AssetSource | undefined,
) {
  const cmp = compareJobs(base, head);
  const { renderElementSvg } = await images();
  return renderElementSvg((text) => compareCardElement(base, head, cmp, { theme, text }), assets);
}

/** A job id parameter, lower-cased; a 400 that says which id is wrong. */
function sideId(raw: string, label: string): string {
  if (!uuid.safeParse(raw).success) {
    throw new AppError(
      400,
      'invalid_id',
      `${label} id must be a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e (got ${JSON.stringify(truncate(raw, 80))}).`,
    );
  }
  return raw.toLowerCase();
}

/** `{base}...{head}`: Hono's parameter takes the whole segment, split here. */
function parseRange(raw: string): { baseId: string; headId: string } {
  const at = raw.indexOf(RANGE_SEPARATOR);
  // No separator: not a comparison URL at all, so a 404 like any unknown path, saying what would be.
  if (at < 0) {
    throw new AppError(
      404,
      'not_found',
      `A comparison is /compare/{base}...{head}: the base run's job id, three dots, then this run's (got ${JSON.stringify(truncate(raw, 120))}).`,
    );
  }
  return {
    baseId: sideId(raw.slice(0, at), 'Base job'),
    headId: sideId(raw.slice(at + RANGE_SEPARATOR.length), 'Head job'),
  };
}

interface Side {
  id: string;
  label: string;
}

/**
 * One or two jobs, loaded at once. When both fail, the first side is reported; an unknown job is
 * a 404 that names its side.
 */
async function loadSides(
  s: Services,
  first: Side,
  second: Side | null,
): Promise<[JobAnswer, JobAnswer | null]> {
  const [a, b] = await Promise.allSettled([loadJob(s, first.id), second ? loadJob(s, second.id) : null]);
  const named = (side: Side, err: unknown) =>
    err instanceof AppError && err.code === 'not_found'
      ? new AppError(404, 'not_found', `${side.label} ${side.id} was not found.`, err.headers)
      : err;
  if (a.status === 'rejected') throw named(first, a.reason);
  if (b.status === 'rejected') throw named(second ?? first, b.reason);
  return [a.value, b.value];
}

async function loadPair(s: Services, baseId: string, headId: string): Promise<[JobAnswer, JobAnswer]> {
  // The head first: it is the run the reader asked about.
  const [head, base] = await loadSides(
    s,
    { id: headId, label: 'Head job' },
    { id: baseId, label: 'Base job' },
  );
  if (!base) throw new Error('loadSides: the second side was asked for');
  return [base, head];
}

/** The side that decides the answer's freshness: a stale copy, else the one that changes sooner. */
function worseOf(config: Config, a: JobAnswer, b: JobAnswer | null | undefined): JobAnswer {
  if (!b) return a;
  if (a.staleReason instanceof AppError) return a;
  if (b.staleReason instanceof AppError) return b;
  return freshSeconds(config, b.entry.status) < freshSeconds(config, a.entry.status) ? b : a;
}

/** Cache headers of an answer made from one or two jobs: as fresh as the less fresh one, tagged with both. */
function pairHeaders(config: Config, a: JobAnswer, b: JobAnswer | null | undefined): Record<string, string> {
  const worse = worseOf(config, a, b);
  const ids = b ? [a.entry.id, b.entry.id] : [a.entry.id];
  // Kept at the edge past a browser's lifetime only when the shield vouched for both sides.
  const decided = b && !(a.vouched && b.vouched) ? { ...worse, vouched: false } : worse;
  const headers: Record<string, string> = {
    ...jobCaching(config, decided, ids),
    ...cacheStateHeaders(worse),
  };
  const later = [a, b]
    .map((x) => (x ? Date.parse(x.entry.updatedAt) : NaN))
    .filter(Number.isFinite)
    .reduce((m, t) => Math.max(m, t), -Infinity);
  if (Number.isFinite(later)) headers['Last-Modified'] = new Date(later).toUTCString();
  return headers;
}

function staleSide(base: JobAnswer, head: JobAnswer): { side: string; code: string; reason: string } | null {
  for (const [side, answer] of [
    ['base run', base],
    ['this run', head],
  ] as const) {
    if (answer.staleReason instanceof AppError) {
      return { side, code: answer.staleReason.code, reason: answer.staleReason.detail };
    }
  }
  return null;
}
