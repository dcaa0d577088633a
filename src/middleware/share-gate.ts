import type { ExecutionContext, MiddlewareHandler } from 'hono';
import { EDGE_CACHE_CONTROL, untilExpiry } from '../caching';
import { readConfig, type Config, type Env } from '../env';
import { AppError, notFound } from '../errors';
import { UUIDS } from '../lib/ids';
import type { RouteTable } from '../routes/define';
import type { AppEnv, IsolateState } from '../services';
import {
  importShareKey,
  MAX_TOKENS_PER_SEGMENT,
  setShareDecision,
  shareDecisionOf,
  shareSettings,
  verifyShareToken,
  type ShareContext,
  type ShareDecision,
  type SharePayload,
} from '../share';

// The share gate (README "Private sharing"). Mounted before every route, so it covers routes
// added later without their knowing about it: which paths carry jobs is read from the routes
// declared `job` (src/routes/define.ts). In signed mode:
//
// - `/s/{token}[.{token}…]/{public path}` is verified against every job id the public path and
//   its query name, then the public path is dispatched through the whole app again as a new
//   Request carrying the decision (src/share.ts), with method, headers, body and the execution
//   context unchanged. Its services (c.var.services) carry the link base `/s/{tokens}`.
// - A bad link is dispatched the same way with the not-found decision, so its answer is by
//   construction the answer of the public path without a token, in that route's error format.
// - Any other request that names a job (a job path, or a UUID anywhere in its path or query)
//   gets that not-found answer. Nothing is loaded before any of these decisions, so existing and
//   unknown jobs cannot be told apart by their answers or by their timing.

const SHARE_PATH = /^\/s\/([^/]*)(\/.*)?$/;

type Dispatch = (req: Request, env: Env, ctx: ExecutionContext | undefined) => Response | Promise<Response>;

const warned = new WeakSet<IsolateState>();
const keyMemo = new WeakMap<Config, Promise<CryptoKey[]>>();

export function shareKeys(config: Config, secrets: string[]): Promise<CryptoKey[]> {
  let keys = keyMemo.get(config);
  if (!keys) {
    keys = Promise.all(secrets.map(importShareKey));
    keyMemo.set(config, keys);
  }
  return keys;
}

export function misconfigured(problem: string): AppError {
  return new AppError(
    503,
    'misconfigured',
    `Share links are misconfigured, so no job can be opened: ${problem} The operator needs to fix the worker's settings.`,
  );
}

export function shareExpired(expiresAt: number): AppError {
  return new AppError(
    410,
    'share_expired',
    `This share link expired at ${new Date(expiresAt * 1000).toISOString()}. Ask whoever shared it for a new link.`,
  );
}

/** Every job id a path and query name, lower-cased, in their raw and percent-decoded forms. */
export function jobIdsNamed(pathname: string, search: string): Set<string> {
  const texts = [pathname, search];
  try {
    texts.push(decodeURIComponent(pathname));
  } catch {
    // A malformed escape decodes nowhere; the raw form was searched.
  }
  for (const [k, v] of new URLSearchParams(search)) texts.push(k, v);
  const ids = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(UUIDS)) ids.add(m[0].toLowerCase());
  return ids;
}

/** True when a request without a share would reach a job: a job path, or any job id in the URL. */
export function namesJob(url: URL, routes: RouteTable): boolean {
  return routes.isJobPath(url.pathname) || jobIdsNamed(url.pathname, url.search).size > 0;
}

/**
 * The decision on a share segment for a public path: every token genuine, at most
 * MAX_TOKENS_PER_SEGMENT of them and no repeats, every job id the path names opened by one of
 * them; then, and only then, an expired link is told apart (410) from a bad one (404).
 */
export async function decide(
  segment: string,
  rest: URL,
  keys: readonly CryptoKey[],
  nowMs: number,
): Promise<ShareDecision> {
  const denied: ShareDecision = { ok: false, error: notFound() };
  const tokens = segment.split('.');
  if (tokens.length > MAX_TOKENS_PER_SEGMENT || new Set(tokens).size !== tokens.length) return denied;
  const ids = jobIdsNamed(rest.pathname, rest.search);
  if (ids.size === 0) return denied;
  const payloads: { token: string; payload: SharePayload }[] = [];
  for (const token of tokens) {
    const payload = await verifyShareToken(keys, token);
    if (!payload) return denied;
    payloads.push({ token, payload });
  }
  const jobs = new Map<string, SharePayload>();
  const jobPathBases = new Map<string, string>();
  let expired: number | null = null;
  for (const id of ids) {
    const covering = payloads.filter((p) => p.payload.jobId === id);
    if (covering.length === 0) return denied;
    const live = covering.find(({ payload: p }) => p.expiresAt === null || p.expiresAt * 1000 > nowMs);
    if (live) {
      jobs.set(id, live.payload);
      jobPathBases.set(id, `/s/${live.token}`);
    } else expired = Math.max(expired ?? 0, ...covering.map((p) => p.payload.expiresAt ?? 0));
  }
  if (expired !== null) return { ok: false, error: shareExpired(expired) };
  const share: ShareContext = { pathBase: `/s/${segment}`, jobs, jobPathBases };
  return { ok: true, share };
}

export function shareGate(state: IsolateState, dispatch: Dispatch): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const config = readConfig(c.env ?? {});
    const settings = shareSettings(config);
    if (settings.mode === 'public') return next();

    const decided = shareDecisionOf(c.req.raw);
    if (decided) {
      if (!decided.ok) throw decided.error;
      return next();
    }

    const url = new URL(c.req.url);
    const routes = c.var.routes;
    const m = SHARE_PATH.exec(url.pathname);
    if (!m) {
      if (!namesJob(url, routes)) return next();
      if (settings.problem) throw failClosed(state, settings.problem);
      throw notFound();
    }
    // Set, not resolved: `/s/{token}//host/…` must not become another origin.
    const rest = new URL(url);
    rest.pathname = m[2] ?? '/';
    // `/s/{token}/` alone, or followed by a path that carries no job (the index, /healthz): nothing to open.
    if (!routes.isJobPath(rest.pathname)) throw notFound();

    const decision: ShareDecision = settings.problem
      ? { ok: false, error: failClosed(state, settings.problem) }
      : await decide(m[1] ?? '', rest, await shareKeys(config, settings.secrets), state.deps.now());
    const inner = new Request(rest, c.req.raw);
    setShareDecision(inner, decision);
    let ctx: ExecutionContext | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined; // app.request() in a script has none
    }
    const res = await dispatch(inner, c.env, ctx);
    return decision.ok ? shared(res, decision.share, url, config, routes, state.deps.now()) : res;
  };
}

export function failClosed(state: IsolateState, problem: string): AppError {
  if (!warned.has(state)) {
    warned.add(state);
    state.deps.log({ event: 'share_misconfigured', problem });
  }
  return misconfigured(problem);
}

/**
 * A good answer under a share link: a redirect to one of the job's own paths stays under the
 * link (whichever route made it, e.g. a trailing-slash or lower-case redirect), robots are
 * told not to index it, and no cache keeps it past the link's expiry.
 */
function shared(
  res: Response,
  share: ShareContext,
  outer: URL,
  config: Config,
  routes: RouteTable,
  nowMs: number,
): Response {
  // An error under a link (e.g. a job deleted since) stays the exact answer it is without one.
  if (res.status === 101 || res.status >= 400) return res;
  const out = new Response(res.body, res);
  out.headers.set('X-Robots-Tag', 'noindex, nofollow');
  const expiries = [...share.jobs.values()].flatMap((p) => (p.expiresAt === null ? [] : [p.expiresAt]));
  if (expiries.length > 0) {
    out.headers.set(
      'Cache-Control',
      untilExpiry(out.headers.get('Cache-Control'), Math.min(...expiries), nowMs),
    );
    out.headers.delete(EDGE_CACHE_CONTROL);
  }
  const location = out.headers.get('Location');
  if (location) {
    const target = new URL(location, outer);
    const ours = target.origin === outer.origin || target.origin === config.PUBLIC_ORIGIN;
    if (ours && routes.isJobPath(target.pathname) && !target.pathname.startsWith(`${share.pathBase}/`)) {
      target.pathname = `${share.pathBase}${target.pathname}`;
      const relative = location.startsWith('/') && !location.startsWith('//');
      out.headers.set(
        'Location',
        relative ? `${target.pathname}${target.search}${target.hash}` : target.href,
      );
    }
  }
  return out;
}
