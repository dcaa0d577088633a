// The served phases, against `wrangler dev` on loopback:
//   served   — cache-hit throughput and latency of four routes, each run between two
//              /healthz runs (the baseline) in the same worker; and the same series,
//              round by round, against a static worker serving the same bytes under
//              the same `wrangler dev` (static-worker/), as the ceiling wrangler dev
//              itself allows;
//   stampede — 500 concurrent requests for one cold job, upstream delayed 200 ms;
//   memory   — 1,000 distinct jobs (API + page) with an 8 MB memory tier, RSS of the
//              worker's workerd processes (wrangler dev runs two) before and after.

import autocannon from 'autocannon';
import { Agent, request } from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream.ts';
import { startWrangler, type RunningWorker } from '../node/wrangler.ts';
import { onCleanup, track } from './children.ts';
import { startStaticWorker } from './static-worker/start.ts';
import { connectIsolate, type IsolateInspector } from './inspector.ts';
import type { Row } from './report.ts';
import { fmtBytes, fmtMs, fmtNum, fmtRatio, percentile, summarize } from './stats.ts';

export const DEMO_ID = '8ce33afb-9615-424d-b217-d5d56cda17ef';

/** Start wrangler dev and make sure it is stopped on error or signal. */
export async function worker(
  vars: Record<string, string>,
): Promise<RunningWorker & { startMs: number; dispose: () => Promise<void> }> {
  const t0 = performance.now();
  const w = await startWrangler(vars, { timeoutMs: 90_000 });
  const startMs = performance.now() - t0;
  const untrack = track(w.pid);
  const unclean = onCleanup(w.stop);
  return {
    ...w,
    startMs,
    dispose: async () => {
      await w.stop();
      untrack();
      unclean();
    },
  };
}

// ---------------------------------------------------------------------------
// Plain HTTP with our own agent: no pool limit, so 500 requests really are concurrent.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  ms: number;
  /** The body itself, only when asked for. */
  body?: Buffer;
}

function get(url: string, agent: Agent, timeoutMs = 60_000, keepBody = false): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        if (keepBody) chunks.push(d);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          bytes,
          ms: performance.now() - t0,
          ...(keepBody ? { body: Buffer.concat(chunks) } : {}),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Run `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

// ---------------------------------------------------------------------------
// Served cost of cache hits

export interface ServedOptions {
  /** Seconds per autocannon run. */
  seconds: number;
  /** Runs per route; every route run sits between two /healthz runs. */
  rounds: number;
  connections: number;
}

interface Run {
  path: string;
  seconds: number;
  requests: number;
  bytes: number;
  non2xx: number;
  errors: number;
  /** Every response time, ms. */
  latencies: number[];
}

async function cannon(base: string, path: string, seconds: number, connections: number): Promise<Run> {
  const latencies: number[] = [];
  let bytes = 0;
  const instance = autocannon({
    url: base + path,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
  });
  instance.on('response', (_client, _status, resBytes, responseTime) => {
    latencies.push(responseTime);
    bytes += resBytes;
  });
  const r = await instance;
  return {
    path,
    seconds: r.duration,
    requests: r.requests.total,
    bytes,
    non2xx: r.non2xx,
    errors: r.errors,
    latencies,
  };
}

/** Several runs of one path as one: requests over time, percentiles over all responses. */
function merge(runs: readonly Run[]) {
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const all = runs.flatMap((r) => r.latencies);
  const lat = summarize(all);
  return {
    runs: runs.length,
    seconds,
    requests,
    rps: requests / seconds,
    bytes_per_s: runs.reduce((s, r) => s + r.bytes, 0) / seconds,
    p50_ms: lat.median,
    p99_ms: percentile(all, 99),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    per_run_rps: runs.map((r) => Math.round(r.requests / r.seconds)),
  };
}

const ROUTES: { name: string; path: string; minRatio: number }[] = [
  { name: 'JSON /api/jobs/{id}/', path: `/api/jobs/${DEMO_ID}/`, minRatio: 0.9 },
  { name: 'HTML /jobs/{id}', path: `/jobs/${DEMO_ID}`, minRatio: 0.8 },
  { name: 'PNG /jobs/{id}/og.png', path: `/jobs/${DEMO_ID}/og.png`, minRatio: 0.8 },
  { name: 'badge /jobs/{id}/badge.svg', path: `/jobs/${DEMO_ID}/badge.svg`, minRatio: 0.8 },
];

/** One worker's interleaved series: H R1 H R2 H R3 H R4 H per round. */
interface Series {
  url: string;
  byRoute: Map<string, { route: Run[]; adjacent: Run[] }>;
}

function series(url: string): Series {
  return { url, byRoute: new Map(ROUTES.map((r) => [r.path, { route: [], adjacent: [] }])) };
}

/**
 * One round: each route run is compared with the /healthz runs on either side of it,
 * so slow drift and noisy neighbours hit both alike.
 */
async function round(s: Series, opts: ServedOptions): Promise<void> {
  let before = await cannon(s.url, '/healthz', opts.seconds, opts.connections);
  for (const r of ROUTES) {
    const run = await cannon(s.url, r.path, opts.seconds, opts.connections);
    const after = await cannon(s.url, '/healthz', opts.seconds, opts.connections);
    const slot = s.byRoute.get(r.path);
    slot?.route.push(run);
    slot?.adjacent.push(before, after);
    before = after;
  }
}

/**
 * The ratios of one route: medians over the rounds of (route run ÷ mean of its two
 * adjacent /healthz runs): one burst from a noisy neighbour moves one round only.
 */
function ratios(s: Series, path: string) {
  const slot = s.byRoute.get(path) ?? { route: [], adjacent: [] };
  const perRound = slot.route.map((rr, i) => {
    const b = slot.adjacent[2 * i] as Run;
    const a = slot.adjacent[2 * i + 1] as Run;
    const hr = (b.requests / b.seconds + a.requests / a.seconds) / 2;
    const hp99 = (percentile(b.latencies, 99) + percentile(a.latencies, 99)) / 2;
    return { rps: rr.requests / rr.seconds / hr, p99: percentile(rr.latencies, 99) / hp99 };
  });
  return {
    run: merge(slot.route),
    health: merge(slot.adjacent),
    perRound,
    rps: percentile(
      perRound.map((x) => x.rps),
      50,
    ),
    p99: percentile(
      perRound.map((x) => x.p99),
      50,
    ),
  };
}

const roundsText = (xs: readonly number[]) => xs.map((x) => x.toFixed(2)).join(', ');

export async function servedBench(opts: ServedOptions, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const w = await worker({ UPSTREAM_URL: '', MISS_RATE_LIMIT: 'off' });
  let ceiling: (RunningWorker & { dispose: () => Promise<void> }) | null = null;
  try {
    rows.push({
      section: 'served',
      figure: 'wrangler dev start, spawn → first /healthz 200 (demo mode; includes wrangler bundling, info)',
      value: fmtMs(w.startMs),
      baseline: '—',
      ratio: '—',
      goal: '—',
      met: null,
      data: { start_ms: w.startMs },
    });
    const agent = new Agent({ keepAlive: true });
    // Our cached answers, byte for byte, for the static worker (and our /healthz, for its own).
    const answers = new Map<string, Answer>();
    try {
      // Warm the cache: the first request loads and renders, the second must be a hit.
      for (const r of ROUTES) {
        await get(w.url + r.path, agent);
        const again = await get(w.url + r.path, agent, 60_000, true);
        if (again.status !== 200 || again.headers['x-cache'] !== 'HIT') {
          throw new Error(
            `warm-up: ${r.path} answered ${again.status}, X-Cache ${String(again.headers['x-cache'])}`,
          );
        }
        answers.set(r.path, again);
      }
      answers.set('/healthz', await get(`${w.url}/healthz`, agent, 60_000, true));
    } finally {
      agent.destroy();
    }

    // The ceiling: a trivial worker under the same `wrangler dev`, same bodies, same
    // Content-Type. Its route ÷ its own /healthz is the best ratio wrangler dev allows.
    const bodies = [...answers].map(([path, a]) => ({
      path,
      contentType: String(a.headers['content-type'] ?? 'application/octet-stream'),
      body: a.body ?? Buffer.alloc(0),
    }));
    const t0 = performance.now();
    const sw = await startStaticWorker(bodies, { timeoutMs: 90_000 });
    const untrack = track(sw.pid);
    const unclean = onCleanup(sw.stop);
    ceiling = {
      ...sw,
      dispose: async () => {
        await sw.stop();
        untrack();
        unclean();
      },
    };
    const ceilingStartMs = performance.now() - t0;
    const check = new Agent({ keepAlive: true });
    const staticHeaders: Record<string, Answer['headers']> = {};
    try {
      for (const b of bodies) {
        // Twice: the second proves the body is not consumed by the first.
        for (let i = 0; i < 2; i++) {
          const a = await get(ceiling.url + b.path, check, 60_000, true);
          if (a.status !== 200 || !a.body?.equals(b.body) || a.headers['content-type'] !== b.contentType) {
            throw new Error(
              `static worker: ${b.path} answered ${a.status}, ${a.bytes} bytes, ${String(a.headers['content-type'])}; expected ${b.body.length} bytes, ${b.contentType}`,
            );
          }
          staticHeaders[b.path] = a.headers;
        }
      }
    } finally {
      check.destroy();
    }

    // Let the JIT settle on every path of both workers before anything is measured.
    const targets = [
      { name: 'ours', s: series(w.url) },
      { name: 'static', s: series(ceiling.url) },
    ];
    for (const { s } of targets) {
      await cannon(s.url, '/healthz', 1, opts.connections);
      for (const r of ROUTES) await cannon(s.url, r.path, 0.5, opts.connections);
    }
    // Both workers, round by round, alternating which goes first.
    for (let k = 0; k < opts.rounds; k++) {
      const order = k % 2 === 0 ? targets : [...targets].reverse();
      for (const { name, s } of order) {
        log(`  round ${k + 1}/${opts.rounds}, ${name}: /healthz and 4 routes, ${opts.seconds} s each`);
        await round(s, opts);
      }
    }

    const [ours, stat] = targets.map((t) => t.s) as [Series, Series];
    for (const r of ROUTES) {
      const o = ratios(ours, r.path);
      const run = o.run;
      const failures = run.non2xx + run.errors;
      const note = failures > 0 ? `${run.non2xx} non-2xx, ${run.errors} errors` : undefined;
      const data = {
        route: run,
        healthz_adjacent: o.health,
        per_round_ratios: o.perRound,
        connections: opts.connections,
        seconds_per_run: opts.seconds,
      };
      rows.push({
        section: 'served',
        figure: `cache hit ${r.name}: throughput`,
        value: `${fmtNum(run.rps)} req/s (${fmtBytes(run.bytes_per_s)}/s)`,
        baseline: `/healthz ${fmtNum(o.health.rps)} req/s (adjacent runs)`,
        ratio: `${fmtRatio(o.rps)} (median of ${roundsText(o.perRound.map((x) => x.rps))})`,
        goal: `≥ ${r.minRatio}× /healthz`,
        met: failures === 0 && o.rps >= r.minRatio,
        ...(note ? { note } : {}),
        data: { ...data, ratio: o.rps },
      });

      const c = ratios(stat, r.path);
      const cFailures = c.run.non2xx + c.run.errors;
      const body = answers.get(r.path);
      rows.push({
        section: 'served',
        figure: `cache hit ${r.name}: throughput vs same-size static body (wrangler dev ceiling)`,
        value: `${fmtRatio(c.rps)} static ÷ its /healthz (median of ${roundsText(c.perRound.map((x) => x.rps))}; ${fmtNum(c.run.rps)} vs ${fmtNum(c.health.rps)} req/s)`,
        baseline: `ours ${fmtRatio(o.rps)} /healthz`,
        ratio: `${fmtRatio(o.rps / c.rps)} ours ÷ ceiling`,
        goal: '—',
        met: null,
        ...(cFailures > 0 ? { note: `static: ${c.run.non2xx} non-2xx, ${c.run.errors} errors` } : {}),
        data: {
          ceiling_ratio: c.rps,
          ours_ratio: o.rps,
          ours_over_ceiling: o.rps / c.rps,
          static_route: c.run,
          static_healthz_adjacent: c.health,
          static_per_round_ratios: c.perRound,
          static_p99_ratio: c.p99,
          body_bytes: body?.bytes,
          content_type: body?.headers['content-type'],
          ours_headers: body?.headers,
          static_headers: staticHeaders[r.path],
          static_start_ms: ceilingStartMs,
        },
      });

      rows.push({
        section: 'served',
        figure: `cache hit ${r.name}: latency`,
        value: `p50 ${fmtMs(run.p50_ms)} · p99 ${fmtMs(run.p99_ms)}`,
        baseline: `/healthz p50 ${fmtMs(o.health.p50_ms)} · p99 ${fmtMs(o.health.p99_ms)}`,
        ratio: `${fmtRatio(o.p99)} (median of ${roundsText(o.perRound.map((x) => x.p99))})`,
        goal: 'p99 ≤ 2× /healthz p99',
        met: failures === 0 && o.p99 <= 2,
        data: { ...data, p99_ratio: o.p99 },
      });
    }
  } finally {
    await ceiling?.dispose();
    await w.dispose();
  }
  return rows;
}

// ---------------------------------------------------------------------------
// Stampede and memory, in one worker in front of the fake upstream

/** RSS of the workerd processes under `root` (wrangler's pid), from /proc. */
export function workerdRss(root: number): { bytes: number; pids: number[] } {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      names.set(Number(name), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // gone
    }
  }
  const under = (pid: number) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++)
      if (p === root) return true;
    return false;
  };
  let bytes = 0;
  const pids: number[] = [];
  for (const [pid, comm] of names) {
    if (!comm.startsWith('workerd') || !under(pid)) continue;
    try {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) {
        bytes += Number(rss[1]) * 1024;
        pids.push(pid);
      }
    } catch {
      // gone
    }
  }
  return { bytes, pids };
}

const KEY = 'ovr_bench_secret_5e4d3c2b1a';
const WARM_JOBS = 20;
const settle = () => new Promise((r) => setTimeout(r, 1500));

/** API and page paths of `count` generated jobs of one phase. */
function jobPaths(phase: number, count: number): string[] {
  return Array.from({ length: count }, (_, n) => genId(phase, n)).flatMap((id) => [
    `/api/jobs/${id}/`,
    `/jobs/${id}`,
  ]);
}

/** A UUID for the n-th generated job of a phase. */
function genId(phase: number, n: number): string {
  return `${(0x20000000 + phase * 0x01000000 + n).toString(16)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export interface UpstreamOptions {
  stampedeRequests: number;
  stampedeDelayMs: number;
  memoryJobs: number;
  memoryBoundBytes: number;
  memoryConcurrency: number;
}

export async function upstreamBench(opts: UpstreamOptions, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  let upstream: FakeUpstreamServer | null = null;
  let w: Awaited<ReturnType<typeof worker>> | null = null;
  try {
    upstream = await startFakeUpstream({ expectKey: KEY, control: { generate: true } });
    const vars = {
      UPSTREAM_URL: upstream.url,
      OVERMIND_API_KEY: KEY,
      MEMORY_CACHE_BYTES: String(opts.memoryBoundBytes),
      MISS_RATE_LIMIT: 'off',
    };
    w = await worker(vars);
    // Memory first, on the fresh worker: the stampede's 500 answers would otherwise
    // still be garbage in the heap when "before" is read.
    const mem = await memory(w, upstream, opts, log);
    rows.push(...(await stampede(w, upstream, opts, log)), ...mem);
    await w.dispose();
    w = await worker(vars);
    rows.push(await isolateHeap(w, opts, log));
  } finally {
    await w?.dispose();
    await upstream?.close();
  }
  return rows;
}

async function stampede(
  w: RunningWorker,
  up: FakeUpstreamServer,
  opts: UpstreamOptions,
  log: (s: string) => void,
): Promise<Row[]> {
  const id = genId(1, 1);
  const paths = [`/api/jobs/${id}/`, `/jobs/${id}`, `/jobs/${id}/badge.svg`, `/jobs/${id}/badge.json`];
  up.control.delayMs = opts.stampedeDelayMs;
  const callsBefore = up.stats.byId[id] ?? 0;
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  log(`  ${opts.stampedeRequests} concurrent requests for ${id}, upstream delay ${opts.stampedeDelayMs} ms`);
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: opts.stampedeRequests }, (_, i) =>
      get(w.url + (paths[i % paths.length] as string), agent),
    ),
  );
  const wallMs = performance.now() - t0;
  agent.destroy();
  up.control.delayMs = 0;
  const calls = (up.stats.byId[id] ?? 0) - callsBefore;
  const statuses: Record<string, number> = {};
  const xcache: Record<string, number> = {};
  const ms: number[] = [];
  for (const s of settled) {
    const k =
      s.status === 'fulfilled'
        ? String(s.value.status)
        : `error: ${String((s.reason as Error).message).slice(0, 60)}`;
    statuses[k] = (statuses[k] ?? 0) + 1;
    if (s.status === 'fulfilled') {
      ms.push(s.value.ms);
      const x = String(s.value.headers['x-cache'] ?? 'none');
      xcache[x] = (xcache[x] ?? 0) + 1;
    }
  }
  const ok = statuses['200'] ?? 0;
  const lat = summarize(ms);
  const statusText = Object.entries(statuses)
    .map(([k, v]) => `${v}× ${k}`)
    .join(', ');
  return [
    {
      section: 'stampede',
      figure: `stampede: upstream calls for ${opts.stampedeRequests} concurrent requests, one cold job`,
      value: `${calls} call${calls === 1 ? '' : 's'}`,
      baseline: '—',
      ratio: '—',
      goal: 'exactly 1',
      met: calls === 1,
      data: { id, calls, upstream_delay_ms: opts.stampedeDelayMs, x_cache: xcache },
    },
    {
      section: 'stampede',
      figure: 'stampede: answers',
      value: `${ok}/${opts.stampedeRequests} × 200 (wall ${fmtMs(wallMs)}, p50 ${fmtMs(lat.median)}, max ${fmtMs(lat.max)})`,
      baseline: '—',
      ratio: '—',
      goal: 'every request 200',
      met: ok === opts.stampedeRequests,
      ...(ok === opts.stampedeRequests ? {} : { note: statusText }),
      data: { statuses, wall_ms: wallMs, latency_ms: lat, paths },
    },
  ];
}

async function memory(
  w: RunningWorker,
  up: FakeUpstreamServer,
  opts: UpstreamOptions,
  log: (s: string) => void,
): Promise<Row[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.memoryConcurrency });
  /** Send `paths`, sampling RSS meanwhile; the RSS after a pause, the peak, the answers. */
  const phase = async (paths: string[]) => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, workerdRss(w.pid).bytes)), 250);
    const t0 = performance.now();
    let answers: Answer[];
    try {
      answers = await pool(paths, opts.memoryConcurrency, (p) => get(w.url + p, agent));
    } finally {
      clearInterval(sampler);
    }
    const wallMs = performance.now() - t0;
    await settle();
    const rss = workerdRss(w.pid);
    return { rss, peak: Math.max(peak, rss.bytes), answers, wallMs };
  };
  try {
    // Warm-up: a few jobs through both routes, so wasm, fonts and the JIT are in before "before".
    const warmPaths = jobPaths(2, WARM_JOBS);
    await pool(warmPaths, opts.memoryConcurrency, (p) => get(w.url + p, agent));
    await settle();
    const r0 = workerdRss(w.pid);
    if (r0.pids.length === 0) throw new Error(`no workerd process found under wrangler pid ${w.pid}`);

    const paths = jobPaths(3, opts.memoryJobs);
    // Baseline in the same worker: as many requests, all cache hits of the warm jobs.
    // wrangler dev's own workerd processes grow with every request served (a hello-world
    // worker does too), so this is what the same traffic costs without any new job.
    log(`  baseline: ${paths.length} cache-hit requests over ${WARM_JOBS} warm jobs`);
    const hits = await phase(
      Array.from({ length: paths.length }, (_, i) => warmPaths[i % warmPaths.length] as string),
    );
    const callsBefore = up.stats.calls;
    log(
      `  ${paths.length} requests over ${opts.memoryJobs} distinct jobs, concurrency ${opts.memoryConcurrency}`,
    );
    const distinct = await phase(paths);

    const baseGrowth = hits.rss.bytes - r0.bytes;
    const rawGrowth = distinct.rss.bytes - hits.rss.bytes;
    const net = rawGrowth - baseGrowth;
    const limit = opts.memoryBoundBytes + 32 * 1024 * 1024;
    const non200 = [...hits.answers, ...distinct.answers].filter((a) => a.status !== 200).length;
    const data = {
      rss_start: r0.bytes,
      rss_after_hits: hits.rss.bytes,
      rss_after_distinct: distinct.rss.bytes,
      rss_peak_hits: hits.peak,
      rss_peak_distinct: distinct.peak,
      growth_hits_baseline: baseGrowth,
      growth_distinct_raw: rawGrowth,
      growth_net: net,
      limit,
      workerd_pids: distinct.rss.pids,
      requests_each: paths.length,
      non200,
      upstream_calls: up.stats.calls - callsBefore,
      bytes_served_distinct: distinct.answers.reduce((s, a) => s + a.bytes, 0),
      wall_ms: { hits: hits.wallMs, distinct: distinct.wallMs },
    };
    const bound = fmtBytes(opts.memoryBoundBytes);
    return [
      {
        section: 'memory',
        figure: `workerd RSS growth, ${paths.length} requests over ${opts.memoryJobs} distinct jobs (API + page), MEMORY_CACHE_BYTES ${bound}, raw`,
        value: `${fmtBytes(rawGrowth)} (${fmtBytes(hits.rss.bytes)} → ${fmtBytes(distinct.rss.bytes)}, peak ${fmtBytes(distinct.peak)})`,
        baseline: `${paths.length} cache-hit requests, same worker: ${fmtBytes(baseGrowth)}`,
        ratio: fmtRatio(rawGrowth / baseGrowth),
        goal: '—',
        met: null,
        note: "raw RSS includes wrangler dev's own per-request growth, which the cache-hit baseline measures",
        data,
      },
      {
        section: 'memory',
        figure: 'workerd RSS growth due to distinct jobs (raw − cache-hit baseline)',
        value: fmtBytes(net),
        baseline: `bound ${bound} + 32 MiB = ${fmtBytes(limit)}`,
        ratio: fmtRatio(net / limit),
        goal: '≤ bound + 32 MiB',
        met: net <= limit && non200 === 0,
        ...(non200 > 0 ? { note: `${non200} answers not 200` } : {}),
        data,
      },
    ];
  } finally {
    agent.destroy();
  }
}

/**
 * The isolate's own JS heap after a forced GC, through the inspector, before and
 * after the same distinct jobs. Its own worker: a DevTools session makes workerd
 * record per request, which would spoil the RSS figures.
 */
async function isolateHeap(w: RunningWorker, opts: UpstreamOptions, log: (s: string) => void): Promise<Row> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.memoryConcurrency });
  const limit = opts.memoryBoundBytes + 32 * 1024 * 1024;
  let inspector: IsolateInspector | null = null;
  try {
    await pool(jobPaths(2, WARM_JOBS), opts.memoryConcurrency, (p) => get(w.url + p, agent));
    inspector = await connectIsolate(workerdRss(w.pid).pids, () => get(`${w.url}/healthz`, agent));
    const before = await inspector.heapAfterGc();
    const paths = jobPaths(3, opts.memoryJobs);
    log(`  isolate heap: ${paths.length} requests over ${opts.memoryJobs} distinct jobs`);
    const answers = await pool(paths, opts.memoryConcurrency, (p) => get(w.url + p, agent));
    const after = await inspector.heapAfterGc();
    const growth = after.usedSize - before.usedSize;
    const non200 = answers.filter((a) => a.status !== 200).length;
    return {
      section: 'memory',
      figure: `worker isolate JS heap after forced GC (V8 inspector), ${opts.memoryJobs} distinct jobs, separate worker`,
      value: `${fmtBytes(growth)} (${fmtBytes(before.usedSize)} → ${fmtBytes(after.usedSize)})`,
      baseline: `bound ${fmtBytes(opts.memoryBoundBytes)} + 32 MiB = ${fmtBytes(limit)}`,
      ratio: fmtRatio(growth / limit),
      goal: '≤ bound + 32 MiB',
      met: growth <= limit && non200 === 0,
      ...(non200 > 0 ? { note: `${non200} answers not 200` } : {}),
      data: { heap_before: before, heap_after: after, growth, limit, non200 },
    };
  } catch (err) {
    return {
      section: 'memory',
      figure: 'worker isolate JS heap after forced GC (V8 inspector)',
      value: 'not measured',
      baseline: '—',
      ratio: '—',
      goal: '≤ bound + 32 MiB',
      met: null,
      note: String(err).slice(0, 160),
      data: { error: String(err) },
    };
  } finally {
    inspector?.close();
    agent.destroy();
  }
}
