// @ts-check
/* global AbortSignal, URLSearchParams */
// The overmind-edge GitHub Action (../action.yml): waits for an Overmind job, then creates or
// updates the one pull-request comment whose first line is the service's marker and whose author
// is the identity the token writes as, so the same comment follows the pull request across pushes
// and nobody else's comment is ever edited. Node's own modules only: nothing to install, nothing
// bundled. The service is polled at /api/jobs/{id}/summary no faster than its answers' max-age,
// honouring Retry-After and backing off after failures; the comment is /jobs/{id}/comment.md.

import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A GitHub login: a user's or organisation's, or an app's bot (`slug[bot]`). */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
/** Who GITHUB_TOKEN writes as. */
const ACTIONS_BOT = 'github-actions[bot]';
/** How many ignored look-alike comments are named one by one in the log. */
const IGNORED_NAMED = 5;
const USER_AGENT = 'overmind-edge-action';
/** Longest pause between two polls, and after a failure. */
const MAX_DELAY_S = 60;
/** While waiting, the comment is brought up to date at most this often. */
const PROGRESS_UPDATE_S = 60;
const REQUEST_TIMEOUT_MS = 30_000;

class ActionError extends Error {}

// ---------------------------------------------------------------------------
// The runner's interface: inputs, outputs, log commands.

/** @param {string} name @param {string} [fallback] */
function input(name, fallback = '') {
  const v = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return v == null || v.trim() === '' ? fallback : v.trim();
}

/** Text from the job or GitHub on one line, so it can never start a workflow command. */
function oneLine(/** @type {unknown} */ s) {
  return String(s).replace(/[\r\n]+/g, ' ');
}

/** Workflow-command data: https://docs.github.com/actions/reference/workflow-commands-for-github-actions */
function commandData(/** @type {string} */ s) {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

const log = (/** @type {string} */ s) => console.log(oneLine(s));
const warning = (/** @type {string} */ s) => console.log(`::warning::${commandData(s)}`);
const error = (/** @type {string} */ s) => console.log(`::error::${commandData(s)}`);

/** @param {string} name @param {string} value */
function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) {
    log(`output ${name}=${value}`);
    return;
  }
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

/** @param {string} markdown */
function stepSummary(markdown) {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file) appendFileSync(file, `${markdown}\n`);
}

// ---------------------------------------------------------------------------
// HTTP

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or null. */
function retryAfter(/** @type {Response} */ res) {
  const v = res.headers.get('Retry-After');
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : null;
}

/** The answer's max-age, in seconds, or null. */
function maxAge(/** @type {Response} */ res) {
  const m = /(?:^|,)\s*max-age=(\d+)/i.exec(res.headers.get('Cache-Control') ?? '');
  return m ? Number(m[1]) : null;
}

/** @param {Response} res */
async function bodyJson(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

/**
 * A GET to the service. Transient failures (network, 5xx, 429) are retried until `deadline`,
 * after Retry-After when the service sends one, else backing off 2, 4, 8 … 60 s.
 * @param {string} url @param {number} deadline ms epoch
 */
async function serviceGet(url, deadline) {
  for (let failures = 0; ; failures++) {
    /** @type {Response | null} */
    let res = null;
    let why = '';
    try {
      res = await fetch(url, {
        headers: { 'User-Agent': USER_AGENT },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (res.status < 500 && res.status !== 429) return res;
      const body = await bodyJson(res);
      why = `${res.status} ${body.code ?? ''} ${body.detail ?? ''}`.trim();
    } catch (err) {
      why = String(err instanceof Error ? err.message : err);
    }
    const asked = res ? retryAfter(res) : null;
    const delay = asked ?? Math.min(MAX_DELAY_S, 2 ** (failures + 1));
    if (Date.now() + delay * 1000 > deadline) {
      throw new ActionError(`The service did not answer ${url}: ${why}.`);
    }
    log(`The service answered ${why}; trying again in ${delay} s${asked != null ? ' (Retry-After)' : ''}.`);
    await sleep(delay * 1000);
  }
}

// ---------------------------------------------------------------------------
// GitHub

/**
 * @typedef {{ api: string, graphql: string, repo: string, token: string, pr: number, fork: boolean,
 *   author: string | null }} GitHub
 * `author`: the login whose comments the action may edit, from the comment-author input or, when
 * empty, learnt from GitHub before the first comment.
 * @typedef {{ id: number, body?: string | null, html_url?: string, user?: { login?: string } | null }} IssueComment
 */

/**
 * A call to GitHub's API, retried on 5xx and rate limits. Other failures throw with what to
 * change, except the statuses in `tolerate`, which are returned for the caller to judge.
 * @param {GitHub} gh @param {string} method @param {string} url @param {unknown} [body]
 * @param {number[]} [tolerate]
 */
async function githubRequest(gh, method, url, body, tolerate = []) {
  // The token goes only to the API's own origin, whatever a Link header says.
  if (new URL(url).origin !== new URL(gh.api).origin)
    throw new ActionError(`Refusing to send the token to ${url}.`);
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, {
      method,
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${gh.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': USER_AGENT,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (res.ok) return res;
    const wait = retryAfter(res);
    const limited =
      res.status === 429 ||
      (res.status === 403 && (wait != null || res.headers.get('x-ratelimit-remaining') === '0'));
    if ((res.status >= 500 || limited) && attempt < 3 && (wait ?? 5) <= MAX_DELAY_S) {
      log(`GitHub answered ${res.status}; trying again in ${wait ?? 5} s.`);
      await sleep((wait ?? 5) * 1000);
      continue;
    }
    if (!limited && tolerate.includes(res.status)) return res;
    const detail = oneLine((await bodyJson(res)).message ?? res.statusText);
    if (limited)
      throw new ActionError(
        `GitHub's API rate limit stopped the comment (${res.status}: ${detail}). Re-run the job later.`,
      );
    if (res.status === 401)
      throw new ActionError(`GitHub refused the token (401: ${detail}). Check the github-token input.`);
    if (res.status === 403 || res.status === 404)
      throw new ActionError(cannotComment(gh, res.status, detail));
    throw new ActionError(`GitHub answered ${method} ${new URL(url).pathname} with ${res.status}: ${detail}`);
  }
}

/** Why a 403/404 from the comments API means this token may not comment, and what to change. */
function cannotComment(/** @type {GitHub} */ gh, /** @type {number} */ status, /** @type {string} */ detail) {
  const said = `GitHub answered ${status} (${detail}) when the action tried to comment on pull request #${gh.pr} of ${gh.repo}.`;
  if (gh.fork) {
    return (
      `${said} This pull request comes from a fork: for \`on: pull_request\` GitHub gives the workflow a read-only token, so no step can comment. ` +
      'Comment from a workflow that runs in the base repository instead: `on: pull_request_target` (it gets a write token; do not check out or run the pull request’s code in that job), ' +
      'or a `workflow_run` workflow triggered by this one that passes `pull-request:` to this action. ' +
      'Either way the job needs `permissions: pull-requests: write`.'
    );
  }
  return (
    `${said} The token may not write comments here: give the job \`permissions: pull-requests: write\` ` +
    '(the default GITHUB_TOKEN is read-only in many repositories and organisations), or pass a token that may, as `github-token`.'
  );
}

/** The next page of a paginated list, from the Link header. */
function nextPage(/** @type {Response} */ res) {
  const link = res.headers.get('Link') ?? '';
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m?.[1]) return m[1];
  }
  return null;
}

/** GitHub logins are case-insensitive. */
const sameLogin = (/** @type {string} */ a, /** @type {string} */ b) => a.toLowerCase() === b.toLowerCase();

/**
 * The login the token writes comments as. A user's token (a PAT) answers GET /user. Installation
 * tokens (GITHUB_TOKEN, a GitHub App's) get 403 there, but GraphQL's `viewer` names their bot
 * (`github-actions[bot]`, `<app-slug>[bot]`). When neither answers, GITHUB_TOKEN's bot is assumed;
 * if that is wrong, the first comment created shows it (see upsertComment).
 * @param {GitHub} gh
 */
async function tokenLogin(gh) {
  const user = await githubRequest(gh, 'GET', `${gh.api}/user`, undefined, [403, 404]);
  const fromUser = user.ok ? (await bodyJson(user)).login : null;
  if (typeof fromUser === 'string' && LOGIN.test(fromUser)) {
    log(`The token acts as ${fromUser}: only comments by ${fromUser} are edited.`);
    return fromUser;
  }
  let why = `GET /user answered ${user.status}`;
  try {
    const res = await githubRequest(
      gh,
      'POST',
      gh.graphql,
      { query: 'query { viewer { login } }' },
      [400, 401, 403, 404, 422],
    );
    /** @type {any} */
    const answer = await bodyJson(res);
    const login = answer?.data?.viewer?.login;
    if (res.ok && typeof login === 'string' && LOGIN.test(login)) {
      log(`The token acts as ${login}: only comments by ${login} are edited.`);
      return login;
    }
    why += `, GraphQL's viewer ${res.ok ? 'gave no login' : `answered ${res.status}`}`;
  } catch (err) {
    why += `, GraphQL's viewer failed (${err instanceof Error ? err.message : String(err)})`;
  }
  log(
    `GitHub did not say who the token is (${why}); assuming ${ACTIONS_BOT}, as for GITHUB_TOKEN: only its comments are edited. ` +
      'For another app’s token, set comment-author to its `<app-slug>[bot]`.',
  );
  return ACTIONS_BOT;
}

/**
 * The comment whose first line is `marker` and whose author is `author`, if any (the oldest, so
 * it is stable). Anyone who may comment can post the marker: such comments are named in the log
 * and left alone.
 * @param {GitHub} gh @param {string} marker @param {string} author
 */
async function findComment(gh, marker, author) {
  /** @type {IssueComment[]} */
  const ignored = [];
  /** @type {IssueComment | null} */
  let found = null;
  /** @type {string | null} */
  let url = `${gh.api}/repos/${gh.repo}/issues/${gh.pr}/comments?per_page=100`;
  while (url && !found) {
    const res = await githubRequest(gh, 'GET', url);
    const page = /** @type {IssueComment[]} */ (await res.json());
    for (const c of page) {
      if ((c.body ?? '').split(/\r?\n/, 1)[0]?.trim() !== marker) continue;
      if (sameLogin(c.user?.login ?? '', author)) {
        found = c;
        break;
      }
      ignored.push(c);
    }
    url = nextPage(res);
  }
  for (const c of ignored.slice(0, IGNORED_NAMED)) {
    log(
      `Ignored comment ${c.id} by ${c.user?.login ?? 'a deleted user'}: it starts with ${marker} but was not written by ${author}, whose comments alone this action edits.`,
    );
  }
  if (ignored.length > IGNORED_NAMED)
    log(`Ignored ${ignored.length - IGNORED_NAMED} more comments starting with ${marker} by others.`);
  return found;
}

/**
 * Creates the comment, or updates the token's own one found by its first line.
 * @param {GitHub} gh @param {string} body
 */
async function upsertComment(gh, body) {
  const marker = body.split('\n', 1)[0]?.trim() ?? '';
  if (!/^<!--.*-->$/.test(marker))
    throw new ActionError('The service’s comment does not start with its marker line.');
  gh.author ??= await tokenLogin(gh);
  const existing = await findComment(gh, marker, gh.author);
  if (existing) {
    const res = await githubRequest(
      gh,
      'PATCH',
      `${gh.api}/repos/${gh.repo}/issues/comments/${existing.id}`,
      { body },
    );
    const updated = /** @type {IssueComment} */ (await res.json());
    log(`Updated comment ${existing.id} on pull request #${gh.pr}.`);
    return updated.html_url ?? '';
  }
  const res = await githubRequest(gh, 'POST', `${gh.api}/repos/${gh.repo}/issues/${gh.pr}/comments`, {
    body,
  });
  const created = /** @type {IssueComment} */ (await res.json());
  log(`Created comment ${created.id} on pull request #${gh.pr}.`);
  // GitHub's answer says for certain who the token writes as: if the input or the fallback was
  // wrong, the rest of this run updates this comment instead of adding more, and the log says
  // what to set so the next run finds it.
  const wrote = created.user?.login;
  if (typeof wrote === 'string' && LOGIN.test(wrote) && !sameLogin(wrote, gh.author)) {
    warning(
      `The comment was written as ${wrote}, not ${gh.author} as the action assumed, so the next run will not find it: set \`comment-author: ${wrote}\`.`,
    );
    gh.author = wrote;
  }
  return created.html_url ?? '';
}

/** The pull request this run is about, from the input or the event; null when there is none. */
function pullRequest() {
  const explicit = input('pull-request');
  /** @type {any} */
  let event = {};
  const path = process.env.GITHUB_EVENT_PATH;
  if (path) {
    try {
      event = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      warning(`Could not read the event at ${path}: ${String(err)}`);
    }
  }
  const pr = event.pull_request;
  const headRepo = pr?.head?.repo;
  const baseRepo = pr?.base?.repo ?? event.repository;
  const fork = Boolean(
    headRepo && (headRepo.fork || (baseRepo && headRepo.full_name !== baseRepo.full_name)),
  );
  if (explicit) {
    if (!/^\d+$/.test(explicit))
      throw new ActionError(`pull-request must be a number (got ${JSON.stringify(explicit)}).`);
    return { number: Number(explicit), fork };
  }
  const number =
    pr?.number ??
    (event.issue?.pull_request ? event.issue.number : undefined) ??
    event.workflow_run?.pull_requests?.[0]?.number;
  return typeof number === 'number' ? { number, fork } : null;
}

// ---------------------------------------------------------------------------
// The service

/**
 * @typedef {{ id: string, status: string | null, title: string, best_score: number | null,
 *   improvement: number | null, iterations: { done: number, total: number | null, kept: number },
 *   version: string, links: { report: string, json: string, comment: string } }} Summary
 */

/** @param {string} service @param {string} id @param {number} deadline */
async function summary(service, id, deadline) {
  const res = await serviceGet(`${service}/api/jobs/${id}/summary`, deadline);
  const body = await bodyJson(res);
  if (!res.ok) {
    const what =
      res.status === 404 ? `Job ${id} was not found at ${service}` : `The service refused job ${id}`;
    throw new ActionError(`${what} (${res.status} ${body.code ?? ''}: ${oneLine(body.detail ?? '')}).`);
  }
  return { summary: /** @type {Summary} */ (body), maxAge: maxAge(res) };
}

/**
 * The comment's markdown. A base that is unknown or not a job id is left out with a warning,
 * so the pull request still gets this run's comment.
 * @param {string} service @param {string} id @param {string} base @param {string} key @param {number} deadline
 */
async function commentMarkdown(service, id, base, key, deadline) {
  const query = (/** @type {boolean} */ withBase) => {
    const q = new URLSearchParams();
    if (withBase && base) q.set('base', base);
    if (key) q.set('key', key);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  let res = await serviceGet(`${service}/jobs/${id}/comment.md${query(true)}`, deadline);
  if (!res.ok && base) {
    const body = await bodyJson(res);
    if (/^Base job/.test(body.detail ?? '')) {
      warning(`${oneLine(body.detail)} The comment leaves the comparison out.`);
      res = await serviceGet(`${service}/jobs/${id}/comment.md${query(false)}`, deadline);
    } else {
      throw new ActionError(
        `The service refused the comment (${res.status}: ${oneLine(body.detail ?? '')}).`,
      );
    }
  }
  if (!res.ok) {
    const body = await bodyJson(res);
    throw new ActionError(`The service refused the comment (${res.status}: ${oneLine(body.detail ?? '')}).`);
  }
  return res.text();
}

/** "Run failed: <reason>" from the job itself (facts: a failed job's report_markdown). @param {string} service @param {string} id @param {number} deadline */
async function failureMessage(service, id, deadline) {
  try {
    const res = await serviceGet(`${service}/api/jobs/${id}/`, deadline);
    if (!res.ok) return '';
    const job = /** @type {{ report_markdown?: unknown }} */ (await res.json());
    const first = String(job.report_markdown ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '');
    return first ? oneLine(first).slice(0, 1000) : '';
  } catch {
    return '';
  }
}

function describe(/** @type {Summary} */ s) {
  const it = s.iterations;
  const progress = it.total != null ? `iteration ${it.done} of ${it.total}` : `${it.done} iterations`;
  const best = s.best_score != null ? `, best so far ${s.best_score.toFixed(1)}` : '';
  return `${s.status ?? 'status unknown'}, ${progress}${best}`;
}

// ---------------------------------------------------------------------------

async function main() {
  const service = input('service-url').replace(/\/+$/, '');
  const id = input('job-id').toLowerCase();
  const base = input('base-job-id').toLowerCase();
  const key = input('comment-key');
  const waitFor = input('wait', 'true').toLowerCase();
  const minutes = Number(input('timeout-minutes', '30'));
  const token = input('github-token');
  const author = input('comment-author');

  if (!/^https?:\/\/[^/]/.test(service))
    throw new ActionError(`service-url must be an http(s) URL (got ${JSON.stringify(service)}).`);
  if (!UUID.test(id)) throw new ActionError(`job-id must be a job's UUID (got ${JSON.stringify(id)}).`);
  if (base && !UUID.test(base))
    throw new ActionError(`base-job-id must be a job's UUID (got ${JSON.stringify(base)}).`);
  if (key && !KEY.test(key))
    throw new ActionError('comment-key may hold 1 to 64 letters, digits, dots, dashes and underscores.');
  if (author && !LOGIN.test(author))
    throw new ActionError(
      `comment-author must be a GitHub login, such as octocat or my-app[bot] (got ${JSON.stringify(author)}).`,
    );
  if (waitFor !== 'true' && waitFor !== 'false')
    throw new ActionError(`wait must be true or false (got ${JSON.stringify(waitFor)}).`);
  if (!(minutes > 0))
    throw new ActionError(
      `timeout-minutes must be a positive number (got ${JSON.stringify(input('timeout-minutes'))}).`,
    );

  const deadline = Date.now() + minutes * 60_000;
  const pr = pullRequest();
  /** @type {GitHub | null} */
  let gh = null;
  if (pr) {
    const repo = process.env.GITHUB_REPOSITORY ?? '';
    if (!/^[^/]+\/[^/]+$/.test(repo))
      throw new ActionError('GITHUB_REPOSITORY is not set: run this action in a GitHub workflow.');
    if (!token) throw new ActionError('No github-token: the action needs one to comment.');
    const api = (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
    gh = {
      api,
      // The runner sets GITHUB_GRAPHQL_URL; without it, GitHub Enterprise Server's REST API is at
      // /api/v3 and its GraphQL at /api/graphql, github.com's at /graphql beside the REST root.
      graphql: process.env.GITHUB_GRAPHQL_URL ?? api.replace(/\/v3$/, '') + '/graphql',
      repo,
      token,
      pr: pr.number,
      fork: pr.fork,
      author: author || null,
    };
    if (author) log(`Only comments by ${author} are edited (comment-author).`);
  } else {
    log(
      'No pull request in this event and no pull-request input: the comment is written to the step summary only.',
    );
  }

  let { summary: s, maxAge: age } = await summary(service, id, deadline);
  log(`Overmind job ${id} (${s.title}): ${describe(s)}.`);
  let commentUrl = '';
  const outputs = async (/** @type {Summary} */ now) => {
    let change = '';
    if (base) {
      try {
        const b = (await summary(service, base, deadline)).summary;
        if (b.best_score != null && now.best_score != null)
          change = String(Math.round((now.best_score - b.best_score) * 10) / 10);
      } catch (err) {
        warning(`No change against the base run: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    setOutput('best-score', now.best_score != null ? String(now.best_score) : '');
    setOutput('improvement', now.improvement != null ? String(now.improvement) : '');
    setOutput('change', change);
    setOutput('report-url', now.links.report);
    setOutput('comment-url', commentUrl);
  };
  const post = async () => {
    const md = await commentMarkdown(service, id, base, key, deadline);
    if (gh) commentUrl = await upsertComment(gh, md);
    return md;
  };

  if (!TERMINAL.has(s.status ?? '') && waitFor === 'true') {
    // The comment first says how far the run is, so reviewers see it while the step waits; it
    // also finds out now, not after the wait, whether the token may comment at all.
    if (gh) await post();
    let posted = { version: s.version, at: Date.now() };
    let delay = Math.max(1, age ?? 10);
    while (!TERMINAL.has(s.status ?? '')) {
      if (Date.now() + delay * 1000 > deadline) {
        const md = await post();
        stepSummary(md);
        await outputs(s);
        throw new ActionError(
          `Timed out after ${minutes} minutes waiting for job ${id}, still ${describe(s)}. The comment shows the progress so far.`,
        );
      }
      log(`Waiting ${Math.round(delay)} s for job ${id} (${describe(s)}).`);
      await sleep(delay * 1000);
      ({ summary: s, maxAge: age } = await summary(service, id, deadline));
      // No faster than the service says the answer changes, slower the longer it takes.
      delay = Math.min(MAX_DELAY_S, Math.max(age ?? 1, delay * 1.5));
      if (
        gh &&
        s.version !== posted.version &&
        Date.now() - posted.at >= PROGRESS_UPDATE_S * 1000 &&
        !TERMINAL.has(s.status ?? '')
      ) {
        await post();
        posted = { version: s.version, at: Date.now() };
      }
    }
    log(`Overmind job ${id}: ${describe(s)}.`);
  }

  const md = await post();
  stepSummary(md);

  await outputs(s);

  if (s.status === 'failed') {
    const reason = await failureMessage(service, id, deadline);
    throw new ActionError(
      `Overmind job ${id} failed${reason ? `: ${reason}` : '.'} Report: ${s.links.report}`,
    );
  }
  if (s.status === 'cancelled')
    throw new ActionError(`Overmind job ${id} was cancelled. Report: ${s.links.report}`);
}

main().catch((err) => {
  if (err instanceof ActionError) error(err.message);
  else error(`The action failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
