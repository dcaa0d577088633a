import type { Context } from 'hono';
import { getJob, type Fetched, type JobAnswer, type JobDeps } from './cache';
import { isDemoMode, readConfig, type Config, type Env } from './env';
import { invalidId } from './errors';
import { demoSource } from './demo';
import { logLine } from './log';
import { uuid } from './schema';
import { shieldHandle, type ShieldHandle } from './shield';
import { shareContextOf } from './share';
import { ByteLru, tieredStore, type Store, type Stored } from './store';
import { upstreamSource, type FetchFn, type JobSource } from './upstream';

// What a request handler needs, built from the isolate's state, the env and the
// request. Tests build the app with their own fetch, clock and cache.

export interface Deps {
  /** Outbound fetch used for the upstream only. */
  fetch: FetchFn;
  /** Clock in ms. */
  now: () => number;
  /** The Cache API cache, or null for memory only. Called once per isolate. */
  openCache: () => Promise<Cache | null>;
  /** One structured log line. Never given the API key. */
  log: (fields: Record<string, unknown>) => void;
  /** Called each time something is rendered (HTML, SVG, PNG), for tests and metrics. */
  onRender?: (kind: string) => void;
}

export const defaultDeps: Deps = {
  fetch: (req) => fetch(req),
  now: () => Date.now(),
  openCache: async () => (typeof caches === 'undefined' ? null : caches.open('overmind-edge')),
  log: logLine,
};

/** Per-isolate state: created once, lives as long as the isolate. */
export interface IsolateState {
  deps: Deps;
  memory: ByteLru<Stored> | null;
  cache: Promise<Cache | null> | null;
  jobInflight: Map<string, Promise<Fetched>>;
  renderInflight: Map<string, Promise<Stored>>;
}

export function isolateState(deps: Deps): IsolateState {
  return { deps, memory: null, cache: null, jobInflight: new Map(), renderInflight: new Map() };
}

export type AppEnv = { Bindings: Env };

export interface Services {
  config: Config;
  source: JobSource;
  store: Store;
  deps: Deps;
  state: IsolateState;
  waitUntil: (p: Promise<unknown>) => void;
  jobDeps: JobDeps;
  /** The job shields (JOB_SHIELD), or null without the binding: the isolate then asks the source itself. */
  shield: ShieldHandle | null;
  /** Origin for absolute URLs: PUBLIC_ORIGIN, else the request's own (never a forwarded-host header). */
  origin: string;
  /**
   * Prefix of every job link this answer prints: '' in public mode, `/s/{token}` under a share
   * link, so links carry what opened the job. `base` is the same, absolute (origin + pathBase).
   */
  pathBase: string;
  base: string;
  /** `base` narrowed to one job: under a share link, only the token that opens that job. */
  jobBase(id: string): string;
}

export function services(c: Context<AppEnv>, state: IsolateState): Services {
  const config = readConfig(c.env ?? {});
  const { deps } = state;
  // The memory tier is sized by the first request's config; vars do not change within an isolate.
  state.memory ??= new ByteLru<Stored>(config.MEMORY_CACHE_BYTES);
  state.cache ??= deps.openCache().catch((err: unknown) => {
    deps.log({ event: 'cache_unavailable', error: String(err) });
    return null;
  });
  const store = tieredStore(state.memory, state.cache, (what, err) =>
    deps.log({ event: 'cache_error', what, error: String(err) }),
  );
  const source = isDemoMode(config) ? demoSource(deps.now) : upstreamSource(config, deps.fetch);
  const waitUntil = (p: Promise<unknown>) => {
    const guarded = p.catch((err: unknown) => deps.log({ event: 'background_error', error: String(err) }));
    try {
      c.executionCtx.waitUntil(guarded);
    } catch {
      // No execution context (plain app.request in a script): the promise still runs to completion.
    }
  };
  const namespace = c.env?.JOB_SHIELD;
  const shield = namespace ? shieldHandle(namespace, source, config) : null;
  const limiter = c.env?.UPSTREAM_MISS_LIMITER;
  const admitMiss = async () => {
    if (!limiter || !config.MISS_RATE_LIMIT) return true;
    // CF-Connecting-IP is set by Cloudflare's edge and cannot be forged by the client there.
    const client = c.req.header('CF-Connecting-IP') ?? 'unknown';
    try {
      return (await limiter.limit({ key: client })).success;
    } catch (err) {
      deps.log({ event: 'rate_limiter_error', error: String(err) });
      return true;
    }
  };
  const jobDeps: JobDeps = {
    config,
    source,
    store,
    now: deps.now,
    admitMiss,
    waitUntil,
    inflight: state.jobInflight,
    log: deps.log,
    shield,
  };
  const origin = config.PUBLIC_ORIGIN || new URL(c.req.url).origin;
  const share = shareContextOf(c.req.raw);
  const pathBase = share?.pathBase ?? '';
  return {
    config,
    source,
    store,
    deps,
    state,
    waitUntil,
    jobDeps,
    shield,
    origin,
    pathBase,
    base: origin + pathBase,
    jobBase: (id) => origin + (share?.jobPathBases.get(id) ?? pathBase),
  };
}

/** A route's id parameter, validated and normalised to lowercase (one cache entry per job). */
export function parseId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!uuid.safeParse(id).success) throw invalidId(id);
  return id.toLowerCase();
}

export function loadJob(s: Services, id: string): Promise<JobAnswer> {
  return getJob(s.jobDeps, id);
}

export { jobOf } from './cache';
