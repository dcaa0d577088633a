import { createExecutionContext, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { env as workerEnv } from 'cloudflare:workers';
import { afterEach, beforeEach, expect, onTestFinished, vi } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import type { Deps } from '../src/services';
import { setShieldClock, setShieldEnv } from '../src/shield';
import { expectConforms } from './conformance';

// A strict fake upstream and a worker built around it: every outbound request the
// test did not expect is recorded and fails the test in afterEach.

export const API_KEY = 'ovr_test_secret_key_do_not_leak_7f3a';
export const UPSTREAM = 'https://upstream.test';
export const UPSTREAM_ENV: Env = { UPSTREAM_URL: UPSTREAM, OVERMIND_API_KEY: API_KEY };

export type Handler = (req: Request) => Response | Promise<Response>;

export interface FakeUpstream {
  fetch: (req: Request) => Promise<Response>;
  /** Job ids requested, in order. */
  calls: string[];
  requests: Request[];
  unexpected: string[];
  /** Replace the answer for every job. */
  respond(handler: Handler): void;
}

export function fakeUpstream(
  handler: Handler = () => new Response('no handler', { status: 599 }),
): FakeUpstream {
  let current = handler;
  const fake: FakeUpstream = {
    calls: [],
    requests: [],
    unexpected: [],
    respond(h) {
      current = h;
    },
    async fetch(req) {
      const url = new URL(req.url);
      const m = /^\/api\/jobs\/([^/]+)\/$/.exec(url.pathname);
      if (url.origin !== UPSTREAM || req.method !== 'GET' || !m) {
        fake.unexpected.push(`${req.method} ${req.url}`);
        throw new Error(`unexpected outbound request ${req.method} ${req.url}`);
      }
      fake.calls.push(decodeURIComponent(m[1] ?? ''));
      fake.requests.push(req);
      return current(req);
    },
  };
  return fake;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export interface Clock {
  now: () => number;
  advance(seconds: number): void;
  set(ms: number): void;
}

export function clock(start = Date.parse('2026-11-30T12:00:00Z')): Clock {
  let t = start;
  return { now: () => t, advance: (s) => (t += s * 1000), set: (ms) => (t = ms) };
}

/**
 * A clock for the job shields (and for the harnesses the test gives it to), from this test until
 * the next: the shields run in the test's isolate, so they read it too. It starts years past the
 * real time, so the alarms the shields set never fire by themselves: runDurableObjectAlarm runs
 * them, once the test has moved the clock.
 */
export function shieldClock(start = Date.parse('2036-01-01T00:00:00Z')): Clock {
  const c = clock(start);
  setShieldClock(c.now);
  onTestFinished(() => setShieldClock());
  return c;
}

let cacheSeq = 0;

export interface Harness {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  logs: Record<string, unknown>[];
  renders: string[];
  cacheName: string;
}

/** A worker with its own isolate state and its own Cache API cache, talking to `upstream`. */
export function harness(
  opts: {
    upstream?: FakeUpstream;
    clock?: Clock;
    env?: Env;
    /** The vars the shields read, when they are to differ from this location's `env`. */
    shieldVars?: Env;
    cacheName?: string;
    deps?: Partial<Deps>;
  } = {},
): Harness {
  const logs: Record<string, unknown>[] = [];
  const renders: string[] = [];
  const cacheName = opts.cacheName ?? `test-${Date.now()}-${cacheSeq++}`;
  const app = createApp({
    fetch: opts.upstream?.fetch ?? failingFetch,
    now: opts.clock?.now ?? (() => Date.now()),
    openCache: () => caches.open(cacheName),
    log: (fields) => logs.push(fields),
    onRender: (kind) => renders.push(kind),
    ...opts.deps,
  });
  const env = opts.env ?? UPSTREAM_ENV;
  // A deployment's shields read the same vars as its isolates from their own env. Here the
  // namespace's env is wrangler.toml's, so a location with shields lays its vars over theirs.
  const shielded = env.JOB_SHIELD != null;
  return {
    logs,
    renders,
    cacheName,
    async fetch(path, init) {
      const ctx = createExecutionContext();
      const req = new Request(new URL(path, 'https://edge.test'), init);
      if (shielded) setShieldEnv(opts.shieldVars ?? env);
      const res = await app.fetch(req, env, ctx);
      await waitOnExecutionContext(ctx);
      // Every answer a test sees must be one /openapi.json describes (test/conformance.ts).
      await expectConforms(req, res);
      return res;
    },
  };
}

async function failingFetch(req: Request): Promise<Response> {
  throw new Error(`no upstream in this test, got ${req.url}`);
}

/**
 * A factory of strict fake upstreams for one test file: after each test, any request
 * one of them did not expect fails that test.
 */
export function strictUpstreams(): (handler?: Handler) => FakeUpstream {
  let made: FakeUpstream[] = [];
  afterEach(() => {
    for (const u of made) expect(u.unexpected, 'unexpected outbound requests').toEqual([]);
    made = [];
  });
  return (handler) => {
    const u = fakeUpstream(handler);
    made.push(u);
    return u;
  };
}

/**
 * An env with the job shields of wrangler.toml: one namespace shared by every harness of the
 * test file, as one namespace serves every location in production.
 */
export function shieldEnv(extra: Env = {}): Env {
  return { ...UPSTREAM_ENV, JOB_SHIELD: workerEnv.JOB_SHIELD, ...extra };
}

/** A job id no other test uses, so each test starts with a cold shield. */
export function newJobId(): string {
  return crypto.randomUUID();
}

/**
 * strictUpstreams() for tests with the job shield. The plugin runs the worker's Durable Objects
 * in the test's isolate, and they call the platform's fetch, so that is pointed at the newest
 * fake upstream of the test: anything else it is asked for is recorded and fails the test.
 */
export function strictShieldUpstreams(): (handler?: Handler) => FakeUpstream {
  const make = strictUpstreams();
  let current: FakeUpstream | null = null;
  const stray: string[] = [];
  beforeEach(() => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input, init);
      if (!current) {
        stray.push(`${req.method} ${req.url}`);
        throw new Error(`unexpected outbound request ${req.method} ${req.url}`);
      }
      return current.fetch(req);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    current = null;
    expect(stray.splice(0), 'outbound requests with no fake upstream').toEqual([]);
  });
  return (handler) => (current = make(handler));
}

/** The structured log lines written at any level (the shield's own), from now on. */
export function captureLogLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      const [first] = args;
      if (args.length === 1 && typeof first === 'string' && first.startsWith('{"service":"overmind-edge"')) {
        lines.push(JSON.parse(first) as Record<string, unknown>);
        return;
      }
      original(...args);
    });
  }
  return lines;
}

/**
 * SELF.fetch (the worker as wrangler.toml ships it), with the same check as harness().fetch:
 * the answer must be one /openapi.json describes. (SELF itself cannot be wrapped: the binding
 * ignores assignment.)
 */
export async function selfFetch(url: string, init?: RequestInit): Promise<Response> {
  const req = new Request(url, init);
  const res = await SELF.fetch(req.clone());
  await expectConforms(req, res);
  return res;
}
