import type { Config } from './env';
import type { ErrorCode } from './errors';
import { isTerminal, type JobStatus } from './views/common/status';

// The cache policy, in one place: how long a job's copy is fresh (by status), how long past
// that it is served at once while it is refreshed (stale-while-revalidate) or only instead of a
// failure (stale-if-error), and how long an unknown job is remembered. `decide` says what a copy
// is worth at a moment; the isolate's tiers (src/cache.ts), the shield (src/shield.ts) and the
// headers (src/caching.ts) all follow it. The clock is the caller's: `now` is a parameter.

/** The settings the policy reads: a part of the one parsed Config. */
export type CachePolicy = Pick<
  Config,
  | 'TTL_TERMINAL_SECONDS'
  | 'TTL_ACTIVE_SECONDS'
  | 'STALE_WHILE_REVALIDATE_SECONDS'
  | 'STALE_IF_ERROR_SECONDS'
  | 'NOT_FOUND_TTL_SECONDS'
>;

/** What a tier holds for a job: a copy (its status and when it was fetched), or a remembered 404. */
export type Held =
  | { kind: 'job'; entry: { status: JobStatus | null; storedAt: number } }
  | { kind: 'missing'; storedAt: number };

export type Decision =
  /** Serve the copy. */
  | { use: 'fresh'; ageSeconds: number }
  /** Serve the copy now and refresh it in the background. */
  | { use: 'stale-while-revalidate'; ageSeconds: number }
  /** Refresh first; if that fails in a way a copy may stand in for (standsInFor), serve the copy. */
  | { use: 'stale-if-error'; ageSeconds: number }
  /** Answer 404 without asking: the job was unknown a moment ago; a cache may keep that `leftSeconds`. */
  | { use: 'not-found'; leftSeconds: number }
  /** Nothing that may be served: refresh, and its failure is the answer. */
  | { use: 'miss' };

/** Seconds a job's copy is fresh: long once the job is terminal, short while it may change. */
export function freshSeconds(policy: CachePolicy, status: JobStatus | null): number {
  return isTerminal(status) ? policy.TTL_TERMINAL_SECONDS : policy.TTL_ACTIVE_SECONDS;
}

/** How long a tier keeps a copy: as long as any rule may still serve it. */
export function keepSeconds(policy: CachePolicy, status: JobStatus | null): number {
  return (
    freshSeconds(policy, status) +
    Math.max(policy.STALE_WHILE_REVALIDATE_SECONDS, policy.STALE_IF_ERROR_SECONDS)
  );
}

/**
 * What `held` is worth at `now` (ms, the caller's clock). The windows are checked in order, so
 * where stale-while-revalidate outlasts stale-if-error the copy is still served at once.
 */
export function decide(policy: CachePolicy, held: Held | null, now: number): Decision {
  if (!held) return { use: 'miss' };
  if (held.kind === 'missing') {
    const ttl = policy.NOT_FOUND_TTL_SECONDS;
    const ageMs = now - held.storedAt;
    if (ageMs >= ttl * 1000) return { use: 'miss' };
    // What is left of the memory, in whole seconds, never more than the whole (a copy from a
    // clock ahead of this one) and 0 only when there is no memory at all (ttl 0).
    return { use: 'not-found', leftSeconds: Math.min(ttl, Math.ceil(ttl - ageMs / 1000)) };
  }
  const ageSeconds = (now - held.entry.storedAt) / 1000;
  const fresh = freshSeconds(policy, held.entry.status);
  if (ageSeconds < fresh) return { use: 'fresh', ageSeconds };
  if (ageSeconds < fresh + policy.STALE_WHILE_REVALIDATE_SECONDS) {
    return { use: 'stale-while-revalidate', ageSeconds };
  }
  if (ageSeconds < fresh + policy.STALE_IF_ERROR_SECONDS) return { use: 'stale-if-error', ageSeconds };
  return { use: 'miss' };
}

/**
 * The failures a stale copy may stand in for: the upstream's (it failed, timed out, refused the
 * key or rate limited this service), and this client's spent miss budget. Never bad input.
 */
export function standsInFor(code: ErrorCode): boolean {
  return code.startsWith('upstream_') || code === 'rate_limited';
}
