// Start the static worker (worker.ts) under `wrangler dev`, serving given bodies.
// Everything generated lives in one tmp dir: a wrangler.toml with a Data rule, the
// bodies as .bin files, and an entry module that imports them and worker.ts. The dir
// (state included) is removed on stop. Runs like test/node/wrangler.ts startWrangler,
// which cannot take a config path.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, type RunningWorker } from '../../node/wrangler.ts';

export interface StaticBody {
  path: string;
  contentType: string;
  body: Uint8Array;
}

export async function startStaticWorker(
  bodies: readonly StaticBody[],
  opts: { timeoutMs?: number } = {},
): Promise<RunningWorker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'overmind-edge-static-'));
  const compat = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
    readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'),
  );
  writeFileSync(
    join(dir, 'wrangler.toml'),
    [
      'name = "overmind-edge-bench-static"',
      'main = "entry.js"',
      `compatibility_date = "${compat?.[1] ?? '2026-11-01'}"`,
      '[[rules]]',
      'type = "Data"',
      'globs = ["**/*.bin"]',
      '',
    ].join('\n'),
  );
  const imports: string[] = [];
  const table: string[] = [];
  bodies.forEach((b, i) => {
    writeFileSync(join(dir, `body-${i}.bin`), b.body);
    imports.push(`import body${i} from './body-${i}.bin';`);
    table.push(
      `  { path: ${JSON.stringify(b.path)}, contentType: ${JSON.stringify(b.contentType)}, body: body${i} },`,
    );
  });
  writeFileSync(
    join(dir, 'entry.js'),
    [
      `import { staticWorker } from ${JSON.stringify(join(import.meta.dirname, 'worker.ts'))};`,
      ...imports,
      'export default staticWorker([',
      ...table,
      ']);',
      '',
    ].join('\n'),
  );
  const args = [
    join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    '--config',
    join(dir, 'wrangler.toml'),
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    join(dir, 'state'),
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // already gone
          }
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { url, pid: child.pid ?? 0, output: () => out, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`static worker (wrangler dev) did not start on ${url}:\n${out}`);
}
