import { Hono } from 'hono';
import { freshSeconds } from '../cache';
import { strongEtag } from '../lib/bytes';
import { immutableCaching, jobCaching, versionRedirectCaching } from '../caching';
import { notFound } from '../errors';
import { badgeEndpoint, renderBadgeSvg, renderCardPng, renderCardSvg } from '../images';
import { cacheStateHeaders, conditional, SVG_HEADERS } from '../http';
import { BadgeQuery, CardQuery, parseQuery, type BadgeParams } from '../query';
import { rendered, renderKey } from '../render';
import { jobOf, loadJob, parseId, services, type AppEnv, type IsolateState } from '../services';

// The score images: the card (PNG, SVG), the badge (SVG) and the shields endpoint document.

/** `og.png`, `og.{version}.svg`, `badge.svg`, `badge.{version}.svg`, `badge.json`. */
const IMAGE_FILE = /^(og|badge)(?:\.([0-9a-f]{12}))?\.(png|svg|json)$/;

export function imageRoutes(state: IsolateState) {
  const app = new Hono<AppEnv>();

  app.get('/jobs/:id/:file', async (c, next) => {
    const file = IMAGE_FILE.exec(c.req.param('file'));
    // Not an image name: another face's route (e.g. comment.md) may own it.
    if (!file) return next();
    const [, name, version, ext] = file;
    if (name === 'badge' && ext === 'png') throw notFound();
    if (name === 'og' && ext === 'json') throw notFound();
    if (version && ext === 'json') throw notFound();
    const s = services(c, state);
    const id = parseId(c.req.param('id'));
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
  });

  return app;
}
