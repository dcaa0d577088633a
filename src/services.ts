import { systemNow } from './clock';
import type { Context, MiddlewareHandler } from 'hono';
import { scrub, type Fetched, type JobDeps } from './cache';
import { readConfig, type Config, type Env } from './env';
import { originOf } from './lib/origin';
import { logLine } from './log';
import type { RouteTable } from './routes/define';
import { shieldHandle, type ShieldHandle } from './shield';
import { shareContextOf } from './share';
import { ByteLru, tieredStore, type Stored } from './store';
import { jobSource, type FetchFn } from './upstream';

// What a request handler needs, built once per request from the isolate's state, the env and
// the request, and handed to every middleware and handler as `c.var.services`. Tests build the
// app with their own fetch, clock and cache.

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
  /**
   * Purges the edge's copies by Cache-Tag. Unset: EDGE_PURGE_URL when configured, else Workers
   * Cache's own purge on the request's execution context. Tests inject one to observe purges.
   */
  purge?: (tags: string[]) => Promise<void>;
}

export const defaultDeps: Deps = {
  fetch: (req) => fetch(req),
  now: systemNow,
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

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** This request's services (`provideServices`). */
    services: Services;
    /** The app's routes (src/routes/define.ts): 404 or 405, error formats, the gates. */
    routes: RouteTable;
  };
};

/**
 * A request's services: what the job tiers need (JobDeps: config, source, store, clock, log,
 * miss budget, shield, purge) and what the faces add to it (links, the isolate's state).
 */
export interface Services extends JobDeps {
  deps: Deps;
  state: IsolateState;
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
  const source = jobSource(config, deps.fetch, deps.now);
  const waitUntil = (p: Promise<unknown>) => {
    const guarded = p.catch((err: unknown) => deps.log({ event: 'background_error', error: String(err) }));
    try {
      c.executionCtx.waitUntil(guarded);
    } catch {
      // No execution context (plain app.request in a script): the promise still runs to completion.
    }
  };
  const purge = async (tags: string[]): Promise<void> => {
    try {
      const outcome = await purgeEdge(c, config, deps, tags);
      deps.log({ event: 'edge_purge', tags, ...outcome });
    } catch (err) {
      // Lifetimes still bound what the edge serves; a failed or rate-limited purge only delays it.
      deps.log({
        event: 'edge_purge_failed',
        level: 'warn',
        tags,
        error: scrub(String(err), config.OVERMIND_API_KEY),
      });
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
  const origin = originOf(config.PUBLIC_ORIGIN, c.req.url);
  const share = shareContextOf(c.req.raw);
  const pathBase = share?.pathBase ?? '';
  return {
    config,
    source,
    store,
    now: deps.now,
    log: deps.log,
    admitMiss,
    waitUntil,
    inflight: state.jobInflight,
    purge,
    deps,
    state,
    shield,
    origin,
    pathBase,
    base: origin + pathBase,
    jobBase: (id) => origin + (share?.jobPathBases.get(id) ?? pathBase),
  };
}

/** The app's routes, for every middleware and for the error handler (set first of all). */
export function provideRoutes(routes: RouteTable): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('routes', routes);
    await next();
  };
}

/** Builds the request's services once, before any middleware or handler that needs them. */
export function provideServices(state: IsolateState): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('services', services(c, state));
    await next();
  };
}

/**
 * One purge by tags: the injected one, else EDGE_PURGE_URL (a cache simulated in front of
 * wrangler dev, which has no Workers Cache), else Workers Cache's purge from this request's
 * execution context. Throws when the purge was refused, so the caller logs it.
 */
async function purgeEdge(
  c: Context<AppEnv>,
  config: Config,
  deps: Deps,
  tags: string[],
): Promise<{ via: string }> {
  if (deps.purge) {
    await deps.purge(tags);
    return { via: 'injected' };
  }
  if (config.EDGE_PURGE_URL) {
    const res = await fetch(config.EDGE_PURGE_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tags }),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`purge endpoint answered ${res.status}`);
    return { via: 'url' };
  }
  let cache: CacheContext | undefined;
  try {
    // Hono's ExecutionContext type predates `cache`; the platform's (workers-types) declares it.
    cache = (c.executionCtx as { cache?: CacheContext }).cache;
  } catch {
    cache = undefined; // no execution context (app.request in a script)
  }
  // No Workers Cache here (wrangler dev, tests): nothing in front of the Worker to purge.
  if (!cache) return { via: 'none' };
  const result = await cache.purge({ tags });
  if (!result.success) {
    throw new Error(`purge refused: ${result.errors.map((e) => `${e.code} ${e.message}`).join('; ')}`);
  }
  return { via: 'workers-cache' };
}
