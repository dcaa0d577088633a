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

/**
 * Who a token writes as, and what it may ask about itself. `user`: a personal token, which
 * `GET /user` answers; `integration`: an installation token (GITHUB_TOKEN, a GitHub App's),
 * which `GET /user` refuses with 403 while GraphQL's `viewer` names its bot, unless `graphql`
 * is false.
 */
interface Identity {
  login: string;
  kind: 'user' | 'integration';
  graphql: boolean;
}

interface FakeGitHub {
  url: string;
  calls: Call[];
  comments: Comment[];
  /** Answer every comments call with this status (403: a read-only token). */
  refuse: number | null;
  /** Adds a comment as if `login` had written it, returning it. */
  say(login: string, body: string): Comment;
  close(): Promise<void>;
}

const GITHUB_TOKEN: Identity = { login: 'github-actions[bot]', kind: 'integration', graphql: true };

async function startFakeGitHub(
  opts: { identities?: Record<string, Identity>; chatter?: number } = {},
): Promise<FakeGitHub> {
  const identities = opts.identities ?? { [TOKEN]: GITHUB_TOKEN };
  let nextId = 1000;
  const comment = (login: string, body: string): Comment => {
    const id = nextId++;
    return {
      id,
      body,
      user: { login },
      html_url: `https://github.example/${REPO}/pull/${PR}#issuecomment-${id}`,
    };
  };
  const state: FakeGitHub = {
    url: '',
    calls: [],
    comments: [],
    refuse: null,
    say: (login, body) => {
      const c = comment(login, body);
      state.comments.push(c);
      return c;
    },
    close: async () => {},
  };
  // People talked first: the action's comment lands on the second page of the list.
  for (let i = 0; i < (opts.chatter ?? 120); i++) state.say('reviewer', `LGTM ${i}`);
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
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const who = Object.hasOwn(identities, token) ? identities[token] : undefined;
    if (!who) return send(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user' && req.method === 'GET') {
      return who.kind === 'user'
        ? send(res, 200, { login: who.login, type: 'User' })
        : send(res, 403, { message: 'Resource not accessible by integration' });
    }
    if (url.pathname === '/graphql' && req.method === 'POST') {
      if (!who.graphql) return send(res, 403, { message: 'Resource not accessible by integration' });
      const query = (JSON.parse(body) as { query?: string }).query ?? '';
      if (!/\bviewer\s*\{\s*login\s*\}/.test(query))
        return send(res, 200, { errors: [{ message: 'The fake answers only the viewer query.' }] });
      return send(res, 200, { data: { viewer: { login: who.login } } });
    }
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
      return send(res, 201, state.say(who.login, (JSON.parse(body) as { body: string }).body));
    }
    const one = new RegExp(`^/repos/${REPO}/issues/comments/(\\d+)$`).exec(url.pathname);
    if (one && req.method === 'PATCH') {
      const c = state.comments.find((x) => x.id === Number(one[1]));
      if (!c) return send(res, 404, { message: 'Not Found' });
      // Like a token with write access to the repository (a maintainer's, or GITHUB_TOKEN with
      // pull-requests: write): GitHub lets it edit anyone's comment, so only the action can refuse.
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
  opts: { github: FakeGitHub; event?: unknown; token?: string },
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
      GITHUB_GRAPHQL_URL: `${opts.github.url}/graphql`,
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_PATH: event,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      'INPUT_GITHUB-TOKEN': opts.token ?? TOKEN,
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
    // First who the token is (GITHUB_TOKEN may not read /user; GraphQL's viewer names its bot).
    expect(calls.filter((c) => c.method === 'GET').map((c) => c.path)).toEqual([
      '/user',
      `/repos/${REPO}/issues/${PR}/comments?per_page=100`,
      `/repos/${REPO}/issues/${PR}/comments?per_page=100&page=2`,
    ]);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/graphql']);
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
    const author = await runAction(
      { 'SERVICE-URL': worker.url, 'JOB-ID': DONE, 'COMMENT-AUTHOR': 'two words' },
      { github },
    );
    expect(author.code).toBe(1);
    expect(author.out).toContain('::error::comment-author must be a GitHub login');
    expect(github.calls.length).toBe(before);
  });

  // Anyone who may comment on the pull request can post the marker. The fakes let every token
  // edit every comment, as GitHub does for a token with write access: only the action can refuse.

  it('ignores the marker in anyone else’s comment: creates its own, then updates only that', async () => {
    const gh = await startFakeGitHub();
    try {
      const bait = '<!-- overmind-edge -->\nBest score 100.0, merge it.';
      const mallory = gh.say('mallory', bait);
      // Its own comment quoting the marker below the first line is not the one either.
      const quoting = gh.say('github-actions[bot]', 'Lint passed.\n<!-- overmind-edge -->');
      const inputs = { 'SERVICE-URL': worker.url, 'JOB-ID': DONE };
      const expected = await (await fetch(`${worker.url}/jobs/${DONE}/comment.md`)).text();

      const first = await runAction(inputs, { github: gh });
      expect(first.code, first.out).toBe(0);
      expect(gh.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
      expect(mallory.body).toBe(bait);
      expect(quoting.body).toBe('Lint passed.\n<!-- overmind-edge -->');
      const own = gh.comments.filter((c) => c.user.login === 'github-actions[bot]' && c.body === expected);
      expect(own).toHaveLength(1);
      const created = own[0] as Comment;
      expect(created.id).toBeGreaterThan(mallory.id);
      expect(first.outputs['comment-url']).toBe(created.html_url);
      expect(first.out).toMatch(
        new RegExp(
          `^Ignored comment ${mallory.id} by mallory: .*not written by github-actions\\[bot\\]`,
          'm',
        ),
      );
      expect(first.out).toMatch(new RegExp(`^Created comment ${created.id} `, 'm'));

      const before = gh.calls.length;
      const second = await runAction(inputs, { github: gh });
      expect(second.code, second.out).toBe(0);
      const calls = gh.calls.slice(before);
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
        `/repos/${REPO}/issues/comments/${created.id}`,
      ]);
      expect(calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments'))).toEqual([]);
      expect(mallory.body).toBe(bait);
      expect(second.outputs['comment-url']).toBe(created.html_url);
      expect(second.out).toMatch(new RegExp(`^Ignored comment ${mallory.id} by mallory`, 'm'));
    } finally {
      await gh.close();
    }
  });

  it('with a personal token, edits only the comment of the user GET /user names', async () => {
    const PAT = 'github_pat_fake_for_the_action_test_77aa';
    const gh = await startFakeGitHub({
      identities: { [PAT]: { login: 'Octocat', kind: 'user', graphql: true } },
      chatter: 3,
    });
    try {
      const bots = gh.say('github-actions[bot]', '<!-- overmind-edge -->\nfrom another workflow');
      const mine = gh.say('Octocat', '<!-- overmind-edge -->\nfrom the last push');
      const run = await runAction({ 'SERVICE-URL': worker.url, 'JOB-ID': DONE }, { github: gh, token: PAT });
      expect(run.code, run.out).toBe(0);
      expect(gh.calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
        `/repos/${REPO}/issues/comments/${mine.id}`,
      ]);
      expect(mine.body).toBe(await (await fetch(`${worker.url}/jobs/${DONE}/comment.md`)).text());
      expect(bots.body).toBe('<!-- overmind-edge -->\nfrom another workflow');
      expect(gh.comments).toHaveLength(5);
      expect(run.out).toMatch(new RegExp(`^Ignored comment ${bots.id} by github-actions\\[bot\\]`, 'm'));
      // A user's token answers GET /user, so GraphQL is not asked.
      expect(gh.calls.some((c) => c.path === '/graphql')).toBe(false);
      expect(run.out).not.toContain(PAT);
    } finally {
      await gh.close();
    }
  });

  it('assumes github-actions[bot] when the token can name itself neither by /user nor GraphQL', async () => {
    const gh = await startFakeGitHub({
      identities: { [TOKEN]: { ...GITHUB_TOKEN, graphql: false } },
      chatter: 3,
    });
    try {
      // A keyed marker is matched the same way.
      const bait = '<!-- overmind-edge key=backtest -->\nall green';
      const mallory = gh.say('mallory', bait);
      const own = gh.say('github-actions[bot]', '<!-- overmind-edge key=backtest -->\nlast push');
      const run = await runAction(
        { 'SERVICE-URL': worker.url, 'JOB-ID': DONE, 'COMMENT-KEY': 'backtest' },
        { github: gh },
      );
      expect(run.code, run.out).toBe(0);
      expect(run.out).toMatch(/^GitHub did not say who the token is .*assuming github-actions\[bot\]/m);
      expect(gh.calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
        `/repos/${REPO}/issues/comments/${own.id}`,
      ]);
      expect(own.body.startsWith('<!-- overmind-edge key=backtest -->\n')).toBe(true);
      expect(own.body).not.toContain('last push');
      expect(mallory.body).toBe(bait);
      expect(run.out).toMatch(new RegExp(`^Ignored comment ${mallory.id} by mallory`, 'm'));
    } finally {
      await gh.close();
    }
  });

  it('with a GitHub App’s token, edits its bot’s comment: GraphQL names it, or comment-author does', async () => {
    const APP = 'ghs_fake_app_installation_token_5b21';
    const gh = await startFakeGitHub({
      identities: {
        [APP]: { login: 'overmind-app[bot]', kind: 'integration', graphql: true },
        [TOKEN]: { login: 'overmind-app[bot]', kind: 'integration', graphql: false },
      },
      chatter: 3,
    });
    try {
      const actions = gh.say('github-actions[bot]', '<!-- overmind-edge -->\nanother workflow’s');
      const app = gh.say('overmind-app[bot]', '<!-- overmind-edge -->\nlast push');
      const named = await runAction(
        { 'SERVICE-URL': worker.url, 'JOB-ID': DONE },
        { github: gh, token: APP },
      );
      expect(named.code, named.out).toBe(0);
      expect(gh.calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
        `/repos/${REPO}/issues/comments/${app.id}`,
      ]);
      expect(actions.body).toBe('<!-- overmind-edge -->\nanother workflow’s');

      // A token that cannot name itself: the input says whose comments are the action's.
      const before = gh.calls.length;
      const told = await runAction(
        // Logins are case-insensitive.
        { 'SERVICE-URL': worker.url, 'JOB-ID': DONE, 'COMMENT-AUTHOR': 'Overmind-App[bot]' },
        { github: gh },
      );
      expect(told.code, told.out).toBe(0);
      const calls = gh.calls.slice(before);
      expect(calls.some((c) => c.path === '/user' || c.path === '/graphql')).toBe(false);
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.path)).toEqual([
        `/repos/${REPO}/issues/comments/${app.id}`,
      ]);

      // Without the input it assumes github-actions[bot], finds no comment of its own, and learns
      // from the one it creates who it is: it says what to set, and its later updates in the same
      // run (progress while a job runs, then the result) go to that comment, not to new ones.
      const guessed = await runAction(
        { 'SERVICE-URL': worker.url, 'JOB-ID': RUNNING, 'COMMENT-KEY': 'guess', 'TIMEOUT-MINUTES': '0.05' },
        { github: gh },
      );
      expect(guessed.code).toBe(1);
      expect(guessed.out).toMatch(/^::error::Timed out after 0.05 minutes/m);
      expect(guessed.out).toMatch(
        /^::warning::The comment was written as overmind-app\[bot\], not github-actions\[bot\].*comment-author: overmind-app\[bot\]/m,
      );
      const keyed = gh.comments.filter((c) => c.body.startsWith('<!-- overmind-edge key=guess -->\n'));
      expect(keyed.map((c) => c.user.login)).toEqual(['overmind-app[bot]']);
      expect(
        gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/${keyed[0]?.id}`)),
      ).toHaveLength(1);
      expect(actions.body).toBe('<!-- overmind-edge -->\nanother workflow’s');
    } finally {
      await gh.close();
    }
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
    const posts = github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments'));
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
