import type { Config } from './env';
import { AppError, notFound } from './errors';
import { isTerminal, JOB_STATUSES, parseJob, redact, type Job, type JobStatus } from './schema';
import type { Store, Stored } from './store';
import type { JobSource } from './upstream';

// Getting a job: memory tier → Cache API → source, with freshness by status,
// stale-while-revalidate, stale-if-error, negative caching of 404s and one
// upstream call per id however many requests miss at once.

export type CacheState = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED';

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
}

export interface JobDeps {
  config: Config;
  source: JobSource;
  store: Store;
  now: () => number;
  waitUntil: (p: Promise<unknown>) => void;
  /**
   * Asked before a foreground upstream call: false means this client has spent its
   * miss budget (the Rate Limiting binding), and it gets a 429 or a stale copy.
   */
  admitMiss: () => Promise<boolean>;
  /** Concurrent fetches of one key share one promise; owned by the isolate. */
  inflight: Map<string, Promise<JobEntry>>;
  log: (fields: Record<string, unknown>) => void;
}

export function freshSeconds(config: Config, status: JobStatus | null): number {
  return isTerminal(status) ? config.TTL_TERMINAL_SECONDS : config.TTL_ACTIVE_SECONDS;
}

/** How long a tier keeps a copy: as long as any rule may still serve it. */
function keepSeconds(config: Config, status: JobStatus | null): number {
  return (
    freshSeconds(config, status) +
    Math.max(config.STALE_WHILE_REVALIDATE_SECONDS, config.STALE_IF_ERROR_SECONDS)
  );
}

export function jobCacheKey(source: JobSource, id: string): string {
  // Only the source's scope and the lowercased id: no query string, no header, no key.
  return `https://overmind-edge.internal/v1/${source.kind}/${encodeURIComponent(source.cacheScope)}/job/${id}`;
}

function toEntry(stored: Stored, id: string): JobEntry | 'missing' | null {
  if (stored.meta.kind === 'missing') return 'missing';
  if (stored.meta.kind !== 'job' || stored.body.byteLength === 0) return null;
  const status = JOB_STATUSES.find((s) => s === stored.meta.status) ?? null;
  return {
    id,
    body: stored.body,
    etag: String(stored.meta.etag),
    version: String(stored.meta.version),
    status,
    updatedAt: String(stored.meta.updatedAt),
    storedAt: stored.storedAt,
  };
}

export async function getJob(deps: JobDeps, id: string): Promise<JobAnswer> {
  const { config, store, now } = deps;
  const key = jobCacheKey(deps.source, id);
  // Peek again after the Cache API's await: a fetch that finished meanwhile is in memory by now,
  // and one still running is in `inflight`, so concurrent misses make one upstream call.
  const stored = store.peek(key) ?? (await store.get(key)) ?? store.peek(key);
  const cached = stored ? toEntry(stored, id) : null;
  const good = cached === 'missing' ? null : cached;
  const t = now();

  if (cached === 'missing' && stored && t - stored.storedAt < config.NOT_FOUND_TTL_SECONDS * 1000) {
    throw notFound();
  }
  if (good) {
    const age = (t - good.storedAt) / 1000;
    const fresh = freshSeconds(config, good.status);
    if (age < fresh) return { entry: good, cache: 'HIT', staleReason: null, ageSeconds: age };
    if (age < fresh + config.STALE_WHILE_REVALIDATE_SECONDS) {
      deps.waitUntil(
        refresh(deps, key, id, false).catch((err: unknown) => {
          deps.log({ event: 'revalidate_failed', id, code: err instanceof AppError ? err.code : 'unknown' });
        }),
      );
      return { entry: good, cache: 'STALE', staleReason: 'revalidating', ageSeconds: age };
    }
  }

  try {
    const entry = await refresh(deps, key, id, true);
    return { entry, cache: good ? 'REVALIDATED' : 'MISS', staleReason: null, ageSeconds: 0 };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if ((err.isUpstreamFailure || err.code === 'rate_limited') && good) {
      const age = (t - good.storedAt) / 1000;
      if (age < freshSeconds(config, good.status) + config.STALE_IF_ERROR_SECONDS) {
        return { entry: good, cache: 'STALE', staleReason: err, ageSeconds: age };
      }
    }
    throw err;
  }
}

/**
 * Fetch, validate and store one job; concurrent callers for one key share the work
 * (and the outcome of the first caller's admission).
 */
function refresh(deps: JobDeps, key: string, id: string, foreground: boolean): Promise<JobEntry> {
  const running = deps.inflight.get(key);
  if (running) return running;
  const p = (async () => {
    if (foreground && deps.source.kind === 'upstream' && !(await deps.admitMiss())) {
      throw new AppError(
        429,
        'rate_limited',
        'Too many requests for jobs that are not cached. Try again in a minute.',
        { 'Retry-After': '60' },
      );
    }
    return fetchAndStore(deps, key, id);
  })().finally(() => deps.inflight.delete(key));
  deps.inflight.set(key, p);
  return p;
}

async function fetchAndStore(deps: JobDeps, key: string, id: string): Promise<JobEntry> {
  const { config, store } = deps;
  let raw: unknown;
  try {
    raw = await deps.source.fetchJob(id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') {
      const missing: Stored = { meta: { kind: 'missing' }, body: new Uint8Array(0), storedAt: deps.now() };
      deps.waitUntil(store.put(key, missing, config.NOT_FOUND_TTL_SECONDS));
    } else {
      deps.log({
        event: 'upstream_error',
        id,
        code: err instanceof AppError ? err.code : 'unknown',
        detail: err instanceof AppError ? err.detail : String(err),
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
  const entry = await makeEntry(redact(parsed.job, config.REDACT_FIELDS), id, deps.now());
  const stored: Stored = {
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
  deps.waitUntil(store.put(key, stored, keepSeconds(config, entry.status)));
  return entry;
}

export async function makeEntry(job: Job, id: string, storedAt: number): Promise<JobEntry> {
  const body = new TextEncoder().encode(JSON.stringify(job));
  const digest = await sha256(body);
  return {
    id,
    body,
    etag: etagOf(digest),
    version: hex(digest.subarray(0, 6)),
    status: job.status ?? null,
    updatedAt: job.updated_at,
    storedAt,
  };
}

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** A strong ETag from a SHA-256 digest: 144 bits is plenty to tell versions apart. */
export function etagOf(digest: Uint8Array): string {
  return `"${base64url(digest.subarray(0, 18))}"`;
}

export async function strongEtag(data: string | Uint8Array): Promise<string> {
  return etagOf(await sha256(data));
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
