import type { JobAnswer } from './cache';
import type { Config } from './env';
import { AppError, notFound } from './errors';
import { freshSeconds, type CachePolicy } from './policy';
import { isTerminal } from './views/common/status';

// How a shared cache may keep each answer: the one table (README "Caching"), the headers of the
// policy the tiers follow (src/policy.ts). Workers Cache sits
// in front of the Worker (tiered, collapsing, purged by Cache-Tag); browsers and any other cache
// read the same headers. Every answer states its caching, because Workers Cache keeps an answer
// that says nothing by heuristic (a 200 for two hours). Never `s-maxage`, `must-revalidate` or
// `proxy-revalidate`: each switches off Workers Cache's stale serving.
//
//   job-derived 200     public, max-age by status, stale-while-revalidate, stale-if-error, Cache-Tag;
//                       terminal and just vouched for by the shield: a longer edge-only
//                       lifetime, since a purge corrects the edge
//   stale for upstream  public, max-age=0, stale-if-error: the edge asks again at once, and keeps
//                       it only for when the Worker itself fails
//   per caller          no-store: live events, 429s, a stale copy shown to a rate-limited
//                       client, other errors, /healthz, minting
//   versioned image     immutable
//   unknown job (404)   as long as the shield remembers it, no longer
//   site files          public, max-age=300 (documents) or 86400 (robots, icons, redirects)

export const NO_STORE = 'no-store';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** robots.txt, icons, canonical-URL redirects: they change only with a deploy. */
export const STATIC = 'public, max-age=86400';
/** /, /docs, /openapi.json: they change with a deploy, and the index with the demo jobs. */
export const DOCUMENT = 'public, max-age=300';

/** The edge-only header: Workers Cache reads it instead of Cache-Control; browsers never see a use for it. */
export const EDGE_CACHE_CONTROL = 'Cloudflare-CDN-Cache-Control';

/** The Cache-Tag of one job: its (lower-case) id, what a purge names. */
export function jobTag(id: string): string {
  return id.toLowerCase();
}

/** The Cache-Tag header naming every job in `ids`, once each. */
function tagsOf(ids: readonly string[]): { 'Cache-Tag': string } {
  return { 'Cache-Tag': [...new Set(ids.map(jobTag))].join(',') };
}

function lifetime(maxAge: number, policy: CachePolicy): string {
  return `public, max-age=${maxAge}, stale-while-revalidate=${policy.STALE_WHILE_REVALIDATE_SECONDS}, stale-if-error=${policy.STALE_IF_ERROR_SECONDS}`;
}

/**
 * Cache-Control (and the edge's own lifetime) of an answer made from `answer`, the job that
 * decides its freshness; Cache-Tag names every job in `ids` (both sides of a comparison).
 */
export function jobCaching(
  config: Config,
  answer: JobAnswer,
  ids: readonly string[],
): Record<string, string> {
  const tags = tagsOf(ids);
  const stale = answer.staleReason;
  if (stale instanceof AppError) {
    // A stale copy shown because this client spent its miss budget is about this client.
    if (stale.code === 'rate_limited') return { 'Cache-Control': NO_STORE, ...tags };
    // Standing in for a failing upstream: the edge asks again on the next request, and keeps
    // it only to stand in for the Worker itself failing.
    return { 'Cache-Control': `public, max-age=0, stale-if-error=${config.STALE_IF_ERROR_SECONDS}`, ...tags };
  }
  const fresh = freshSeconds(config, answer.entry.status);
  const headers: Record<string, string> = { 'Cache-Control': lifetime(fresh, config), ...tags };
  // A browser cannot be purged, the edge can: a terminal job's change is purged by tag, so the
  // edge may keep it longer than a browser should. A running job's changes are never purged;
  // and only a copy the shield vouched for in this request, since an isolate's own older copy
  // could refill the edge after a purge and then outlive it there.
  if (answer.vouched && isTerminal(answer.entry.status) && config.EDGE_TTL_TERMINAL_SECONDS > fresh) {
    headers[EDGE_CACHE_CONTROL] = lifetime(config.EDGE_TTL_TERMINAL_SECONDS, config);
  }
  return headers;
}

/** A versioned image: its bytes never change for that URL. Tagged too, so a purge reaches everything of the job. */
export function immutableCaching(ids: readonly string[]): Record<string, string> {
  return { 'Cache-Control': IMMUTABLE, ...tagsOf(ids) };
}

/** A redirect from an outdated image version to the current one: as fresh as the job, briefly. */
export function versionRedirectCaching(
  config: Config,
  answer: JobAnswer,
  ids: readonly string[],
): Record<string, string> {
  const tags = tagsOf(ids);
  if (answer.staleReason instanceof AppError) return { 'Cache-Control': NO_STORE, ...tags };
  return { 'Cache-Control': `public, max-age=${freshSeconds(config, answer.entry.status)}`, ...tags };
}

/**
 * An unknown job that is remembered `leftSeconds` more (the policy's `not-found` decision):
 * cacheable for that long, so no cache in front remembers it longer than the tiers behind do.
 */
export function notFoundRemembered(leftSeconds: number): AppError {
  return notFound({ 'Cache-Control': leftSeconds > 0 ? `public, max-age=${leftSeconds}` : NO_STORE });
}

/**
 * Cache-Control of an error answer, unless the error names its own: a 404 for as long as an
 * unknown job is remembered; everything else (bad input, limits, failures) is never stored.
 */
export function errorCaching(config: Config, err: AppError): string {
  const own = err.headers['Cache-Control'];
  if (own) return own;
  return err.code === 'not_found' ? `public, max-age=${config.NOT_FOUND_TTL_SECONDS}` : NO_STORE;
}

/**
 * Cache-Control of an answer under a share link that expires at `expiresAt` (seconds): no cache
 * keeps it past the expiry, fresh or stale, so the stale-serving directives go.
 */
export function untilExpiry(cacheControl: string | null, expiresAt: number, nowMs: number): string {
  const left = Math.floor(expiresAt - nowMs / 1000);
  if (!cacheControl || /\bno-store\b/.test(cacheControl)) return cacheControl ?? NO_STORE;
  const maxAge = /\bmax-age=(\d+)/.exec(cacheControl);
  const keep = Math.min(left, maxAge ? Number(maxAge[1]) : 0);
  if (keep <= 0) return NO_STORE;
  return `${/\bprivate\b/.test(cacheControl) ? 'private' : 'public'}, max-age=${keep}`;
}
