import { Hono } from 'hono';
import { jobCaching } from '../caching';
import { conditional, cacheStateHeaders } from '../http';
import { rendered, renderKey } from '../render';
import { jobOf, loadJob, parseId, services, type AppEnv, type IsolateState } from '../services';
import { summarize } from '../summary';

// The read API: the job as JSON, and its summary.

export function apiRoutes(state: IsolateState) {
  const app = new Hono<AppEnv>();

  for (const path of ['/api/jobs/:id', '/api/jobs/:id/']) {
    app.get(path, async (c) => {
      const s = services(c, state);
      const id = parseId(c.req.param('id'));
      const answer = await loadJob(s, id);
      return conditional(c.req.raw, 200, answer.entry.body, {
        'Content-Type': 'application/json; charset=utf-8',
        ...jobCaching(s.config, answer, [id]),
        ETag: answer.entry.etag,
        ...cacheStateHeaders(answer),
      });
    });
  }

  app.get('/api/jobs/:id/summary', async (c) => {
    const s = services(c, state);
    const id = parseId(c.req.param('id'));
    const answer = await loadJob(s, id);
    const { entry } = answer;
    // Derived once per version and link base, like any rendered answer: a 1.8 MB job is parsed once.
    const key = renderKey(s, 'summary', id, entry.version, { base: s.jobBase(id) });
    const summary = await rendered(s, key, 'summary', () =>
      JSON.stringify(summarize(jobOf(entry.body), entry.version, s.jobBase(id))),
    );
    return conditional(c.req.raw, 200, summary.body, {
      'Content-Type': 'application/json; charset=utf-8',
      ...jobCaching(s.config, answer, [id]),
      ETag: summary.etag,
      ...cacheStateHeaders(answer),
    });
  });

  return app;
}
