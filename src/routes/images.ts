import type { Context } from 'hono';
import { freshSeconds } from '../policy';
import { strongEtag } from '../lib/bytes';
import { immutableCaching, jobCaching, versionRedirectCaching } from '../caching';
import { cacheStateHeaders, conditional, SVG_HEADERS } from '../http';
import {
  BadgeEndpointSchema,
  card,
  EXAMPLE_ID,
  ifNoneMatch,
  jobHeaders,
  jobId,
  jobJson,
  jobResponses,
  versionParam,
  type RouteDoc,
} from '../openapi/parts';
import { BadgeQuery, CardQuery, parseQuery, type BadgeParams } from '../query';
import { rendered, renderKey } from '../render';
import type { AppEnv } from '../services';
import { jobOf, loadJob, parseId } from './job';
import { defineRoute } from './define';

// The score images: the card (PNG, SVG), the badge (SVG) and the shields endpoint document.

// src/images.ts (satori, resvg and their WebAssembly and fonts) is loaded on first use, so
// that these declarations also load where only their documentation is built (Node).
const images = () => import('../images');

interface ImageFile {
  name: 'og' | 'badge';
  /** The content version of an immutable URL, or undefined for the latest. */
  version: string | undefined;
  ext: 'png' | 'svg' | 'json';
}

async function image(c: Context<AppEnv>, rawId: string, file: ImageFile): Promise<Response> {
  const { name, version, ext } = file;
  const s = c.var.services;
  const id = parseId(rawId);
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
        Location: `${s.pathBase}/jobs/${id}/${name}.${entry.version}.${ext}${search}`,
        ...versionRedirectCaching(s.config, answer, [id]),
        ...cacheStateHeaders(answer),
      },
    });
  }

  const headers: Record<string, string> = {
    ...(version ? immutableCaching([id]) : jobCaching(s.config, answer, [id])),
    ...cacheStateHeaders(answer),
  };

  const { badgeEndpoint, renderBadgeSvg, renderCardPng, renderCardSvg } = await images();
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
      const opts = { theme: params.theme, assets: c.env?.ASSETS };
      return ext === 'png' ? renderCardPng(job, opts) : renderCardSvg(job, opts);
    }
    const b = params as BadgeParams;
    return renderBadgeSvg(job, {
      label: b.label ?? undefined,
      metric: b.metric,
      style: b.style,
      theme: b.theme,
      assets: c.env?.ASSETS,
    });
  });
  return conditional(c.req.raw, 200, image.body, {
    ...headers,
    'Content-Type': ext === 'png' ? 'image/png' : 'image/svg+xml; charset=utf-8',
    ETag: image.etag,
    ...(ext === 'svg' ? SVG_HEADERS : {}),
  });
}

const jobImage = { params: { id: jobId }, errors: 'json', job: true, canonical: true } as const;

/** An image's operation: its query, `If-None-Match`, and the errors of every job route (a badge's are badges). */
function imageDoc(
  kind: 'card' | 'badge',
  ext: 'png' | 'svg',
  op: Pick<RouteDoc, 'operationId' | 'summary' | 'description' | 'curl'>,
): RouteDoc {
  const badge = kind === 'badge';
  return {
    ...op,
    tag: 'Images',
    query: badge ? BadgeQuery : CardQuery,
    headers: { 'If-None-Match': ifNoneMatch },
    responses: jobResponses(
      { description: badge ? 'The badge.' : 'The card.', headers: jobHeaders(), content: card(ext) },
      badge ? 'svg' : 'json',
    ),
  };
}

export const imageRoutes = [
  ...(['png', 'svg'] as const).flatMap((ext) => [
    defineRoute({
      method: 'get',
      path: `/jobs/{id}/og.${ext}`,
      ...jobImage,
      doc: imageDoc('card', ext, {
        operationId: ext === 'png' ? 'getCardPng' : 'getCardSvg',
        summary: `The 1200×630 score card (${ext.toUpperCase()})`,
        description:
          'The Open Graph card at its latest URL, cached like the job. For embedding, prefer the versioned URL the summary links: it never changes.',
        curl: `curl -s -o card.${ext} '{origin}/jobs/${EXAMPLE_ID}/og.${ext}?theme=dark'`,
      }),
      handler: (c, p) => image(c, p.id, { name: 'og', version: undefined, ext }),
    }),
    defineRoute({
      method: 'get',
      path: `/jobs/{id}/og.{version}.${ext}`,
      ...jobImage,
      params: { id: jobId, version: versionParam },
      doc: imageDoc('card', ext, {
        operationId: ext === 'png' ? 'getCardPngVersioned' : 'getCardSvgVersioned',
        summary: `The score card at an immutable URL (${ext.toUpperCase()})`,
        description:
          'The card of one version of the job, cacheable for a year. An outdated version redirects (302) to the current one, so an old link still shows the latest card.',
        curl: `curl -sL -o card.${ext} {origin}/jobs/${EXAMPLE_ID}/og.0123456789ab.${ext}`,
      }),
      handler: (c, p) => image(c, p.id, { name: 'og', version: p.version, ext }),
    }),
  ]),
  defineRoute({
    method: 'get',
    path: '/jobs/{id}/badge.svg',
    ...jobImage,
    errors: 'badge',
    doc: imageDoc('badge', 'svg', {
      operationId: 'getBadge',
      summary: 'The badge (SVG)',
      description:
        'A shields-style badge for READMEs and pull requests. Errors are badges too, with the status and `X-Error-Code`.',
      curl: `curl -s '{origin}/jobs/${EXAMPLE_ID}/badge.svg?metric=improvement&style=flat-square'`,
    }),
    handler: (c, p) => image(c, p.id, { name: 'badge', version: undefined, ext: 'svg' }),
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/{id}/badge.{version}.svg',
    ...jobImage,
    params: { id: jobId, version: versionParam },
    errors: 'badge',
    doc: imageDoc('badge', 'svg', {
      operationId: 'getBadgeVersioned',
      summary: 'The badge at an immutable URL',
      description:
        'The badge of one version of the job, cacheable for a year; an outdated version redirects (302).',
      curl: `curl -sL {origin}/jobs/${EXAMPLE_ID}/badge.0123456789ab.svg`,
    }),
    handler: (c, p) => image(c, p.id, { name: 'badge', version: p.version, ext: 'svg' }),
  }),
  defineRoute({
    method: 'get',
    path: '/jobs/{id}/badge.json',
    ...jobImage,
    cors: true,
    doc: {
      operationId: 'getBadgeEndpoint',
      tag: 'Images',
      summary: 'A shields.io endpoint-badge document',
      description:
        'For `https://img.shields.io/endpoint?url=…`: the same message and colour as the badge; `cacheSeconds` follows the job’s freshness.',
      query: BadgeQuery.pick({ label: true, metric: true }),
      headers: { 'If-None-Match': ifNoneMatch },
      responses: jobResponses(jobJson('The endpoint document.', BadgeEndpointSchema), 'json'),
      curl: `curl -s {origin}/jobs/${EXAMPLE_ID}/badge.json`,
    },
    handler: (c, p) => image(c, p.id, { name: 'badge', version: undefined, ext: 'json' }),
  }),
];
