import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedJob } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';

// The GitHub Action's script (action/index.mjs), run as the runner runs it (node, INPUT_* and
// GITHUB_* variables, files for the event, outputs and step summary) against `wrangler dev`
// and a fake GitHub API on loopback that records every call.

const TOKEN = 'ghs_fake_token_for_the_action_test_3c9d';
const REPO = 'octo/widgets';
const PR = 7;
const DONE = '8ce33afb-9615-424d-b217-d5d56cda17ef';
const BASE = '22e5e8e3-88e3-489f-a841-d5f8be7c0393';
const FAILED = '18957d62-d711-401b-88d0-a3a8e27730ca';
const RUNNING = '7635458b-2945-40ea-8bb6-c8ca90a71ed4';

interface Comment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

interface Call {
  method: string;
  path: string;
  auth: string | undefined;
  body?: string;
}

interface FakeGitHub {
  url: string;
  calls: Call[];
  comments: Comment[];
  /** Answer every comments call with this status (403: a read-only token). */
  refuse: number | null;
  close(): Promise<void>;
}

async function startFakeGitHub(): Promise<FakeGitHub> {
  const state: FakeGitHub = { url: '', calls: [], comments: [], refuse: null, close: async () => {} };
  let nextId = 1000;
  // People talked first: the action's comment lands on the second page of the list.
  for (let i = 0; i < 120; i++) {
    state.comments.push({ id: nextId++, body: `LGTM ${i}`, user: { login: 'reviewer' }, html_url: '' });
  }
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', state.url);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    state.calls.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      auth: req.headers.authorization,
      body,
    });
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return send(res, 401, { message: 'Bad credentials' });
    if (state.refuse) return send(res, state.refuse, { message: 'Resource not accessible by integration' });
    const list = new RegExp(`^/repos/${REPO}/issues/${PR}/comments$`);
    if (list.test(url.pathname) && req.method === 'GET') {
      const per = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const items = state.comments.slice((page - 1) * per, page * per);
      const last = Math.max(1, Math.ceil(state.comments.length / per));
      const link =
        page < last
          ? {
              Link: `<${state.url}${url.pathname}?per_page=${per}&page=${page + 1}>; rel="next", <${state.url}${url.pathname}?per_page=${per}&page=${last}>; rel="last"`,
            }
          : {};
      return send(res, 200, items, link);
    }
    if (list.test(url.pathname) && req.method === 'POST') {
      const c = {
        id: nextId++,
        body: (JSON.parse(body) as { body: string }).body,
        user: { login: 'github-actions[bot]' },
        html_url: '',
      };
      c.html_url = `https://github.example/${REPO}/pull/${PR}#issuecomment-${c.id}`;
      state.comments.push(c);
      return send(res, 201, c);
    }
    const one = new RegExp(`^/repos/${REPO}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (one && req.method === 'PATCH') {
      const c = state.comments.find((x) => x.id === Number(one[1]));
      if (!c) return send(res, 404, { message: 'Not Found' });
      c.body = (JSON.parse(body) as { body: string }).body;
      return send(res, 200, c);
    }
    return send(res, 404, { message: 'Not Found' });
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  state.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  state.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

interface Run {
  code: number | null;
  out: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Runs the action's script like the runner: inputs as INPUT_*, the event, outputs and summary as files. */
async function runAction(
  inputs: Record<string, string>,
  opts: { github: FakeGitHub; event?: unknown },
): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'overmind-action-'));
  try {
    const event = join(dir, 'event.json');
    const output = join(dir, 'output');
    const summary = join(dir, 'summary.md');
    writeFileSync(event, JSON.stringify(opts.event ?? prEvent(false)));
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      GITHUB_API_URL: opts.github.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_PATH: event,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      'INPUT_GITHUB-TOKEN': TOKEN,
      INPUT_WAIT: 'true',
      'INPUT_TIMEOUT-MINUTES': '2',
    };
    for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
    const child = spawn(process.execPath, [join(ROOT, 'action/index.mjs')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return {
      code,
      out,
      outputs: parseOutputs(readFileSync(output, 'utf8')),
      summary: readFileSync(summary, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runner's GITHUB_OUTPUT format, `name<<delimiter\nvalue\ndelimiter`. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] ?? ''] = m[3] ?? '';
  return out;
}

function prEvent(fork: boolean) {
  const base = { full_name: REPO, fork: false };
  return {
    action: 'synchronize',
    number: PR,
    pull_request: {
      number: PR,
      head: { repo: fork ? { full_name: 'stranger/widgets', fork: true } : base },
      base: { repo: base },
    },
    repository: base,
  };
}

const ours = (g: FakeGitHub) => g.comments.filter((c) => c.user.login === 'github-actions[bot]');

describe('the action against wrangler dev (demo mode)', () => {
  let worker: RunningWorker;
  let github: FakeGitHub;
  beforeAll(async () => {
    [worker, github] = await Promise.all([startWrangler({ MISS_RATE_LIMIT: 'off' }), startFakeGitHub()]);
  });
  afterAll(async () => {
    await Promise.all([worker?.stop(), github?.close()]);
  });

  it('creates the comment on the first run and updates the same one on the second', async () => {
    const inputs = { 'SERVICE-URL': worker.url, 'JOB-ID': DONE, 'BASE-JOB-ID': BASE };
    const first = await runAction(inputs, { github });
    expect(first.code, first.out).toBe(0);
    expect(ours(github)).toHaveLength(1);
    const created = ours(github)[0] as Comment;
    const expected = await (await fetch(`${worker.url}/jobs/${DONE}/comment.md?base=${BASE}`)).text();
    expect(created.body).toBe(expected);
    expect(created.body.split('\n')[0]).toBe('<!-- overmind-edge -->');

    const summary = (await (await fetch(`${worker.url}/api/jobs/${DONE}/summary`)).json()) as {
      best_score: number;
      improvement: number;
      links: { report: string };
    };
    const base = (await (await fetch(`${worker.url}/api/jobs/${BASE}/summary`)).json()) as {
      best_score: number;
    };
    expect(first.outputs).toEqual({
      'best-score': String(summary.best_score),
      improvement: String(summary.improvement),
      change: String(Math.round((summary.best_score - base.best_score) * 10) / 10),
      'report-url': summary.links.report,
      'comment-url': created.html_url,
    });
    expect(first.summary).toContain(expected.trim());

    const before = github.calls.length;
    const second = await runAction(inputs, { github });
    expect(second.code, second.out).toBe(0);
    expect(ours(github)).toHaveLength(1);
    expect(github.comments).toHaveLength(121);
    const calls = github.calls.slice(before);
    // Both pages of the list were read to find it, then the one comment was edited.
    expect(calls.filter((c) => c.method === 'GET').map((c) => c.path)).toEqual([
      `/repos/${REPO}/issues/${PR}/comments?per_page=100`,
      `/repos/${REPO}/issues/${PR}/comments?per_page=100&page=2`,
    ]);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
      `/repos/${REPO}/issues/comments/${created.id}`,
    ]);
    // The token went only to GitHub, and never to the log.
    expect(github.calls.every((c) => c.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(first.out + second.out).not.toContain(TOKEN);
  });

  it('keeps a keyed comment apart from the default one', async () => {
    const run = await runAction(
      { 'SERVICE-URL': worker.url, 'JOB-ID': BASE, 'COMMENT-KEY': 'backtest' },
      { github },
    );
    expect(run.code, run.out).toBe(0);
    const keyed = ours(github).filter((c) => c.body.startsWith('<!-- overmind-edge key=backtest -->\n'));
    expect(keyed).toHaveLength(1);
    expect(ours(github).filter((c) => c.body.startsWith('<!-- overmind-edge -->\n'))).toHaveLength(1);
  });

  it('fails the step with the job’s message when the job failed, after commenting', async () => {
    const run = await runAction(
      { 'SERVICE-URL': worker.url, 'JOB-ID': FAILED, 'COMMENT-KEY': 'failed' },
      { github },
    );
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      new RegExp(
        `^::error::Overmind job ${FAILED} failed: Run failed: the LLM judge \\(claude-sonnet-4-5\\) returned 529 overloaded_error`,
        'm',
      ),
    );
    const comment = ours(github).find((c) => c.body.startsWith('<!-- overmind-edge key=failed -->'));
    expect(comment?.body).toContain('❌ **Failed**');
    expect(run.outputs['report-url']).toBe(`${worker.url}/jobs/${FAILED}`);
  });

  it('says why when the token cannot comment: a fork’s read-only token, or missing permissions', async () => {
    github.refuse = 403;
    try {
      const fork = await runAction(
        { 'SERVICE-URL': worker.url, 'JOB-ID': DONE },
        { github, event: prEvent(true) },
      );
      expect(fork.code).toBe(1);
      expect(fork.out).toContain('::error::GitHub answered 403 (Resource not accessible by integration)');
      expect(fork.out).toContain('This pull request comes from a fork');
      expect(fork.out).toContain('pull_request_target');
      expect(fork.out).toContain('permissions: pull-requests: write');
      const own = await runAction(
        { 'SERVICE-URL': worker.url, 'JOB-ID': DONE },
        { github, event: prEvent(false) },
      );
      expect(own.code).toBe(1);
      expect(own.out).toContain('give the job `permissions: pull-requests: write`');
      expect(own.out).not.toContain('fork');
    } finally {
      github.refuse = null;
    }
  });

  it('stops waiting at its timeout with the progress so far in the comment; wait: false does not wait', async () => {
    const slow = await runAction(
      { 'SERVICE-URL': worker.url, 'JOB-ID': RUNNING, 'COMMENT-KEY': 'running', 'TIMEOUT-MINUTES': '0.05' },
      { github },
    );
    expect(slow.code).toBe(1);
    expect(slow.out).toMatch(
      new RegExp(`^::error::Timed out after 0.05 minutes waiting for job ${RUNNING}, still running`, 'm'),
    );
    const comment = ours(github).find((c) => c.body.startsWith('<!-- overmind-edge key=running -->'));
    expect(comment?.body).toContain('⏳ **Running**');
    const now = await runAction(
      { 'SERVICE-URL': worker.url, 'JOB-ID': RUNNING, 'COMMENT-KEY': 'running', WAIT: 'false' },
      { github },
    );
    expect(now.code, now.out).toBe(0);
    expect(ours(github).filter((c) => c.body.startsWith('<!-- overmind-edge key=running -->'))).toHaveLength(
      1,
    );
  });

  it('rejects bad inputs before calling anything', async () => {
    const before = github.calls.length;
    const run = await runAction({ 'SERVICE-URL': worker.url, 'JOB-ID': 'not-a-job' }, { github });
    expect(run.code).toBe(1);
    expect(run.out).toContain('::error::job-id must be a job');
    expect(github.calls.length).toBe(before);
  });
});

describe('the action waiting for a job that finishes', () => {
  const ID = '3f0c2a51-9d1e-4c7b-8a6f-2b5e4d3c1a09';
  const KEY = 'ovr_action_e2e_key_4e1f';
  let upstream: Server;
  let worker: RunningWorker;
  let github: FakeGitHub;
  const seen: string[] = [];
  let runningSince = 0;
  const done = generatedJob(ID);

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.headers['x-api-key'] !== KEY || req.url !== `/api/jobs/${ID}/`) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        return res.end('{"detail":"Not found.","code":"not_found"}');
      }
      // First a throttle with Retry-After, then running for a few seconds, then done.
      if (seen.length === 0) {
        seen.push('429');
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        return res.end('{"detail":"Request was throttled."}');
      }
      runningSince ||= Date.now();
      const finished = Date.now() - runningSince > 4000;
      seen.push(finished ? 'completed' : 'running');
      const job = finished
        ? done
        : {
            ...done,
            status: 'running',
            best_score: null,
            improvement: null,
            report_markdown: null,
            iterations: (done.iterations as unknown[]).slice(0, 2),
          };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(job));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const addr = upstream.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    [worker, github] = await Promise.all([
      startWrangler({
        UPSTREAM_URL: `http://127.0.0.1:${port}`,
        OVERMIND_API_KEY: KEY,
        TTL_ACTIVE_SECONDS: '1',
        STALE_WHILE_REVALIDATE_SECONDS: '0',
        MISS_RATE_LIMIT: 'off',
      }),
      startFakeGitHub(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([worker?.stop(), github?.close()]);
    await new Promise((r) => upstream?.close(r));
  });

  it('honours Retry-After, shows progress while it waits, and ends with the finished run', async () => {
    const run = await runAction({ 'SERVICE-URL': worker.url, 'JOB-ID': ID }, { github });
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/trying again in 1 s \(Retry-After\)/);
    expect(seen[0]).toBe('429');
    expect(seen).toContain('running');
    expect(seen.at(-1)).toBe('completed');
    // The comment was written while the job ran, then brought up to date in place.
    const posts = github.calls.filter((c) => c.method === 'POST');
    const patches = github.calls.filter((c) => c.method === 'PATCH');
    expect(posts).toHaveLength(1);
    expect((JSON.parse(posts[0]?.body ?? '{}') as { body: string }).body).toContain('⏳ **Running**');
    expect(patches.length).toBeGreaterThanOrEqual(1);
    const final = ours(github);
    expect(final).toHaveLength(1);
    expect(final[0]?.body).toContain('✅ **Completed**');
    expect(run.outputs['best-score']).toBe(String(done.best_score));
    expect(run.outputs).toMatchObject({ 'report-url': `${worker.url}/jobs/${ID}` });
  });
});
