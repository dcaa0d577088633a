// Size and start-up: the files `wrangler deploy --dry-run` would upload (raw and gzip),
// and the start-up CPU profile of `wrangler check startup` (offline: it runs the
// bundle in local workerd), next to the same measurement of a hello-world worker.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../node/wrangler.ts';
import type { Row } from './report.ts';
import { fmtBytes, fmtMs } from './stats.ts';
import { track } from './children.ts';

const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');

/** Run wrangler with Node 22 (this process's), capture everything it prints. */
export function wrangler(
  args: string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], {
      cwd,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const untrack = track(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      untrack();
      resolve({ code, out });
    });
  });
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Active (non-idle) CPU time in a V8 .cpuprofile, and its GC share, in ms. Each
 * timeDelta is charged to its own sample, as wrangler's own summary does, so the
 * figure matches the "Active:" line `wrangler check startup` prints.
 */
export function profileActiveMs(p: CpuProfile): { activeMs: number; gcMs: number; windowMs: number } {
  const names = new Map(p.nodes.map((n) => [n.id, n.callFrame.functionName]));
  let active = 0;
  let gc = 0;
  p.timeDeltas.forEach((delta, i) => {
    const name = names.get(p.samples[i] ?? 0);
    if (name === '(idle)') return;
    active += delta;
    if (name === '(garbage collector)') gc += delta;
  });
  return { activeMs: active / 1000, gcMs: gc / 1000, windowMs: (p.endTime - p.startTime) / 1000 };
}

async function startup(
  cwd: string,
  label: string,
): Promise<{ activeMs: number; gcMs: number; windowMs: number; printed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'overmind-startup-'));
  try {
    const outfile = join(dir, 'startup.cpuprofile');
    const { code, out } = await wrangler(['check', 'startup', '--outfile', outfile], cwd);
    let profile: CpuProfile;
    try {
      profile = JSON.parse(readFileSync(outfile, 'utf8')) as CpuProfile;
    } catch {
      throw new Error(
        `wrangler check startup (${label}) wrote no profile (exit ${code}): ${out.trim().split('\n').slice(-5).join(' / ')}`,
      );
    }
    const printed = /Active:.*$/m.exec(out)?.[0]?.trim() ?? '';
    return { ...profileActiveMs(profile), printed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sizeBench(): Promise<Row[]> {
  const rows: Row[] = [];
  // --- bundle size -------------------------------------------------------------
  const outdir = mkdtempSync(join(tmpdir(), 'overmind-dryrun-'));
  try {
    const { code, out } = await wrangler(['deploy', '--dry-run', '--outdir', outdir, '--env', ''], ROOT);
    if (code !== 0)
      throw new Error(
        `wrangler deploy --dry-run failed (exit ${code}): ${out.trim().split('\n').slice(-5).join(' / ')}`,
      );
    // What is uploaded: every module; the source map and wrangler's README are not.
    const files = readdirSync(outdir).filter((f) => !f.endsWith('.map') && f !== 'README.md');
    let raw = 0;
    let gz = 0;
    const perFile: Record<string, { raw: number; gzip: number }> = {};
    for (const f of files) {
      const p = join(outdir, f);
      if (!statSync(p).isFile()) continue;
      const bytes = readFileSync(p);
      const g = gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gz += g;
      perFile[f.replace(/^[0-9a-f]{40}-/, '')] = { raw: bytes.length, gzip: g };
    }
    const printed = /Total Upload:.*$/m.exec(out)?.[0]?.trim() ?? '';
    const largest = Object.entries(perFile)
      .sort((a, b) => b[1].raw - a[1].raw)
      .slice(0, 3)
      .map(([f, s]) => `${f} ${fmtBytes(s.raw)}`)
      .join(', ');
    rows.push({
      section: 'size',
      figure: `bundle (wrangler deploy --dry-run), ${files.length} files`,
      value: `${fmtBytes(raw)} raw · ${fmtBytes(gz)} gzip`,
      baseline: '—',
      ratio: '—',
      goal: '—',
      met: null,
      note: `largest: ${largest}; Workers limit 64 MiB uncompressed, every plan`,
      data: { raw_bytes: raw, gzip_bytes: gz, files: perFile, wrangler_printed: printed },
    });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }

  // --- Static Assets (fonts and emoji for other scripts, read on demand) ------------
  {
    const dir = join(ROOT, 'assets');
    let files = 0;
    let bytes = 0;
    let largest = 0;
    for (const sub of readdirSync(dir)) {
      for (const f of readdirSync(join(dir, sub))) {
        const size = statSync(join(dir, sub, f)).size;
        files++;
        bytes += size;
        largest = Math.max(largest, size);
      }
    }
    rows.push({
      section: 'size',
      figure: `Static Assets (./assets: fonts and emoji, not part of the script), ${files} files`,
      value: fmtBytes(bytes),
      baseline: '—',
      ratio: '—',
      goal: '—',
      met: null,
      note: `largest file ${fmtBytes(largest)}; Workers limits 25 MiB per file, 20,000 files (Free)`,
      data: { files, bytes, largest_bytes: largest },
    });
  }

  // --- start-up ----------------------------------------------------------------
  const hello = mkdtempSync(join(tmpdir(), 'overmind-hello-'));
  try {
    writeFileSync(join(hello, 'index.js'), 'export default { fetch() { return new Response("ok"); } };\n');
    writeFileSync(
      join(hello, 'wrangler.toml'),
      'name = "bench-hello"\nmain = "index.js"\ncompatibility_date = "2026-11-01"\n',
    );
    const worker = await startup(ROOT, 'worker');
    const base = await startup(hello, 'hello world');
    rows.push({
      section: 'size',
      figure: 'start-up CPU (wrangler check startup, local workerd)',
      value: `${fmtMs(worker.activeMs)} active (GC ${fmtMs(worker.gcMs)})`,
      baseline: `hello-world worker: ${fmtMs(base.activeMs)}`,
      ratio: '—',
      goal: '—',
      met: null,
      note: 'Workers limit 1 s',
      data: { worker, hello_world: base },
    });
  } finally {
    rmSync(hello, { recursive: true, force: true });
  }
  return rows;
}
