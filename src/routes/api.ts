import type { Context } from 'hono';
import { jobCaching } from '../caching';
import { conditional, cacheStateHeaders } from '../http';
import { EXAMPLE_ID, ifNoneMatch, jobId, jobJson, jobResponses, type RouteDoc } from '../openapi/parts';
import { rendered, renderKey } from '../render';
import { JobSchema } from '../schema';
import type { AppEnv } from '../services';
import { jobOf, loadJob, parseId } from './job';
import { summarize, SummarySchema } from '../summary';
import { defineRoute } from './define';

// The read API: the job as JSON, and its summary.

async function getJob(c: Context<AppEnv>, rawId: string): Promise<Response> {
  const s = c.var.services;
  const id = parseId(rawId);
  const answer = await loadJob(s, id);
  return conditional(c.req.raw, 200, answer.entry.body, {
    'Content-Type': 'application/json; charset=utf-8',
    ...jobCaching(s.config, answer, [id]),
    ETag: answer.entry.etag,
    ...cacheStateHeaders(answer),
  });
}

/** A read-API operation: JSON about one job, with the `If-None-Match` and errors of every job route. */
function readDoc(
  op: Pick<RouteDoc, 'operationId' | 'summary' | 'description'>,
  body: { description: string; schema: Parameters<typeof jobJson>[1] },
  curlPath: string,
): RouteDoc {
  return {
    ...op,
    tag: 'Jobs',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: jobResponses(jobJson(body.description, body.schema), 'json'),
    curl: `curl -s {origin}/api/jobs/${EXAMPLE_ID}/${curlPath}`,
  };
}

const getJobDoc = readDoc(
  {
    operationId: 'getJob',
    summary: 'The job as JSON',
    description:
      'The job exactly as the upstream’s reference documents it, validated and trimmed to that schema; fields named in `REDACT_FIELDS` are removed. Served from the cache while fresh, and from a stale copy while the upstream fails.',
  },
  { description: 'The job.', schema: JobSchema },
  '',
);

/** The read API's routes: one job, JSON errors, open to any origin. */
const readApi = { params: { id: jobId }, errors: 'json', job: true, cors: true } as const;

export const apiRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/jobs/{id}/',
    ...readApi,
    doc: getJobDoc,
    handler: (c, p) => getJob(c, p.id),
  }),
  // The upstream's own form has the slash; the API answers without it too.
  defineRoute({
    method: 'get',
    path: '/api/jobs/{id}',
    ...readApi,
    doc: { ...getJobDoc, operationId: 'getJobNoSlash' },
    handler: (c, p) => getJob(c, p.id),
  }),
  defineRoute({
    method: 'get',
    path: '/api/jobs/{id}/summary',
    ...readApi,
    doc: readDoc(
      {
        operationId: 'getJobSummary',
        summary: 'The job’s summary, under 2 KB',
        description:
          'The headline numbers of a job for dashboards and bots: the same title, best score and improvement the page and the card show, with absolute links (images versioned). Cached like the job, with the same errors.',
      },
      { description: 'The summary.', schema: SummarySchema },
      'summary',
    ),
    handler: async (c, p) => {
      const s = c.var.services;
      const id = parseId(p.id);
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
    },
  }),
];
