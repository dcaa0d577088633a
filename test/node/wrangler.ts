// Start `wrangler dev` on loopback for the browser tests, the benchmarks and the soak,
// and stop it again. Each run gets its own state folder, so no cache survives between runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface RunningWorker {
  url: string;
  pid: number;
  /** Everything wrangler printed, for diagnosing a failed start. */
  output: () => string;
  stop(): Promise<void>;
}

export const ROOT = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface StartOptions {
  timeoutMs?: number;
  /** Another worker's wrangler.toml (the bench's static worker); default: this project's. */
  configPath?: string;
  /** Removed with the state folder on stop (a generated worker's folder). */
  cleanup?: string;
  /** State folder to use and keep on stop, so a later start finds its storage (restart tests). */
  persistTo?: string;
  /** wrangler's --log-level; 'log' keeps the worker's own console lines in output(). Default 'warn'. */
  logLevel?: 'warn' | 'info' | 'log';
  /** A wrangler.toml environment (--env), e.g. 'production'; default: the top level (demo). */
  env?: string;
}

let starting: Promise<unknown> = Promise.resolve();

/**
 * Starts run one at a time, and a start that lost a port race is retried: a port found
 * free can be handed out again before wrangler binds it, and wrangler's own sockets
 * (inspector, internal services) race the same way when two start at once.
 */
export function startWrangler(
  vars: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<RunningWorker> {
  const run = starting.then(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await startOnce(vars, opts);
      } catch (err) {
        if (attempt >= 3 || !/Address already in use|EADDRINUSE/.test(String(err))) {
          if (opts.cleanup) rmSync(opts.cleanup, { recursive: true, force: true });
          throw err;
        }
      }
    }
  });
  starting = run.catch(() => undefined);
  return run;
}

async function startOnce(vars: Record<string, string>, opts: StartOptions): Promise<RunningWorker> {
  const port = await freePort();
  const state = opts.persistTo ?? mkdtempSync(join(tmpdir(), 'overmind-edge-'));
  const args = [
    join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
    'dev',
    ...(opts.configPath ? ['--config', opts.configPath] : []),
    ...(opts.env ? ['--env', opts.env] : []),
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    state,
    '--show-interactive-dev-session=false',
    '--log-level',
    opts.logLevel ?? 'warn',
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.configPath ? dirname(opts.configPath) : ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const kill = async () => {
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
    if (!opts.persistTo) rmSync(state, { recursive: true, force: true });
  };
  const stop = async () => {
    await kill();
    if (opts.cleanup) rmSync(opts.cleanup, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/healthz`);
      // Up: healthy, or answering that it is misconfigured (a production environment as shipped).
      if (res.ok || res.status === 503) return { url, pid: child.pid ?? 0, output: () => out, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // The generated folder (opts.cleanup) stays for a retry; startWrangler removes it on giving up.
  await kill();
  throw new Error(`wrangler dev did not start on ${url}:\n${out}`);
}
