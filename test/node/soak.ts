// The soak: mixed traffic at concurrency 64 against `wrangler dev` on loopback, in front of
// a fake upstream that fails 10% of calls and never answers 5%. It fails on any 500, any
// answer carrying another job, any leaked key, or memory growth beyond the tier's bound.
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

const ROUTES = [
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

/** RSS of the workerd processes started under wrangler's process group. */
function workerdRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!/^Name:\s+workerd/m.test(status)) continue;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // process went away
    }
  }
  return total;
}

async function main() {
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
    await fetch(`${worker.url}/api/jobs/${demoIds[0]}/`);
    const rssBefore = workerdRss();
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
    const rssAfter = workerdRss();
    const growth = rssAfter - rssBefore;
    if (growth > MEMORY_BOUND + RSS_SLACK) {
      failures.push(`workerd RSS grew ${(growth / 2 ** 20).toFixed(1)} MB > bound + slack`);
    }
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
      rss_before_mb: +(rssBefore / 2 ** 20).toFixed(1),
      rss_after_mb: +(rssAfter / 2 ** 20).toFixed(1),
      memory_tier_bound_mb: MEMORY_BOUND / 2 ** 20,
    };
    console.log(JSON.stringify(report, null, 2));
    if (result.errors > 0 || result.timeouts > 0)
      failures.push(`${result.errors} socket errors, ${result.timeouts} timeouts`);
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

await main();
