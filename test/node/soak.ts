// The soak: mixed traffic at concurrency 64 against `wrangler dev` on loopback, in front of
// a fake upstream that fails 10% of calls and never answers 5%. It fails on any 500, any
// answer carrying another job, any leaked key, or memory growth beyond the tier's bound (and the
// job shields' footprint, measured in the same run).
//
//   npm run soak                      # 60 s
//   SOAK_SECONDS=15 npm run soak      # the shorter profile CI runs

import autocannon from 'autocannon';
import { readFileSync, readdirSync } from 'node:fs';
import { DEMO_JOBS } from '../../src/demo-data.ts';
import { startFakeUpstream } from './fake-upstream.ts';
import { startWrangler } from './wrangler.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const KEY = 'ovr_soak_secret_0f9e8d7c6b5a';
const MEMORY_BOUND = 8 * 1024 * 1024;
/** Beyond the memory tier's bound, what the runtime, parsed fonts, wasm and GC slack may take. */
const RSS_SLACK = 64 * 1024 * 1024;

const demoIds = DEMO_JOBS.map((j) => (j as { id: string }).id);
/** Generated jobs, so the memory tier must evict; ids stay few enough that answers repeat. */
const generatedIds = Array.from(
  { length: 300 },
  (_, i) =>
    `${(0x10000000 + i * 7919).toString(16).slice(0, 8)}-0000-4000-8000-${String(i).padStart(12, '0')}`,
);
const ids = [...demoIds, ...generatedIds];

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)] as T;
}

const ALL_ROUTES = [
  (id: string) => `/api/jobs/${id}/`,
  (id: string) => `/api/jobs/${id}`,
  (id: string) => `/jobs/${id}`,
  (id: string) => `/jobs/${id}/badge.svg?metric=${pick(['best', 'improvement', 'baseline'])}`,
  (id: string) => `/jobs/${id}/badge.json`,
  (id: string) => `/jobs/${id}/og.svg`,
  (id: string) => `/jobs/${id}/og.png?theme=${pick(['light', 'dark'])}`,
  () => `/api/jobs/not-a-uuid/`,
  () => `/jobs/${pick(ids)}/badge.svg?theme=blue`,
  () => `/healthz`,
];

/** SOAK_ROUTES=<regex> keeps only matching routes, to find what a failure comes from. */
const ROUTES = ALL_ROUTES.filter((r) => new RegExp(process.env.SOAK_ROUTES ?? '.').test(r('ID')));

/** RSS of the workerd processes under `root` (wrangler's process), not of any other on the machine. */
export function workerdRss(root: number): number {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(entry), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      // process went away
    }
  }
  const under = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; p = parent.get(p) ?? 0, hops++)
      if (p === root) return true;
    return false;
  };
  let total = 0;
  for (const [pid, name] of names) {
    if (!name.startsWith('workerd') || !under(pid)) continue;
    try {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // process went away
    }
  }
  return total;
}

export async function main() {
  const upstream = await startFakeUpstream({
    expectKey: KEY,
    control: { generate: true, errorRate: 0.1, timeoutRate: 0.05 },
  });
  const worker = await startWrangler({
    UPSTREAM_URL: upstream.url,
    OVERMIND_API_KEY: KEY,
    UPSTREAM_TIMEOUT_MS: '1000',
    TTL_TERMINAL_SECONDS: '5',
    TTL_ACTIVE_SECONDS: '2',
    MEMORY_CACHE_BYTES: String(MEMORY_BOUND),
    MISS_RATE_LIMIT: 'off',
  });
  const failures: string[] = [];
  const statuses: Record<string, number> = {};
  try {
    // wrangler dev's workerd retains memory for every request it serves, in proportion to the
    // bytes answered (a worker that only returns 'ok' grows ~40 KB a request). So the baseline,
    // in the same run, is the same route mix over the eight demo jobs once they are cached: the
    // worker's own memory stays flat there, and what RSS gains per byte is the runtime's cost.
    // Warm-up first: wasm memories, parsed fonts and JIT reach their working size, which is not growth.
    const mix = (pool: readonly string[]) => [
      { setupRequest: (req: { path: string }) => ({ ...req, path: pick(ROUTES)(pick(pool)) }) },
    ];
    await autocannon({ url: worker.url, connections: CONCURRENCY, duration: 5, requests: mix(ids) });
    await autocannon({ url: worker.url, connections: CONCURRENCY, duration: 3, requests: mix(demoIds) });
    // Every job's shield (a Durable Object, with its own SQLite database) once: under wrangler dev
    // they live in this same workerd, and what they hold grows with the number of jobs, not with
    // the traffic the soak judges. Reported, so the footprint stays visible.
    const shieldsBefore = workerdRss(worker.pid);
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map((id) => fetch(`${worker.url}/api/jobs/${id}/`).then((r) => r.arrayBuffer())),
      );
    }
    const shieldsRss = workerdRss(worker.pid) - shieldsBefore;
    const baselineStart = workerdRss(worker.pid);
    const baseline = await autocannon({
      url: worker.url,
      connections: CONCURRENCY,
      duration: Math.max(3, Math.round(SECONDS / 3)),
      requests: mix(demoIds),
    });
    const baselineGrowthPerByte =
      Math.max(0, workerdRss(worker.pid) - baselineStart) / Math.max(1, baseline.throughput.total);

    const rssBefore = workerdRss(worker.pid);
    let tierMax = 0;
    const sampler = setInterval(() => {
      fetch(`${worker.url}/healthz`)
        .then((r) => r.json() as Promise<{ memory_cache: { bytes: number; max_bytes: number } | null }>)
        .then((h) => {
          if (!h.memory_cache) return;
          tierMax = Math.max(tierMax, h.memory_cache.bytes);
          if (h.memory_cache.bytes > h.memory_cache.max_bytes)
            failures.push(`memory tier at ${h.memory_cache.bytes} bytes > bound`);
        })
        .catch(() => undefined);
    }, 500);
    const result = await autocannon({
      url: worker.url,
      connections: CONCURRENCY,
      duration: SECONDS,
      timeout: 10,
      requests: [
        {
          setupRequest: (req: { path: string }, context: Record<string, unknown>) => {
            const id = pick(ids);
            const path = pick(ROUTES)(id);
            context.id = id;
            context.path = path;
            return { ...req, path };
          },
          onResponse: (
            status: number,
            body: string,
            context: Record<string, unknown>,
            headers?: Record<string, string>,
          ) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
            const path = String(context.path);
            if (status >= 500 && ![502, 503, 504].includes(status)) failures.push(`${status} on ${path}`);
            if (body.includes(KEY) || JSON.stringify(headers ?? {}).includes(KEY))
              failures.push(`key leaked on ${path}`);
            if (status === 200 && path.startsWith('/api/jobs/')) {
              const got = (JSON.parse(body) as { id?: string }).id;
              if (got !== context.id) failures.push(`${path} answered job ${got}`);
            }
            if (status === 200 && /^\/jobs\/[^/]+$/.test(path) && !body.includes(String(context.id))) {
              failures.push(`${path} page does not name its job`);
            }
          },
        },
      ],
    });
    clearInterval(sampler);
    const rssAfter = workerdRss(worker.pid);
    const growth = rssAfter - rssBefore;
    const expectedRuntimeGrowth = baselineGrowthPerByte * result.throughput.total;
    if (rssBefore === 0) failures.push('could not find the workerd process to measure its memory');
    if (tierMax === 0) failures.push('the memory tier was never seen holding anything');
    const report = {
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      requests: result.requests.total,
      rps: Math.round(result.requests.average),
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      statuses,
      upstream_calls: upstream.stats.calls,
      shields_warmup_rss_mb: +(shieldsRss / 2 ** 20).toFixed(1),
      memory_tier_bound_mb: MEMORY_BOUND / 2 ** 20,
      memory_tier_peak_mb: +(tierMax / 2 ** 20).toFixed(2),
      rss_before_mb: +(rssBefore / 2 ** 20).toFixed(1),
      rss_after_mb: +(rssAfter / 2 ** 20).toFixed(1),
      rss_growth_mb: +(growth / 2 ** 20).toFixed(1),
      baseline_rss_bytes_per_response_byte: +baselineGrowthPerByte.toFixed(3),
      response_mb: +(result.throughput.total / 2 ** 20).toFixed(1),
      rss_growth_beyond_baseline_mb: +((growth - expectedRuntimeGrowth) / 2 ** 20).toFixed(1),
    };
    console.log(JSON.stringify(report, null, 2));
    if (result.errors > 0 || result.timeouts > 0)
      failures.push(`${result.errors} socket errors, ${result.timeouts} timeouts`);
    // The shields may be evicted when idle and made again during the run: their footprint, as
    // measured above for every job, is allowed on top of the tier's bound.
    if (growth - expectedRuntimeGrowth > MEMORY_BOUND + RSS_SLACK + Math.max(0, shieldsRss)) {
      failures.push(
        `workerd RSS grew ${report.rss_growth_mb} MB, ${report.rss_growth_beyond_baseline_mb} MB beyond what serving cached answers of the same size costs`,
      );
    }
  } finally {
    await worker.stop();
    await upstream.close();
  }
  if (failures.length > 0) {
    console.error(`soak FAILED (${failures.length}):\n${[...new Set(failures)].slice(0, 30).join('\n')}`);
    process.exit(1);
  }
  console.log('soak passed');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
