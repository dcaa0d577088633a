// The shield phase of `npm run bench`:
//   locations — upstream calls for N locations × M requests for one job (cold, then sustained over
//               several TTL_ACTIVE_SECONDS periods), in workerd: each location an app with its
//               own memory tier and Cache API cache, all sharing one JOB_SHIELD namespace
//               (test/shield-locations.bench.ts, run by vitest as the tests are);
//   events    — 200 live-event subscribers under `wrangler dev` against the fake upstream:
//               time from an upstream change to each subscriber's event, p50/p99.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generatedJob, startFakeUpstream } from '../node/fake-upstream.ts';
import { sseReader, type SseReader } from '../node/sse-reader.ts';
import { ROOT } from '../node/wrangler.ts';
import { track } from './children.ts';
import { worker } from './load.ts';
import type { Row } from './report.ts';
import { fmtMs, percentile } from './stats.ts';

const KEY = 'ovr_bench_shield_key_3e1f';

export interface ShieldOptions {
  locations: number;
  requestsPerLocation: number;
  subscribers: number;
  changes: number;
  ttlActiveSeconds: number;
}

export async function shieldBench(opts: ShieldOptions, log: (s: string) => void): Promise<Row[]> {
  return [await locationsRow(opts, log), await eventsRow(opts, log)];
}

interface LocationsResult {
  locations: number;
  requests_per_location: number;
  cold: { requests: number; ok: number; upstream_calls: number; wall_ms: number };
  sustained: { periods: number; seconds: number; requests: number; upstream_calls: number };
}

/** One bench file run by vitest in workerd; its result is the JSON after `marker` in its output. */
function runWorkerdBench<T>(file: string, marker: string, env: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/bench/workerd.vitest.config.ts',
        file,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const untrack = track(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      untrack();
      const line = out.split('\n').find((l) => l.includes(`${marker} `));
      if (code !== 0 || !line) {
        reject(new Error(`workerd bench failed (exit ${code}): ${out.slice(-400)}`));
        return;
      }
      resolve(JSON.parse(line.slice(line.indexOf(`${marker} `) + marker.length + 1)) as T);
    });
  });
}

async function locationsRow(opts: ShieldOptions, log: (s: string) => void): Promise<Row> {
  log(`  ${opts.locations} locations × ${opts.requestsPerLocation} requests, in workerd`);
  const r = await runWorkerdBench<LocationsResult>('test/shield-locations.bench.ts', 'BENCH_RESULT', {
    BENCH_LOCATIONS: String(opts.locations),
    BENCH_REQUESTS: String(opts.requestsPerLocation),
  });
  const periods = Math.ceil(r.sustained.seconds); // TTL_ACTIVE_SECONDS = 1 there
  const met =
    r.cold.upstream_calls === 1 && r.cold.ok === r.cold.requests && r.sustained.upstream_calls <= periods;
  return {
    section: 'shield',
    figure: `shield: upstream calls for ${r.locations} locations × ${r.requests_per_location} requests, one job`,
    value: `cold: ${r.cold.upstream_calls} for ${r.cold.requests} concurrent (${r.cold.ok} × 200, ${fmtMs(r.cold.wall_ms)}); sustained: ${r.sustained.upstream_calls} for ${r.sustained.requests} over ${r.sustained.seconds} s`,
    baseline: `${periods} periods of 1 s`,
    ratio: '—',
    goal: 'cold: exactly 1; sustained: ≤ 1 per period',
    met,
    note: 'workerd, one JOB_SHIELD namespace, each location its own memory and Cache API',
    data: { ...r, periods },
  };
}

interface Held {
  objects: number;
  tables: number;
  rows: number;
  bytes: number;
}

interface StorageResult {
  requests: number;
  not_found: number;
  request_ms: number;
  before: Held;
  alarms_run: number;
  alarm_ms: number;
  after: Held;
}

/**
 * Shield storage after `unknownIds` requests for random unknown ids, before and after each
 * shield's alarm (test/shield-storage.bench.ts, in workerd). The goal: no table and no row left.
 */
export async function storageBench(unknownIds: number, log: (s: string) => void): Promise<Row[]> {
  log(`  ${unknownIds} requests for random unknown ids, in workerd`);
  const r = await runWorkerdBench<StorageResult>('test/shield-storage.bench.ts', 'BENCH_STORAGE', {
    BENCH_UNKNOWN_IDS: String(unknownIds),
  });
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  return [
    {
      section: 'shield',
      figure: `shield storage: ${r.requests} requests for random unknown ids, then each shield's alarm past NOT_FOUND_TTL_SECONDS`,
      value: `after: ${r.after.objects} objects holding tables, ${r.after.tables} tables, ${r.after.rows} rows (${kib(r.after.bytes)} databaseSize: workerd's empty SQLite page per object)`,
      baseline: `before the alarms: ${r.before.objects} objects, ${r.before.tables} tables, ${r.before.rows} rows, ${kib(r.before.bytes)}`,
      ratio: '—',
      goal: 'no table and no row left',
      met: r.after.objects === 0 && r.after.tables === 0 && r.after.rows === 0 && r.alarms_run === r.requests,
      note: `workerd, one JOB_SHIELD namespace; requests ${fmtMs(r.request_ms)} (${r.not_found} × 404), alarms ${fmtMs(r.alarm_ms)}`,
      data: { ...r },
    },
  ];
}

/** A running job with `done` iterations of five; the score moves with each. */
function liveJob(id: string, done: number): Record<string, unknown> {
  const base = generatedJob(id);
  return {
    ...base,
    status: 'running',
    iterations: (base.iterations as unknown[]).slice(0, done),
    updated_at: `2026-11-06T09:${String(done).padStart(2, '0')}:00Z`,
  };
}

async function eventsRow(opts: ShieldOptions, log: (s: string) => void): Promise<Row> {
  const up = await startFakeUpstream({ expectKey: KEY });
  const ttl = opts.ttlActiveSeconds;
  const w = await worker({
    UPSTREAM_URL: up.url,
    OVERMIND_API_KEY: KEY,
    TTL_ACTIVE_SECONDS: String(ttl),
    MISS_RATE_LIMIT: 'off',
    // Every subscriber comes from 127.0.0.1 here.
    EVENTS_MAX_PER_CLIENT: String(opts.subscribers),
  });
  const subs: SseReader[] = [];
  try {
    const id = '5a1e0c3d-0000-4000-8000-0000000be4c4';
    up.jobs.set(id, liveJob(id, 1));
    log(
      `  ${opts.subscribers} subscribers under wrangler dev (started in ${fmtMs(w.startMs)}), TTL_ACTIVE_SECONDS ${ttl}`,
    );
    for (let i = 0; i < opts.subscribers; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, opts.subscribers - i) }, async () => {
          const res = await fetch(`${w.url}/api/jobs/${id}/events`);
          if (res.status !== 200 || !res.body) throw new Error(`events answered ${res.status}`);
          return sseReader(res.body as ReadableStream<Uint8Array>);
        }),
      );
      subs.push(...batch);
    }
    await Promise.all(subs.map((s) => s.nextEvent(30_000)));
    const callsBefore = up.stats.byId[id] ?? 0;
    const delays: number[] = [];
    let missing = 0;
    const t0 = performance.now();
    for (let c = 0; c < opts.changes; c++) {
      // Changes land at a random point of the poll period, as real ones do.
      await new Promise((r) => setTimeout(r, Math.random() * ttl * 1000));
      up.jobs.set(id, liveJob(id, c + 2));
      const changedAt = performance.now();
      const got = await Promise.all(
        subs.map(async (s) => {
          const e = await s.nextEvent((ttl + 10) * 1000);
          return typeof e === 'string' ? null : performance.now() - changedAt;
        }),
      );
      for (const d of got) {
        if (d === null) missing++;
        else delays.push(d);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const calls = (up.stats.byId[id] ?? 0) - callsBefore;
    const p50 = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    const goalMs = (ttl + 2) * 1000;
    return {
      section: 'shield',
      figure: `events: upstream change → event, ${opts.subscribers} subscribers × ${opts.changes} changes`,
      value: `p50 ${fmtMs(p50)}, p99 ${fmtMs(p99)}; ${calls} upstream calls in ${seconds.toFixed(1)} s`,
      baseline: `TTL_ACTIVE_SECONDS ${ttl} s`,
      ratio: '—',
      goal: `p99 ≤ ${ttl + 2} s, every event delivered, ≤ 1 call per period`,
      met: missing === 0 && p99 <= goalMs && calls <= Math.ceil(seconds / ttl) + 1,
      note: 'wrangler dev, fake upstream on loopback',
      data: {
        subscribers: opts.subscribers,
        changes: opts.changes,
        ttl_active_seconds: ttl,
        p50_ms: p50,
        p99_ms: p99,
        max_ms: Math.max(...delays),
        missing,
        upstream_calls: calls,
        seconds,
      },
    };
  } finally {
    await Promise.allSettled(subs.map((s) => s.cancel()));
    await w.dispose();
    await up.close();
  }
}
