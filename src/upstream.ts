import type { Now } from './clock';
import { demoSource } from './demo';
import { AppError, notFound, truncate } from './errors';
import { isDemoMode, type Config } from './env';
import { readCapped } from './lib/body';

// The one upstream call, and the mapping of everything it can do wrong to a precise error.

export const USER_AGENT = 'overmind-edge/0.1 (+https://github.com/overmindlab/overmind-edge)';

export type FetchFn = (input: Request) => Promise<Response>;

/** Where a job comes from: the upstream API or the built-in demo set. Both hand back raw JSON. */
export interface JobSource {
  readonly kind: 'upstream' | 'demo';
  /** A string that changes when the source does, so copies cached from one are never served for another. */
  readonly cacheScope: string;
  /** The raw job body, or an AppError (404 not_found, or upstream_*). */
  fetchJob(id: string): Promise<unknown>;
}

/** The source a config names: the demo set without UPSTREAM_URL, else the upstream, asked with `fetchFn`. */
export function jobSource(config: Config, fetchFn: FetchFn, now: Now): JobSource {
  return isDemoMode(config) ? demoSource(now) : upstreamSource(config, fetchFn, now);
}

export function upstreamSource(config: Config, fetchFn: FetchFn, now: Now): JobSource {
  return {
    kind: 'upstream',
    cacheScope: config.UPSTREAM_URL,
    fetchJob: (id) => fetchUpstreamJob(config, id, fetchFn, now),
  };
}

/**
 * The job as the caller's own key sees it, for minting a share link (src/routes/shares.ts): never
 * the service key, never cached or coalesced by the caller, and a refused key is the caller's 401
 * or 403, not the service's 502. Every other outcome maps as for the service's calls.
 */
export function fetchJobWithCallerKey(
  config: Config,
  id: string,
  callerKey: string,
  fetchFn: FetchFn,
  now: Now,
): Promise<unknown> {
  return fetchUpstreamJob(config, id, fetchFn, now, { key: callerKey, caller: true });
}

async function fetchUpstreamJob(
  config: Config,
  id: string,
  fetchFn: FetchFn,
  now: Now,
  as: { key: string; caller: boolean } = { key: config.OVERMIND_API_KEY, caller: false },
): Promise<unknown> {
  const url = `${config.UPSTREAM_URL}/api/jobs/${encodeURIComponent(id)}/`;
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT };
  if (as.key) headers['X-Api-Key'] = as.key;

  const controller = new AbortController();
  const timeoutMs = config.UPSTREAM_TIMEOUT_MS;
  // One deadline for headers and body together, so a body that trickles is cut off too.
  const timer = setTimeout(() => controller.abort(new UpstreamTimeout()), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetchFn(new Request(url, { headers, signal: controller.signal, redirect: 'manual' }));
    } catch (err) {
      throw mapFetchFailure(err, controller.signal, timeoutMs);
    }
    const text = await readText(res, config.UPSTREAM_MAX_BYTES, controller, timeoutMs);
    return interpret(res, text, now, as.caller);
  } finally {
    clearTimeout(timer);
  }
}

class UpstreamTimeout extends Error {
  constructor() {
    super('upstream timeout');
    this.name = 'UpstreamTimeout';
  }
}

function mapFetchFailure(err: unknown, signal: AbortSignal, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  if (signal.aborted && signal.reason instanceof UpstreamTimeout) {
    return new AppError(504, 'upstream_timeout', `The upstream did not answer within ${timeoutMs} ms.`);
  }
  return new AppError(502, 'upstream_unavailable', 'The upstream could not be reached.');
}

/** Read the body as text, refusing more than `max` bytes before buffering them. */
async function readText(
  res: Response,
  max: number,
  controller: AbortController,
  timeoutMs: number,
): Promise<string> {
  const tooLarge = () =>
    new AppError(502, 'upstream_invalid', `The upstream's answer is larger than ${max} bytes.`);
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(res.body, res.headers, max, () => {
      controller.abort();
      return tooLarge();
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (controller.signal.aborted && controller.signal.reason instanceof UpstreamTimeout) {
      throw new AppError(
        504,
        'upstream_timeout',
        `The upstream did not finish its answer within ${timeoutMs} ms.`,
      );
    }
    throw new AppError(502, 'upstream_unavailable', 'The upstream connection failed mid-answer.');
  }
  return new TextDecoder().decode(bytes);
}

function isJsonType(res: Response): boolean {
  const type = (res.headers.get('Content-Type') ?? '').toLowerCase();
  return type.includes('application/json') || type.includes('+json');
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Map an upstream status and body to the raw job or a precise error. */
function interpret(res: Response, text: string, now: Now, caller: boolean): unknown {
  const status = res.status;
  if (status === 200) {
    if (!isJsonType(res)) {
      const type = res.headers.get('Content-Type') || 'no content type';
      return fail(`The upstream answered with ${truncate(type, 60)}, not JSON.`);
    }
    const parsed = tryJson(text);
    if (!parsed.ok) return fail('The upstream answered with malformed or truncated JSON.');
    return parsed.value;
  }
  if (status === 404) {
    // The upstream's own 404 is JSON; an HTML 404 means the route itself is gone or mistyped.
    const parsed = isJsonType(res) ? tryJson(text) : { ok: false as const };
    if (parsed.ok) throw notFound();
    return fail('The upstream answered 404 without a JSON body: its route may have moved.');
  }
  if (caller && status === 401) {
    throw new AppError(401, 'unauthorized', 'The Overmind API did not accept this key.', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  if (caller && status === 403) {
    throw new AppError(403, 'forbidden', 'This key may not read that job.');
  }
  if (status === 401 || status === 403) {
    throw new AppError(
      502,
      'upstream_auth',
      "The upstream refused this service's API key. The service's operator needs to check OVERMIND_API_KEY.",
    );
  }
  if (status === 429) {
    const retry = parseRetryAfter(res.headers.get('Retry-After'), now());
    throw new AppError(
      503,
      'upstream_rate_limited',
      'The upstream is rate limiting this service. Try again later.',
      { 'Retry-After': String(retry ?? DEFAULT_RETRY_AFTER) },
    );
  }
  if (status >= 500) {
    throw new AppError(502, 'upstream_unavailable', `The upstream failed with status ${status}.`);
  }
  return fail(`The upstream answered with unexpected status ${status}.`);
}

const DEFAULT_RETRY_AFTER = 30;

/** Retry-After as whole seconds from `now` (ms); accepts delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v);
  const date = Date.parse(v);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function fail(reason: string): never {
  throw new AppError(502, 'upstream_invalid', reason);
}
