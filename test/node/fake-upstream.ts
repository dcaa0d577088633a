// A fake Overmind upstream on loopback, for `wrangler dev` by hand, the soak and the benchmarks.
// It serves the demo jobs (and any other UUID as a generated job when GENERATE=1), counts
// calls, and injects faults on demand:
//
//   PORT=9000 EXPECT_KEY=ovr_local node test/node/fake-upstream.ts
//   curl -X POST localhost:9000/__control -d '{"mode":"500"}'      # every answer a 500
//   curl -X POST localhost:9000/__control -d '{"errorRate":0.1,"timeoutRate":0.05}'
//   curl localhost:9000/__stats
//   curl -X POST localhost:9000/__jobs -d @job.json                # add or replace a job (a live one moves)
//
// Node 22 runs this file directly (type stripping); it imports nothing outside the repo.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DEMO_JOBS } from '../../src/demo-data.ts';

export type FaultMode =
  | 'ok'
  | 'slow'
  | 'timeout'
  | '500'
  | '502'
  | '503'
  | '429'
  | '429-no-retry'
  | '401'
  | '403'
  | '404-json'
  | '404-html'
  | 'reset'
  | 'truncated'
  | 'schema'
  | 'huge'
  | 'trickle'
  | 'html';

export interface Control {
  mode: FaultMode;
  /** Share of requests answered 500/502/503 at random (soak). */
  errorRate: number;
  /** Share of requests never answered (soak). */
  timeoutRate: number;
  /** Added delay for every answer, ms. */
  delayMs: number;
  /** Answer any UUID with a generated job, so load can spread over many distinct jobs. */
  generate: boolean;
}

export interface FakeUpstreamServer {
  server: Server;
  url: string;
  stats: { calls: number; byId: Record<string, number> };
  /** The jobs served, by id: set one to change what the next call answers. */
  jobs: Map<string, Record<string, unknown>>;
  control: Control;
  close(): Promise<void>;
}

const demo = new Map<string, Record<string, unknown>>();
for (const j of DEMO_JOBS) {
  const job = j as Record<string, unknown>;
  demo.set(String(job.id), job);
}

/** A small, valid job for any id: what GENERATE serves. */
export function generatedJob(id: string): Record<string, unknown> {
  const seed = parseInt(id.slice(0, 8), 16) || 1;
  const baseline = 40 + (seed % 30);
  const iterations = Array.from({ length: 5 }, (_, i) => ({
    id: `${id.slice(0, 24)}${String(i).padStart(12, '0')}`,
    created_at: `2026-11-0${i + 1}T10:00:00Z`,
    iteration_name: `iter_00${i + 1}`,
    job: id,
    agent_code: `def run(x):\n    return x * ${i + 1}\n`,
    avg_score: baseline + i * 2,
    description: `Generated round ${i + 1}`,
    dimension_scores: {
      avg_answer: baseline / 2 + i,
      avg_structure: baseline / 2 + i,
      avg_consistency_penalty: -0.5,
    },
    order: i + 1,
    status: i % 2 === 0 ? 'keep' : 'discard',
  }));
  return {
    id,
    created_at: '2026-11-01T09:00:00Z',
    updated_at: '2026-11-06T09:00:00Z',
    iterations,
    job_type: 'prompt_tuning',
    status: 'completed',
    prompt_slug: `generated-${id.slice(0, 8)}`,
    baseline_score: baseline,
    best_score: baseline + 8,
    improvement: 8,
    num_iterations: 5,
    candidates_per_iteration: 3,
    analyzer_model: 'claude-sonnet-4-5',
    data_source: 'dataset',
    report_markdown: `# Generated Optimization Report\n\n| Baseline | Best |\n|---|---|\n| ${baseline} | ${baseline + 8} |\n`,
  };
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json', extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Who may read what, by key, like the real upstream's project-scoped keys: 200, 401, 403 or 404. */
export type Access = (key: string | undefined, id: string) => 200 | 401 | 403 | 404;

export function startFakeUpstream(
  opts: {
    port?: number;
    expectKey?: string;
    /** Instead of expectKey: decides per key and job (share-link minting checks the caller's key). */
    access?: Access;
    control?: Partial<Control>;
    jobs?: readonly unknown[];
  } = {},
): Promise<FakeUpstreamServer> {
  const known = new Map(demo);
  for (const j of opts.jobs ?? []) known.set(String((j as { id: unknown }).id), j as Record<string, unknown>);
  const control: Control = {
    mode: 'ok',
    errorRate: 0,
    timeoutRate: 0,
    delayMs: 0,
    generate: false,
    ...opts.control,
  };
  const stats = { calls: 0, byId: {} as Record<string, number> };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/__stats') return send(res, 200, JSON.stringify(stats));
    if (url.pathname === '/__control' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      Object.assign(control, JSON.parse(raw || '{}') as Partial<Control>);
      return send(res, 200, JSON.stringify(control));
    }
    if (url.pathname === '/__jobs' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const job = JSON.parse(raw) as Record<string, unknown>;
      known.set(String(job.id), job);
      return send(res, 200, '{}');
    }
    if (url.pathname === '/__reset' && req.method === 'POST') {
      stats.calls = 0;
      stats.byId = {};
      return send(res, 200, '{}');
    }
    const m = /^\/api\/jobs\/([^/]+)\/$/.exec(url.pathname);
    if (!m) return send(res, 404, '<html><body>Not Found</body></html>', 'text/html');
    const id = decodeURIComponent(m[1] ?? '');
    stats.calls++;
    stats.byId[id] = (stats.byId[id] ?? 0) + 1;

    const header = req.headers['x-api-key'];
    const verdict = opts.access?.(typeof header === 'string' ? header : undefined, id);
    if (verdict === 403) {
      return send(res, 403, '{"detail":"You do not have permission to perform this action."}');
    }
    if (verdict === 404) return send(res, 404, '{"detail":"Not found.","code":"not_found"}');
    if (verdict === 401 || (opts.expectKey && header !== opts.expectKey)) {
      return send(
        res,
        401,
        '{"detail":"Authentication credentials were not provided.","code":"not_authenticated"}',
        'application/json',
        {
          'WWW-Authenticate': 'Bearer',
        },
      );
    }
    if (control.delayMs > 0) await new Promise((r) => setTimeout(r, control.delayMs));
    const roll = Math.random();
    let mode = control.mode;
    if (roll < control.timeoutRate) mode = 'timeout';
    else if (roll < control.timeoutRate + control.errorRate)
      mode = (['500', '502', '503'] as const)[Math.floor(Math.random() * 3)] ?? '500';

    const job = known.get(id) ?? (control.generate ? generatedJob(id) : undefined);
    const body = job ? JSON.stringify(job) : undefined;
    switch (mode) {
      case 'ok':
        return body ? send(res, 200, body) : send(res, 404, '{"detail":"Not found.","code":"not_found"}');
      case 'slow':
        await new Promise((r) => setTimeout(r, 1000));
        return body ? send(res, 200, body) : send(res, 404, '{"detail":"Not found.","code":"not_found"}');
      case 'timeout':
        return; // never answers; the socket stays open until the client gives up
      case '500':
      case '502':
      case '503':
        return send(res, Number(mode), '{"detail":"A server error occurred.","error_id":"e-123"}');
      case '429':
        return send(res, 429, '{"detail":"Request was throttled."}', 'application/json', {
          'Retry-After': '7',
        });
      case '429-no-retry':
        return send(res, 429, '{"detail":"Request was throttled."}');
      case '401':
        return send(
          res,
          401,
          '{"detail":"Authentication credentials were not provided.","code":"not_authenticated"}',
        );
      case '403':
        return send(res, 403, '{"detail":"You do not have permission to perform this action."}');
      case '404-json':
        return send(res, 404, '{"detail":"Not found.","code":"not_found"}');
      case '404-html':
        return send(res, 404, '<!doctype html><title>Not Found</title>', 'text/html');
      case 'reset':
        req.socket.destroy();
        return;
      case 'truncated':
        return send(res, 200, (body ?? '{"id":"').slice(0, 100));
      case 'schema':
        return send(res, 200, JSON.stringify({ ...(job ?? { id }), iterations: 'not a list' }));
      case 'huge': {
        const big = JSON.stringify({ ...(job ?? { id }), report_markdown: 'x'.repeat(20 * 1024 * 1024) });
        return send(res, 200, big);
      }
      case 'trickle': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const text = body ?? '{}';
        for (let i = 0; i < text.length && !res.destroyed; i += 16) {
          res.write(text.slice(i, i + 16));
          await new Promise((r) => setTimeout(r, 200));
        }
        return res.end();
      }
      case 'html':
        return send(res, 200, '<!doctype html><title>Login</title>', 'text/html');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, '{"detail":"fake upstream crashed"}');
    });
  });
  return new Promise((resolve) => {
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        stats,
        jobs: known,
        control,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 9000);
  const up = await startFakeUpstream({
    port,
    expectKey: process.env.EXPECT_KEY,
    control: { generate: process.env.GENERATE === '1' },
  });
  console.log(`fake upstream on ${up.url} (demo jobs${process.env.GENERATE === '1' ? ' + generated' : ''})`);
}
