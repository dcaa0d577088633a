// `npm run bench`: every performance figure of the worker in one run, each next to a
// baseline measured in the same run, printed as one Markdown table and written to
// bench-results/latest.md and bench-results/latest.json. A missed goal is reported,
// not failed: the exit code is 0 unless a phase could not be measured at all.
//
//   npm run bench                       # everything but `storage`, under 4 minutes on 2 cores
//   BENCH_ONLY=render,size npm run bench
//   BENCH_ONLY=storage npm run bench    # 10,000 shields made and forgotten: ~9 minutes on 2 cores
//   BENCH_SECONDS=1 BENCH_ROUNDS=2 npm run bench   # shorter autocannon runs
//
// Phases (children are stopped on exit, error and Ctrl-C):
//   size      wrangler deploy --dry-run bundle, wrangler check startup   (size.ts)
//   render    in-process render cost vs marked / satori / resvg          (render.ts, child process)
//   served    cache hits under autocannon vs /healthz, wrangler dev      (load.ts)
//             + the same bodies from a static worker, the ceiling        (static-worker/)
//   upstream  stampede + memory against the fake upstream                (load.ts)
//   shield    upstream calls for N locations; event delivery to 200 subscribers (shield.ts)
//   hostile   generated adversarial jobs: worst render per face vs an ordinary twin (hostile.ts;
//             HOSTILE_RUNS=500 for a longer search)
//   edge      Worker runs behind a simulated Workers Cache, 8 locations × 1,000 requests (edge.ts)
//   storage   shield storage of 10,000 requests for random unknown ids, before and after
//             each shield's alarm (shield.ts; BENCH_UNKNOWN_IDS sets the count). Only when
//             named in BENCH_ONLY: it alone takes longer than every other phase together.

import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../node/wrangler.ts';
import { cleanupAll, installExitHandlers, track } from './children.ts';
import { edgeBench } from './edge.ts';
import { HOSTILE_MAX_RATIO, hostileBench } from './hostile.ts';
import { servedBench, upstreamBench } from './load.ts';
import { failedRow, markdownTable, type Row } from './report.ts';
import { shieldBench, storageBench } from './shield.ts';
import { sizeBench } from './size.ts';

const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
/**
 * Seconds per autocannon run, and runs per route (each between two /healthz runs). Three rounds
 * of 1 s (several hundred requests a run) keep a median per ratio while the whole run stays
 * under 4 minutes on a loaded machine.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const log = (s: string) => process.stderr.write(`${s}\n`);

/** The render phase in its own Node process: a clean heap, and the same command profiles it. */
function renderPhase(): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test/bench/render.ts'), '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const untrack = track(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      untrack();
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as Row[]);
      } catch (err) {
        reject(new Error(`render child failed (${String(err)}): ${out.slice(-500)}`));
      }
    });
  });
}

interface Phase {
  id: string;
  title: string;
  run: () => Promise<Row[]>;
  /** What the table shows when the phase throws. */
  onError: (reason: string) => Row[];
  /** Run only when BENCH_ONLY names it. */
  optIn?: boolean;
}

const PHASES: Phase[] = [
  {
    id: 'size',
    title: 'size and start-up',
    run: sizeBench,
    onError: (r) => [failedRow('size', 'bundle and start-up', '—', r)],
  },
  {
    id: 'render',
    title: 'render cost, in-process',
    run: renderPhase,
    onError: (r) => [failedRow('render', 'render cost', 'see goals', r)],
  },
  {
    id: 'served',
    title: `served cost, cache hits + static ceiling (autocannon, ${CONNECTIONS} connections, ${ROUNDS} × ${SECONDS} s per route and worker)`,
    run: () => servedBench({ seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS }, log),
    onError: (r) => [failedRow('served', 'cache hits vs /healthz', '≥ 0.9× / 0.8×, p99 ≤ 2×', r)],
  },
  {
    id: 'upstream',
    title: 'stampede and memory (fake upstream)',
    run: () =>
      upstreamBench(
        {
          stampedeRequests: 500,
          stampedeDelayMs: 200,
          memoryJobs: 1000,
          memoryBoundBytes: 8 * 1024 * 1024,
          memoryConcurrency: 16,
        },
        log,
      ),
    onError: (r) => [
      failedRow('stampede', 'stampede', 'exactly 1 upstream call, every request 200', r),
      failedRow('memory', 'memory', '≤ bound + 32 MiB', r),
    ],
  },
  {
    id: 'shield',
    title: 'job shield: locations and live events',
    run: () =>
      shieldBench(
        { locations: 8, requestsPerLocation: 200, subscribers: 200, changes: 3, ttlActiveSeconds: 2 },
        log,
      ),
    onError: (r) => [
      failedRow('shield', 'shield: upstream calls for N locations', 'exactly 1 per period', r),
      failedRow('shield', 'events: upstream change → event', 'p99 ≤ TTL + 2 s', r),
    ],
  },
  {
    id: 'hostile',
    title: 'hostile jobs: the worst generated case per face against an ordinary job of the same sizes',
    run: () => hostileBench(),
    onError: (r) => [failedRow('hostile', 'worst case per face', `≤ ${HOSTILE_MAX_RATIO}×`, r)],
  },
  {
    id: 'edge',
    title: 'edge cache (simulated Workers Cache in front of wrangler dev)',
    run: () => edgeBench({ locations: 8, requestsPerLocation: 1000, periods: 5 }, log),
    onError: (r) => [failedRow('edge', 'edge: Worker runs per cache key', '≤ 1 per key (per period)', r)],
  },
  {
    id: 'storage',
    title: 'job shield: storage of unknown ids returns to zero',
    optIn: true,
    run: () => storageBench(Number(process.env.BENCH_UNKNOWN_IDS ?? 10_000), log),
    onError: (r) => [failedRow('shield', 'shield storage of unknown ids', 'no table and no row left', r)],
  },
];

function machine() {
  const c = cpus();
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  return {
    node: process.version,
    cpu: `${c.length} × ${c[0]?.model ?? 'unknown'}`,
    memory_gib: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadavg_at_start: load,
    platform: `${process.platform} ${process.arch}`,
  };
}

async function main(): Promise<number> {
  installExitHandlers();
  const started = performance.now();
  const env = machine();
  log(`bench: Node ${env.node}, ${env.cpu}, load ${env.loadavg_at_start}`);
  const rows: Row[] = [];
  const errors: string[] = [];
  const timings: Record<string, number> = {};
  for (const phase of PHASES) {
    if (ONLY.length > 0 ? !ONLY.includes(phase.id) : phase.optIn) continue;
    log(`bench: ${phase.title}…`);
    const t0 = performance.now();
    try {
      rows.push(...(await phase.run()));
    } catch (err) {
      const reason = err instanceof Error ? (err.message.split('\n')[0] ?? String(err)) : String(err);
      errors.push(`${phase.id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      log(`bench: phase ${phase.id} failed: ${reason}`);
      rows.push(...phase.onError(reason.slice(0, 200)));
      await cleanupAll();
    }
    timings[phase.id] = Math.round(performance.now() - t0);
    log(`bench: ${phase.id} done in ${(timings[phase.id] / 1000).toFixed(1)} s`);
  }
  const totalS = (performance.now() - started) / 1000;

  const missed = rows.filter((r) => r.met === false);
  const table = markdownTable(rows);
  const header = `## overmind-edge benchmark\n\n${new Date().toISOString()} · Node ${env.node} · ${env.cpu} · ${env.memory_gib} GiB · load at start ${env.loadavg_at_start} · ${totalS.toFixed(0)} s\n`;
  const metCount = rows.filter((r) => r.met === true).length;
  const summary =
    missed.length === 0
      ? `\n${metCount === 0 ? 'No goals in the phases run.' : `All ${metCount} goals met.`}`
      : `\n**${missed.length} goal${missed.length === 1 ? '' : 's'} missed:**\n${missed.map((r) => `- ${r.figure}: ${r.value} (goal ${r.goal}, ratio ${r.ratio})`).join('\n')}`;
  const notMeasured = rows.filter((r) => r.met === null && r.goal !== '—');
  const md = `${header}\n${table}\n${summary}${notMeasured.length ? `\n\nNot measured: ${notMeasured.map((r) => `${r.figure} (${r.note ?? ''})`).join('; ')}` : ''}\n`;

  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), md);
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine: env, total_seconds: totalS, phase_ms: timings, rows, missed: missed.map((r) => r.figure), errors }, null, 2)}\n`,
  );
  process.stdout.write(`\n${md}\nWritten: bench-results/latest.md, bench-results/latest.json\n`);
  if (errors.length > 0) {
    log(`\nbench: ${errors.length} phase(s) could not be measured:\n${errors.join('\n')}`);
    return 1;
  }
  return 0;
}

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    log(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanupAll();
    process.exit(1);
  });
