import { Hono } from 'hono';
import { scrub, shieldFailureReason, type JobAnswer } from '../cache';
import { AppError, fromErrorShape } from '../errors';
import {
  jobOf,
  loadJob,
  parseId,
  services,
  type AppEnv,
  type IsolateState,
  type Services,
} from '../services';
import { isTerminal } from '../schema';
import { endEvent, jobEvent, oneShotStream, retryField, retryMs, SSE_HEADERS } from '../sse';
import { summarize } from '../summary';

// Live events: the job's summary at once and on every change, from the job's shield, which
// holds every stream of the job and asks the source once per period however many watch.

export function eventRoutes(state: IsolateState) {
  const app = new Hono<AppEnv>();

  app.get('/api/jobs/:id/events', async (c) => {
    const s = services(c, state);
    const id = parseId(c.req.param('id'));
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
  });

  return app;
}

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
      s.deps.log({ event: 'shield_fallback', id, what: 'events', reason: r.error.code });
    } catch (err) {
      if (err instanceof AppError) throw err;
      s.deps.log({
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
