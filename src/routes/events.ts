import { z } from 'zod';
import { scrub, shieldFailureReason, type JobAnswer } from '../cache';
import { AppError, fromErrorShape } from '../errors';
import { EXAMPLE_ID, errors, h, JOB_ERRORS, jobId, text } from '../openapi/parts';
import type { Services } from '../services';
import { jobOf, loadJob, parseId } from './job';
import { isTerminal } from '../views/common/status';
import { endEvent, jobEvent, oneShotStream, retryField, retryMs, SSE_HEADERS } from '../sse';
import { summarize } from '../summary';
import { defineRoute } from './define';

// Live events: the job's summary at once and on every change, from the job's shield, which
// holds every stream of the job and asks the source once per period however many watch.

export const eventRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/jobs/{id}/events',
    params: { id: jobId },
    errors: 'json',
    job: true,
    cors: true,
    doc: {
      operationId: 'getJobEvents',
      tag: 'Jobs',
      summary: 'Live events (server-sent events)',
      description:
        '`event: job` with the summary as `data` at once and on every change of the job’s version (`id:` is the version), a `retry:` hint, a comment heartbeat every 15 s, and `event: end` before the stream closes when the job is terminal (at once for a terminal job). `Last-Event-ID` is honoured: the first event is not repeated. A bad id or an unknown job is a JSON error, never a stream.',
      headers: {
        'Last-Event-ID': z
          .string()
          .optional()
          .describe('The `id:` of the last event received, when reconnecting.'),
      },
      responses: {
        200: {
          description: 'The event stream.',
          headers: z.object({ 'Cache-Control': text('`no-store`.'), 'Access-Control-Allow-Origin': h.cors }),
          content: {
            'text/event-stream': {
              schema: text(
                'Events `job` (data: a Summary as JSON) and `end` (data: the final Summary), as text/event-stream.',
              ),
              example: `retry: 10000\nid: 0123456789ab\nevent: job\ndata: {"id":"${EXAMPLE_ID}","status":"running",…}\n\n: heartbeat\n\nevent: end\ndata: {…}\n\n`,
            },
          },
        },
        ...errors(JOB_ERRORS, 'json', { set: 'events' }),
      },
      curl: `curl -N {origin}/api/jobs/${EXAMPLE_ID}/events`,
    },
    handler: async (c, p) => {
      const s = c.var.services;
      const id = parseId(p.id);
      // Through the tiers first: a bad or unknown job is a JSON error, never a stream, and the
      // per-client miss budget applies as on every other route.
      const answer = await loadJob(s, id);
      if (c.req.method === 'HEAD') return new Response(null, { headers: SSE_HEADERS });
      const stream = await openStream(s, id, answer, {
        lastEventId: c.req.header('Last-Event-ID') ?? null,
        // Set by Cloudflare's edge; the per-client cap counts streams by it.
        client: c.req.header('CF-Connecting-IP') ?? 'unknown',
      });
      return new Response(stream, { headers: SSE_HEADERS });
    },
  }),
];

async function openStream(
  s: Services,
  id: string,
  answer: JobAnswer,
  opts: { lastEventId: string | null; client: string },
): Promise<ReadableStream<Uint8Array>> {
  if (s.shield) {
    try {
      const r = await s.shield.subscribe({ id, base: s.jobBase(id), ...opts });
      if (r.ok) return r.stream;
      // Caps and a job gone since are the client's answer; an upstream failure is not, as
      // long as this isolate holds a copy to show.
      if (!r.error.code.startsWith('upstream_')) throw fromErrorShape(r.error);
      s.log({ event: 'shield_fallback', id, what: 'events', reason: r.error.code });
    } catch (err) {
      if (err instanceof AppError) throw err;
      s.log({
        event: 'shield_fallback',
        id,
        what: 'events',
        reason: shieldFailureReason(err),
        error: scrub(String(err), s.config.OVERMIND_API_KEY),
      });
    }
  }
  // No shield to hold the stream: what is known now, then close; `retry:` brings the client back.
  const { entry } = answer;
  const summary = summarize(jobOf(entry.body), entry.version, s.jobBase(id));
  const parts = [retryField(retryMs(s.config.TTL_ACTIVE_SECONDS))];
  if (opts.lastEventId !== entry.version) parts.push(jobEvent(summary));
  if (isTerminal(entry.status)) parts.push(endEvent(summary));
  return oneShotStream(parts);
}
