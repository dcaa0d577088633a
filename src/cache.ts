import { notFoundRemembered } from './caching';
import type { Config } from './env';
import { etagOf, hex, sha256 } from './lib/bytes';
import { AppError, fromErrorShape, type ErrorShape } from './errors';
import { decide, keepSeconds, standsInFor } from './policy';
import { parseJob, redact, type Job } from './schema';
import { JOB_STATUSES, type JobStatus } from './views/common/status';
import type { Store, Stored } from './store';
import type { JobSource } from './upstream';

// Getting a job, nearest tier first: the isolate's memory → the location's Cache API → the
// job's shield (a Durable Object, src/shield.ts) → the source. What a copy is worth (fresh,
// stale-while-revalidate, stale-if-error, a remembered 404) is src/policy.ts's decision, the
// same in every tier; here, one call per id however many requests miss at once (per isolate
// here; per job worldwide in the shield). Without a shield, or when it fails, the isolate asks
// the source itself.

export type CacheState = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED';

/** Where the copy that answered came from: `source` means fetched for this answer, directly or by the shield. */
export type Tier = 'memory' | 'cache' | 'shield' | 'source';

export interface AnswerTiming {
  tier: Tier;
  /** Milliseconds waited on the shield, when it was asked. */
  shieldMs?: number;
  /** Milliseconds the source call took, when one was made for this answer. */
  sourceMs?: number;
}

/** A validated, redacted job as served: the public JSON and what is derived from it. */
export interface JobEntry {
  id: string;
  /** The public JSON body, UTF-8. */
  body: Uint8Array;
  /** Strong ETag of `body`, quoted. */
  etag: string;
  /** Short content version (hex), used in immutable image URLs. */
  version: string;
  status: JobStatus | null;
  updatedAt: string;
  storedAt: number;
}

export interface JobAnswer {
  entry: JobEntry;
  cache: CacheState;
  /** Why a stale copy is served: the upstream's failure, or 'revalidating' in the background. */
  staleReason: AppError | 'revalidating' | null;
  ageSeconds: number;
  /** Which tier answered and what the calls behind it cost (Server-Timing). */
  timing?: AnswerTiming;
  /**
   * The copy is the shield's, fresh, in this request: the latest version known to the one place
   * that purges the edge when a job changes. Only such an answer may be kept at the edge past
   * its browser lifetime; an isolate's own older copy could outlive a purge there.
   */
  vouched?: boolean;
}

/** What a tier holds for a job: a copy, or a 404 remembered since `storedAt`. */
export type Copy = { kind: 'job'; entry: JobEntry } | { kind: 'missing'; storedAt: number };

/** What the shield answers an isolate: plain data, since errors lose their class over RPC. */
export type ShieldAnswer =
  | {
      ok: true;
      entry: JobEntry;
      /** The shield's own view: HIT is its fresh stored copy, STALE a stored copy past freshness. */
      cache: CacheState;
      stale: ErrorShape | 'revalidating' | null;
      sourceMs?: number;
      /**
       * Cache-Tags the edge must drop: the job became terminal, or a terminal job changed,
       * since the last answer. Handed to one isolate once; the isolate purges, since Workers
       * Cache purges are scoped to the entrypoint that calls them (the Worker's fetch handler).
       */
      purge?: string[];
    }
  | {
      ok: false;
      error: ErrorShape;
      /** For not_found: when the shield learned it, so the isolate remembers it no longer. */
      storedAt?: number;
      sourceMs?: number;
    };

/** How an isolate reaches a job's shield. `load` rejects when the shield itself fails. */
export interface ShieldClient {
  load(id: string): Promise<ShieldAnswer>;
}

/** What a source call needs: the isolate's deps and the shield's both satisfy it. */
export interface SourceDeps {
  config: Config;
  source: JobSource;
  now: () => number;
  log: (fields: Record<string, unknown>) => void;
}

export interface JobDeps extends SourceDeps {
  store: Store;
  waitUntil: (p: Promise<unknown>) => void;
  /**
   * Asked before a foreground miss: false means this client has spent its
   * miss budget (the Rate Limiting binding), and it gets a 429 or a stale copy.
   */
  admitMiss: () => Promise<boolean>;
  /** Concurrent fetches of one key share one promise; owned by the isolate. */
  inflight: Map<string, Promise<Fetched>>;
  /** The job's shield, or null: then the isolate asks the source itself. */
  shield: ShieldClient | null;
  /** Drops the edge's copies tagged with any of `tags` (Workers Cache purge); never rejects. */
  purge: (tags: string[]) => Promise<void>;
}

/** The outcome of asking past the isolate's tiers. Only unexpected errors are thrown. */
export type Fetched =
  | {
      ok: true;
      entry: JobEntry;
      /** Set when the shield could only offer its stored copy (upstream failing or revalidating). */
      stale: AppError | 'revalidating' | null;
      /** The shield's view (HIT, STALE) when it answered from its stored copy. */
      cache: CacheState | null;
      timing: AnswerTiming;
      /** The shield answered (not the source asked directly). */
      viaShield: boolean;
    }
  | { ok: false; error: AppError; timing: AnswerTiming | null };

export function jobCacheKey(source: JobSource, id: string): string {
  // Only the source's scope and the lowercased id: no query string, no header, no key.
  return `https://overmind-edge.internal/v1/${source.kind}/${encodeURIComponent(source.cacheScope)}/job/${id}`;
}

function copyOf(stored: Stored, id: string): Copy | null {
  if (stored.meta.kind === 'missing') return { kind: 'missing', storedAt: stored.storedAt };
  if (stored.meta.kind !== 'job' || stored.body.byteLength === 0) return null;
  const status = JOB_STATUSES.find((s) => s === stored.meta.status) ?? null;
  return {
    kind: 'job',
    entry: {
      id,
      body: stored.body,
      etag: String(stored.meta.etag),
      version: String(stored.meta.version),
      status,
      updatedAt: String(stored.meta.updatedAt),
      storedAt: stored.storedAt,
    },
  };
}

export async function getJob(deps: JobDeps, id: string): Promise<JobAnswer> {
  const { config, store, now } = deps;
  const key = jobCacheKey(deps.source, id);
  // Peek again after the Cache API's await: a fetch that finished meanwhile is in memory by now,
  // and one still running is in `inflight`, so concurrent misses make one call past this isolate.
  const peeked = store.peek(key);
  const stored = peeked ?? (await store.get(key)) ?? store.peek(key);
  const tier: Tier = peeked ? 'memory' : 'cache';
  const held = stored ? copyOf(stored, id) : null;
  const good = held?.kind === 'job' ? held.entry : null;
  const t = now();
  const decision = decide(config, held, t);

  if (decision.use === 'not-found') throw notFoundRemembered(decision.leftSeconds);
  if (good && decision.use === 'fresh') {
    return {
      entry: good,
      cache: 'HIT',
      staleReason: null,
      ageSeconds: decision.ageSeconds,
      timing: { tier },
    };
  }
  if (good && decision.use === 'stale-while-revalidate') {
    deps.waitUntil(
      refresh(deps, key, id, good, false).then((r) => {
        if (!r.ok) deps.log({ event: 'revalidate_failed', id, code: r.error.code });
      }),
    );
    return {
      entry: good,
      cache: 'STALE',
      staleReason: 'revalidating',
      ageSeconds: decision.ageSeconds,
      timing: { tier },
    };
  }

  const got = await refresh(deps, key, id, good, true);
  if (got.ok) {
    const { entry } = got;
    const ageSeconds = Math.max(0, (t - entry.storedAt) / 1000);
    if (got.stale) return { entry, cache: 'STALE', staleReason: got.stale, ageSeconds, timing: got.timing };
    const cache: CacheState =
      got.cache === 'HIT' ? 'HIT' : got.cache === 'REVALIDATED' || good ? 'REVALIDATED' : 'MISS';
    return { entry, cache, staleReason: null, ageSeconds, timing: got.timing, vouched: got.viaShield };
  }
  const err = got.error;
  if (good && decision.use === 'stale-if-error' && standsInFor(err.code)) {
    return {
      entry: good,
      cache: 'STALE',
      staleReason: err,
      ageSeconds: decision.ageSeconds,
      timing: { ...got.timing, tier },
    };
  }
  throw err;
}

/**
 * Ask past the isolate's tiers, once per key however many wait (and with the outcome of
 * the first caller's admission): the shield when there is one, else, or when it fails, the
 * source directly. What comes back is kept in the isolate's tiers.
 */
function refresh(
  deps: JobDeps,
  key: string,
  id: string,
  good: JobEntry | null,
  foreground: boolean,
): Promise<Fetched> {
  const running = deps.inflight.get(key);
  if (running) return running;
  const p = (async (): Promise<Fetched> => {
    if (foreground && deps.source.kind === 'upstream' && !(await deps.admitMiss())) {
      const error = new AppError(
        429,
        'rate_limited',
        'Too many requests for jobs that are not cached. Try again in a minute.',
        { 'Retry-After': '60' },
      );
      return { ok: false, error, timing: null };
    }
    const viaShield = deps.shield ? await askShield(deps, deps.shield, key, id, good) : null;
    if (viaShield && 'ok' in viaShield) return viaShield;
    const got = await direct(deps, key, id);
    // The failed attempt is timed too: a slow or broken shield shows in every answer it delayed.
    if (viaShield && got.timing) got.timing.shieldMs = viaShield.failedMs;
    return got;
  })().finally(() => deps.inflight.delete(key));
  deps.inflight.set(key, p);
  return p;
}

/** The shield's answer, kept in the isolate's tiers; `failedMs` when the shield itself failed. */
async function askShield(
  deps: JobDeps,
  shield: ShieldClient,
  key: string,
  id: string,
  good: JobEntry | null,
): Promise<Fetched | { failedMs: number }> {
  const t0 = performance.now();
  let answer: ShieldAnswer;
  try {
    answer = await shield.load(id);
  } catch (err) {
    const failedMs = round(performance.now() - t0);
    deps.log({
      event: 'shield_fallback',
      id,
      reason: shieldFailureReason(err),
      error: scrub(String(err), deps.config.OVERMIND_API_KEY),
      ms: failedMs,
    });
    return { failedMs };
  }
  const shieldMs = round(performance.now() - t0);
  const timing = (tier: Tier): AnswerTiming => ({
    tier,
    shieldMs,
    ...(answer.sourceMs != null ? { sourceMs: answer.sourceMs } : {}),
  });
  if (!answer.ok) {
    let error = fromErrorShape(answer.error);
    if (error.code === 'not_found') {
      const storedAt = answer.storedAt ?? deps.now();
      const missing: Stored = { meta: { kind: 'missing' }, body: new Uint8Array(0), storedAt };
      deps.waitUntil(deps.store.put(key, missing, deps.config.NOT_FOUND_TTL_SECONDS));
      // By this isolate's clock: a cache in front remembers it no longer than this tier does.
      const remembered = decide(deps.config, { kind: 'missing', storedAt }, deps.now());
      error = notFoundRemembered(remembered.use === 'not-found' ? remembered.leftSeconds : 0);
    }
    return { ok: false, error, timing: timing('shield') };
  }
  const { entry } = answer;
  const kept =
    !good || good.etag !== entry.etag || good.storedAt !== entry.storedAt
      ? deps.store.put(key, storedOf(entry), keepSeconds(deps.config, entry.status))
      : Promise.resolve();
  const tags = answer.purge;
  // Purged once this isolate holds the new copy, so the edge's next miss here finds it.
  deps.waitUntil(tags?.length ? kept.then(() => deps.purge(tags)) : kept);
  const stale =
    answer.stale === null
      ? null
      : answer.stale === 'revalidating'
        ? 'revalidating'
        : fromErrorShape(answer.stale);
  const fromStore = answer.cache === 'HIT' || answer.cache === 'STALE';
  return {
    ok: true,
    entry,
    stale,
    cache: answer.cache,
    timing: timing(fromStore ? 'shield' : 'source'),
    viaShield: true,
  };
}

export function shieldFailureReason(err: unknown): string {
  if (err instanceof ShieldTimeout) return 'timeout';
  const e = err as { overloaded?: unknown; remote?: unknown } | null;
  if (e && e.overloaded === true) return 'overloaded';
  return 'error';
}

/** Raised by a shield client that gave up waiting; the isolate then asks the source itself. */
export class ShieldTimeout extends Error {
  constructor(ms: number) {
    super(`the shield did not answer within ${ms} ms`);
    this.name = 'ShieldTimeout';
  }
}

/** The source asked by the isolate itself: no shield, or the shield failed. */
async function direct(deps: JobDeps, key: string, id: string): Promise<Fetched> {
  const t0 = performance.now();
  try {
    const entry = await fetchEntry(deps, id);
    deps.waitUntil(deps.store.put(key, storedOf(entry), keepSeconds(deps.config, entry.status)));
    return {
      ok: true,
      entry,
      stale: null,
      cache: null,
      timing: { tier: 'source', sourceMs: round(performance.now() - t0) },
      viaShield: false,
    };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'not_found') {
      const missing: Stored = { meta: { kind: 'missing' }, body: new Uint8Array(0), storedAt: deps.now() };
      deps.waitUntil(deps.store.put(key, missing, deps.config.NOT_FOUND_TTL_SECONDS));
    }
    return { ok: false, error: err, timing: { tier: 'source', sourceMs: round(performance.now() - t0) } };
  }
}

export function storedOf(entry: JobEntry): Stored {
  return {
    meta: {
      kind: 'job',
      etag: entry.etag,
      version: entry.version,
      status: entry.status,
      updatedAt: entry.updatedAt,
    },
    body: entry.body,
    storedAt: entry.storedAt,
  };
}

/**
 * One source call: fetch, validate against the schema, check the id, redact, and derive the
 * entry. Nothing unvalidated or unredacted leaves this function; callers decide where to keep it.
 * Throws an AppError: not_found, or upstream_* with a precise reason.
 */
export async function fetchEntry(deps: SourceDeps, id: string): Promise<JobEntry> {
  const { config } = deps;
  let raw: unknown;
  try {
    raw = await deps.source.fetchJob(id);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'not_found') {
      deps.log({
        event: 'upstream_error',
        id,
        code: err instanceof AppError ? err.code : 'unknown',
        detail: err instanceof AppError ? err.detail : scrub(String(err), config.OVERMIND_API_KEY),
      });
    }
    throw err;
  }
  const parsed = parseJob(raw);
  if (!parsed.ok) {
    deps.log({ event: 'upstream_error', id, code: 'upstream_invalid', detail: parsed.reason });
    throw new AppError(
      502,
      'upstream_invalid',
      `The upstream's answer does not match the job schema (${parsed.reason}).`,
    );
  }
  if (parsed.job.id.toLowerCase() !== id) {
    deps.log({ event: 'upstream_error', id, code: 'upstream_invalid', detail: 'id mismatch' });
    throw new AppError(
      502,
      'upstream_invalid',
      'The upstream answered with a different job than the one asked for.',
    );
  }
  return makeEntry(redact(parsed.job, config.REDACT_FIELDS), id, deps.now());
}

/** A log-safe text: the key is cut out wherever something echoed it. */
export function scrub(text: string, key: string): string {
  const short = text.length > 300 ? `${text.slice(0, 299)}…` : text;
  return key ? short.split(key).join('[redacted]') : short;
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * The revision of what the pictures draw. Image URLs are versioned by content and immutable (a
 * year in browsers and at the edge), so a card drawn before a change to the cards (revision 2:
 * CJK, Hebrew, Arabic and emoji instead of placeholders) would otherwise be served for good.
 * Bump it with every change that alters a card or badge of an unchanged job.
 */
export const VIEWS_REVISION = 2;

/** The 12-hex version of a job's content (`digest`, the SHA-256 of its body) as `revision` draws it. */
export async function contentVersion(digest: Uint8Array, revision = VIEWS_REVISION): Promise<string> {
  return hex((await sha256(`views-${revision}:${hex(digest)}`)).subarray(0, 6));
}

export async function makeEntry(job: Job, id: string, storedAt: number): Promise<JobEntry> {
  const body = new TextEncoder().encode(JSON.stringify(job));
  const digest = await sha256(body);
  return {
    id,
    body,
    etag: etagOf(digest),
    version: await contentVersion(digest),
    status: job.status ?? null,
    updatedAt: job.updated_at,
    storedAt,
  };
}

/** A stored entry's body as a job: it was validated and redacted before it was stored. */
export function jobOf(body: Uint8Array): Job {
  return JSON.parse(new TextDecoder().decode(body)) as Job;
}
