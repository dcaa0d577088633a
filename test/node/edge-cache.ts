// A stand-in for Workers Cache in front of `wrangler dev`, which does not emulate it: a shared
// cache with one lower tier per simulated location and one upper tier, request collapsing per
// key in each tier, tag purges, and its own clock. Every freshness, stale-serving and
// storability decision is http-cache-semantics' (RFC 9111, with stale-while-revalidate and
// stale-if-error), not this file's; this file only wires the tiers together the way
// Cloudflare's documentation describes Workers Cache:
//
//   - keyed by path and query (not host); only GET and HEAD; Set-Cookie or Authorization bypass;
//   - Cloudflare-CDN-Cache-Control, when present, is the edge's Cache-Control (RFC 9213);
//   - a lower tier misses to the upper tier, the upper tier to the Worker; concurrent misses of
//     one key in one tier make one request behind it;
//   - stale-while-revalidate answers at once and refreshes in the background; stale-if-error
//     answers a stored copy when the Worker fails;
//   - `purge({ tags })` drops every copy in every tier whose Cache-Tag names one of the tags.
//
// The Worker reports its purges here through EDGE_PURGE_URL (`purgeUrl`), the dependency the
// service injects in place of Workers Cache's own purge.

import CachePolicy from 'http-cache-semantics';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface EdgeAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Cf-Cache-Status as Cloudflare would say it: HIT, MISS, EXPIRED, STALE, UPDATING, BYPASS, DYNAMIC. */
  cacheStatus: string;
}

interface Entry {
  policy: CachePolicy;
  status: number;
  body: Buffer;
  tags: string[];
}

interface Tier {
  name: string;
  entries: Map<string, Entry>;
  inflight: Map<string, Promise<Fetched>>;
}

interface Fetched {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** From the Worker this time (not a tier's copy). */
  invoked: boolean;
  cacheStatus: string;
}

export interface EdgeCacheOptions {
  /** The Worker's origin, e.g. wrangler dev's http://127.0.0.1:8787. */
  origin: string;
  locations: readonly string[];
  /** Start of the simulated clock, ms. */
  startMs?: number;
}

export class EdgeCache {
  /** The Worker's origin; set once it has started (it is told the purge URL first). */
  origin: string;
  /** Worker invocations per cache key (path + query), GET and HEAD together. */
  readonly invocations = new Map<string, number>();
  readonly purges: string[][] = [];
  /** When set, the Worker "fails": every invocation answers this status (an exception, a CPU limit). */
  workerFailure: number | null = null;
  #now: number;
  readonly #lower = new Map<string, Tier>();
  readonly #upper: Tier = { name: 'upper', entries: new Map(), inflight: new Map() };
  readonly #Policy: typeof CachePolicy;
  readonly #background = new Set<Promise<unknown>>();
  #server: Server | null = null;
  purgeUrl = '';

  constructor(opts: EdgeCacheOptions) {
    this.origin = opts.origin;
    this.#now = opts.startMs ?? Date.now();
    for (const l of opts.locations) this.#lower.set(l, { name: l, entries: new Map(), inflight: new Map() });
    const clock = () => this.#now;
    // The library reads its clock through now(); the simulation owns it.
    this.#Policy = class extends CachePolicy {
      override now(): number {
        return clock();
      }
    };
  }

  now(): number {
    return this.#now;
  }

  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }

  totalInvocations(): number {
    let n = 0;
    for (const v of this.invocations.values()) n += v;
    return n;
  }

  /** The purge endpoint the Worker is pointed at (EDGE_PURGE_URL). */
  async listen(): Promise<string> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        try {
          const { tags } = JSON.parse(raw.toString()) as { tags: unknown };
          if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new Error('tags');
          this.purge(tags);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}');
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => this.#server?.listen(0, '127.0.0.1', r));
    const addr = this.#server.address();
    this.purgeUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/purge`;
    return this.purgeUrl;
  }

  async close(): Promise<void> {
    await this.settle();
    await new Promise<void>((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }

  /** Waits for background revalidations (stale-while-revalidate) to finish. */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  purge(tags: readonly string[]): void {
    this.purges.push([...tags]);
    for (const tier of [this.#upper, ...this.#lower.values()]) {
      for (const [key, e] of tier.entries) if (e.tags.some((t) => tags.includes(t))) tier.entries.delete(key);
    }
  }

  /** Whether `location`'s lower tier holds a copy of `path` it may serve without asking (fresh). */
  freshAt(location: string, path: string): boolean {
    const e = this.#tier(location).entries.get(path);
    return !!e && !e.policy.stale();
  }

  /** A request from a reader near `location`. */
  async request(
    location: string,
    path: string,
    init: { method?: string; headers?: Record<string, string> } = {},
  ): Promise<EdgeAnswer> {
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = lower(init.headers ?? {});
    const key = path;
    if ((method !== 'GET' && method !== 'HEAD') || headers.authorization) {
      const r = await this.#invoke(key, method, headers);
      return { status: r.status, headers: r.headers, body: r.body, cacheStatus: 'DYNAMIC' };
    }
    const r = await this.#lookup(this.#tier(location), key, headers, () =>
      this.#lookup(this.#upper, key, headers, null),
    );
    return {
      status: r.status,
      headers: r.headers,
      body: method === 'HEAD' ? Buffer.alloc(0) : r.body,
      cacheStatus: r.cacheStatus,
    };
  }

  #tier(location: string): Tier {
    const t = this.#lower.get(location);
    if (!t) throw new Error(`no location ${location}`);
    return t;
  }

  /** One tier: its copy if the library says it may serve it, else one fetch behind it per key. */
  async #lookup(
    tier: Tier,
    key: string,
    headers: Record<string, string>,
    behind: (() => Promise<Fetched>) | null,
  ): Promise<Fetched> {
    const req = { url: key, method: 'GET', headers };
    const entry = tier.entries.get(key);
    if (entry) {
      const verdict = entry.policy.evaluateRequest(req);
      if (verdict.response) {
        const served = {
          status: entry.status,
          headers: verdict.response.headers as Record<string, string>,
          body: entry.body,
          invoked: false,
        };
        if (!verdict.revalidation) return { ...served, cacheStatus: 'HIT' };
        if (!verdict.revalidation.synchronous) {
          // stale-while-revalidate: this answer now, a refresh behind it.
          this.#track(this.#fill(tier, key, headers, behind).catch(() => undefined));
          return { ...served, cacheStatus: 'UPDATING' };
        }
      }
    }
    const got = await this.#fill(tier, key, headers, behind);
    if (entry && isServerError(got.status)) {
      // The library decides whether the stored copy may stand in (stale-if-error).
      const { policy, modified } = entry.policy.revalidatedPolicy(req, {
        status: got.status,
        headers: got.headers,
      });
      if (!modified && policy === entry.policy) {
        return {
          status: entry.status,
          headers: policy.responseHeaders() as Record<string, string>,
          body: entry.body,
          invoked: got.invoked,
          cacheStatus: 'STALE',
        };
      }
    }
    // A copy the tier behind served stale for a failing Worker stays STALE to the reader.
    const status =
      got.cacheStatus === 'STALE' ? 'STALE' : got.invoked ? (entry ? 'EXPIRED' : 'MISS') : got.cacheStatus;
    return { ...got, cacheStatus: status };
  }

  /**
   * Fetch behind a tier, collapsed per key, and keep what the library says is storable. A
   * request that joined a fetch whose answer turned out not storable makes its own: collapsing
   * shares cacheable answers only, as a cache must not hand one client's private answer to another.
   */
  async #fill(
    tier: Tier,
    key: string,
    headers: Record<string, string>,
    behind: (() => Promise<Fetched>) | null,
  ): Promise<Fetched> {
    const running = tier.inflight.get(key);
    if (running) {
      const shared = await running;
      if (shared.stored) return shared;
      return this.#fetchAndStore(tier, key, headers, behind);
    }
    const p = this.#fetchAndStore(tier, key, headers, behind).finally(() => tier.inflight.delete(key));
    tier.inflight.set(key, p);
    return p;
  }

  async #fetchAndStore(
    tier: Tier,
    key: string,
    headers: Record<string, string>,
    behind: (() => Promise<Fetched>) | null,
  ): Promise<Fetched & { stored: boolean }> {
    const got = behind ? await behind() : await this.#invoke(key, 'GET', headers);
    const edgeHeaders = { ...got.headers };
    const targeted = edgeHeaders['cloudflare-cdn-cache-control'];
    if (targeted) edgeHeaders['cache-control'] = targeted;
    const policy = new this.#Policy(
      { url: key, method: 'GET', headers },
      { status: got.status, headers: edgeHeaders },
      { shared: true },
    );
    const stored =
      policy.storable() &&
      !edgeHeaders['set-cookie'] &&
      policy.timeToLive() > 0 &&
      !isServerError(got.status);
    if (stored) {
      const tags = (edgeHeaders['cache-tag'] ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      tier.entries.set(key, { policy, status: got.status, body: got.body, tags });
    }
    // What the tier in front receives: its age as this tier counts it.
    return { ...got, headers: { ...got.headers, age: String(Math.round(policy.age())) }, stored };
  }

  async #invoke(key: string, method: string, headers: Record<string, string>): Promise<Fetched> {
    this.invocations.set(key, (this.invocations.get(key) ?? 0) + 1);
    if (this.workerFailure !== null) {
      return {
        status: this.workerFailure,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('worker failed'),
        invoked: true,
        cacheStatus: 'MISS',
      };
    }
    const res = await fetch(`${this.origin}${key}`, { method, headers, redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    return { status: res.status, headers: out, body, invoked: true, cacheStatus: 'MISS' };
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }
}

function isServerError(status: number): boolean {
  return status >= 500;
}

function lower(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
