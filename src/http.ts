import type { AnswerTiming, JobAnswer } from './cache';
import { pageCsp } from './views/html/styles';

// HTTP semantics shared by every job-derived answer (JSON, HTML, images). How long caches may
// keep each answer is src/caching.ts.

/**
 * The headers that say what the isolate's tiers did for a job answer, without ETag and
 * Cache-Control. On an answer from the edge's cache they are those of the Worker run that
 * filled it (README "Caching").
 */
export function cacheStateHeaders(answer: JobAnswer): Record<string, string> {
  const h: Record<string, string> = {
    'X-Cache': answer.cache,
    Age: String(Math.max(0, Math.floor(answer.ageSeconds))),
  };
  const lastModified = Date.parse(answer.entry.updatedAt);
  if (Number.isFinite(lastModified)) h['Last-Modified'] = new Date(lastModified).toUTCString();
  let state: string = answer.cache.toLowerCase();
  if (answer.staleReason) {
    const reason = answer.staleReason === 'revalidating' ? 'revalidating' : answer.staleReason.code;
    h['X-Cache-Reason'] = reason;
    state = `stale: ${reason}`;
  }
  h['Server-Timing'] = serverTiming(answer.timing ?? { tier: 'memory' }, state);
  return h;
}

/**
 * Server-Timing of a job answer: first the tier whose copy answered (`memory`, `cache` for the
 * location's Cache API, `shield`, or `source` when fetched for this answer) with the cache state
 * and, for the shield and the source, the call's duration; then any other call made for it.
 *   memory;desc="hit"
 *   source;dur=38.9;desc="miss", shield;dur=41.2
 *   shield;dur=3.1;desc="stale: upstream_unavailable"
 */
export function serverTiming(timing: AnswerTiming, state: string): string {
  const dur = (ms: number | undefined) => (ms != null ? `;dur=${ms}` : '');
  const own =
    timing.tier === 'shield' ? timing.shieldMs : timing.tier === 'source' ? timing.sourceMs : undefined;
  const parts = [`${timing.tier}${dur(own)};desc="${state}"`];
  if (timing.tier !== 'shield' && timing.shieldMs != null) parts.push(`shield${dur(timing.shieldMs)}`);
  if (timing.tier !== 'source' && timing.sourceMs != null) parts.push(`source${dur(timing.sourceMs)}`);
  return parts.join(', ');
}

/** RFC 9110 If-None-Match: a list of entity tags or "*", compared weakly. */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const trimmed = ifNoneMatch.trim();
  if (trimmed === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  const want = bare(etag);
  return trimmed.split(',').some((t) => bare(t) === want);
}

/**
 * A full answer, or a 304 when the client already holds this ETag. `body` is
 * left untouched for HEAD: Hono strips it while keeping the headers.
 */
export function conditional(
  req: Request,
  status: number,
  body: BodyInit | null,
  headers: Record<string, string>,
): Response {
  const etag = headers.ETag;
  if (etag && status === 200 && etagMatches(req.headers.get('If-None-Match'), etag)) {
    const h = { ...headers };
    delete h['Content-Type'];
    delete h['Content-Length'];
    return new Response(null, { status: 304, headers: h });
  }
  return new Response(body, { status, headers });
}

/** An SVG opened on its own must not run anything, whatever it contains. */
export const SVG_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
};

/** Headers of every HTML page: its CSP, no framing, no referrer beyond the origin. */
export async function pageHeaders(): Promise<Record<string, string>> {
  return {
    'Content-Security-Policy': await pageCsp(),
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
  };
}
