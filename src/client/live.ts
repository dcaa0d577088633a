import type { Iteration, Job } from '../schema';
import type { Summary } from '../summary';
import { reportChart, reportFigure, reportLegend } from '../views/common/chart';
import { TALL_ROWS, iterationRow, iterationsHead } from '../views/common/iterations';
import {
  direction,
  formatCount,
  formatDelta,
  formatDuration,
  formatPercent,
  formatScore,
  formatUtc,
  plural,
  relativeTime,
  type Direction,
} from '../views/common/format';
import { bestKept, headline, progress, sortedIterations } from '../views/common/job';
import { JOB_STATUS_LABELS, isTerminal, type JobStatus } from '../views/common/status';
import { build, clear, el, every, one, setSectionBody, swap, tree, type DomKid as Kid } from './dom';

// The one script of the site: on the report page of a job that is still pending or running,
// it follows the job's events (GET /api/jobs/{id}/events) and updates the page in place.
// Pages of finished jobs carry no script at all.
//
// scripts/build-client.ts bundles it at build time and the page inlines it, allowed by the
// Content-Security-Policy through its hash (computed by the same build), like the stylesheet:
// it costs no request and nothing else can run. Live pages also require Trusted Types with no
// policy, so the browser itself refuses any HTML sink; ./dom.ts builds every node.
//
// It only adds to a page that works without it: the server-rendered page says the job is
// running and links to itself for newer data. The script reads its URLs from data attributes
// the server wrote with links.ts (so a share link's prefix carries through), and rebuilds
// the summary, the chart and the iterations table as src/views/html/sections/header.tsx,
// src/views/html/chart.tsx and src/views/html/sections/iterations.tsx render them: the numbers,
// dates and the chart come from the same modules (src/views/common/), and the Chromium test
// (test/browser/live.browser.test.ts) compares the two after an update.

const DOT = ' · ';
const ARROWS: Record<Direction, string> = { up: '▲', down: '▼', flat: '', none: '' };
const WORDS: Record<Direction, string> = { up: 'improved by', down: 'worse by', flat: 'unchanged', none: '' };

type Status = JobStatus | null | undefined;

function finite(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

function statusLabel(status: Status): string | undefined {
  return status ? JOB_STATUS_LABELS[status] : undefined;
}

function web(u: string): boolean {
  try {
    return u !== '' && /^https?:$/.test(new URL(u, location.href).protocol);
  } catch {
    return false;
  }
}

// ---- markup (src/views/html/sections/common.tsx and header.tsx) -----------------------------

function change(dir: Direction, text: string): HTMLElement {
  return el(
    'span',
    { class: `dir-${dir}` },
    ARROWS[dir] ? el('span', { class: 'arrow', 'aria-hidden': 'true' }, ARROWS[dir]) : null,
    dir === 'none' ? null : el('span', { class: 'sr-only' }, `${WORDS[dir]} `),
    text,
  );
}

function statusPill(status: Status): HTMLElement {
  return el(
    'span',
    { class: `pill pill-${status || 'unknown'}` },
    el('span', { class: 'dot', 'aria-hidden': 'true' }),
    status ? JOB_STATUS_LABELS[status] || status : 'Unknown status',
  );
}

function when(iso: string, now: number): Kid[] {
  const rel = relativeTime(iso, now);
  return [
    el('time', { datetime: iso }, formatUtc(iso)),
    rel ? el('span', { class: 'rel' }, DOT + rel) : null,
  ];
}

function fill(node: Element, kids: Kid[]): void {
  clear(node);
  for (const k of kids) {
    const n = build(k);
    if (n) node.appendChild(n);
  }
}

function renderHeader(job: Job, now: number): void {
  const p = progress(job);
  const terminal = isTerminal(job.status);
  const pill = one('.job-head .sub .pill');
  if (pill) swap(pill, statusPill(job.status));
  const end = terminal ? Date.parse(job.updated_at) : now;
  const duration = formatDuration(end - Date.parse(job.created_at));
  const ranFor = one('[data-live="for"]');
  if (ranFor) ranFor.textContent = (terminal ? 'Ran for ' : 'Running for ') + duration;
  const updated = one('[data-live="updated"]');
  if (updated) {
    updated.setAttribute('datetime', job.updated_at);
    updated.textContent = relativeTime(job.updated_at, now) || formatUtc(job.updated_at);
  }
  const each = job.candidates_per_iteration;
  const facts: Record<string, Kid[]> = {
    iterations: [
      (p.total != null ? `${formatCount(p.done)} of ${formatCount(p.total)}` : formatCount(p.done)) +
        (each != null && each > 0 ? `${DOT}${plural(each, 'candidate')} each` : ''),
    ],
    created: when(job.created_at, now),
    'updated-at': when(job.updated_at, now),
    duration: [duration + (terminal ? '' : ' so far')],
  };
  for (const [k, kids] of Object.entries(facts)) {
    const dd = one(`[data-live-fact="${k}"]`);
    if (dd) fill(dd, kids);
  }
  const t = document.title;
  const last = t.lastIndexOf(DOT);
  const prev = last > 0 ? t.lastIndexOf(DOT, last - 1) : -1;
  if (prev >= 0) document.title = t.slice(0, prev) + DOT + (statusLabel(job.status) ?? 'Job') + t.slice(last);
}

function stat(cls: string, label: string, value: Kid[], detail: Kid[]): HTMLElement {
  return el(
    'div',
    { class: cls },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value' }, ...value),
    el('div', { class: 'detail' }, ...detail),
  );
}

function statsGrid(
  base: number | null | undefined,
  best: number | null | undefined,
  points: number | null | undefined,
  percent: number | null | undefined,
  bestDetail: string,
): HTMLElement {
  const dir = direction(points);
  const small = (text: string) => el('small', null, text);
  return el(
    'div',
    { class: 'stats' },
    stat(
      'stat',
      'Baseline',
      [formatScore(base), base != null ? small(' / 100') : null],
      ['Score before optimisation'],
    ),
    stat('stat', 'Best so far', [formatScore(best), best != null ? small(' / 100') : null], [bestDetail]),
    stat(
      `stat${dir === 'up' ? ' stat-up' : dir === 'down' ? ' stat-down' : ''}`,
      'Improvement',
      [change(dir, formatDelta(points)), points != null ? small(' pts') : null],
      [change(direction(percent), formatPercent(percent)), ' relative to baseline'],
    ),
  );
}

/** The headline from an event's summary at once (the same numbers, headline()); the rest follows with the JSON. */
function quickSummary(s: Summary): void {
  const grid = one('#summary .stats');
  if (grid) {
    const detail = one('.stat:nth-child(2) .detail', grid);
    swap(
      grid,
      statsGrid(
        s.baseline_score,
        s.best_score,
        s.improvement,
        s.improvement_percent,
        detail?.textContent ?? '',
      ),
    );
  }
  const pill = one('.job-head .sub .pill');
  if (pill && !pill.classList.contains(`pill-${s.status || 'unknown'}`)) swap(pill, statusPill(s.status));
}

function renderSummary(job: Job): void {
  const section = document.getElementById('summary');
  if (!section) return;
  const hl = headline(job);
  const p = progress(job);
  const kept = job.iterations.filter((it) => it.status === 'keep').length;
  const discarded = job.iterations.filter((it) => it.status === 'discard').length;
  const stats = statsGrid(
    job.baseline_score,
    hl.best,
    hl.points,
    hl.percent,
    job.best_score != null ? 'Highest kept score' : 'Highest iteration score',
  );
  const bar =
    p.total != null
      ? el(
          'progress',
          { max: p.total, value: Math.min(p.done, p.total), 'aria-label': 'Iterations completed' },
          `${p.done} of ${p.total}`,
        )
      : el('progress', { 'aria-label': 'Iterations completed' }, 'in progress');
  const counts =
    `${kept} kept${DOT}${discarded} discarded` +
    (p.fraction != null ? `${DOT}${Math.round(p.fraction * 100)}%` : '');
  const prog = el(
    'div',
    { class: 'progress' },
    el(
      'div',
      { class: 'row' },
      el(
        'strong',
        null,
        p.total != null
          ? `Iteration ${formatCount(p.done)} of ${formatCount(p.total)}`
          : `${plural(p.done, 'iteration')} so far`,
      ),
      el('span', { class: 'subtle' }, counts),
    ),
    bar,
  );
  setSectionBody(section, [stats, prog]);
}

// ---- the chart (src/views/common/chart.ts, as src/views/html/chart.tsx draws it) ------------

function renderChart(job: Job, its: Iteration[]): void {
  const section = document.getElementById('chart');
  if (!section) return;
  if (its.length === 0) {
    const base = job.baseline_score != null ? `${DOT}baseline ${formatScore(job.baseline_score)}` : '';
    setSectionBody(section, [el('p', { class: 'empty' }, `No iterations yet${base}.`)]);
    return;
  }
  const input = {
    iterations: its,
    baseline: job.baseline_score,
    slots: isTerminal(job.status) ? null : job.num_iterations,
    tableLabel: 'Iterations',
  };
  const figure = one('figure.chart', section);
  if (figure) {
    // Keep the figure and its caption (a link someone may have focused); replace the drawings.
    for (const old of every('svg.chart, ul.legend', figure)) figure.removeChild(old);
    const caption = one('figcaption', figure);
    for (const t of [...reportChart(input), reportLegend(job.baseline_score)])
      figure.insertBefore(tree(t), caption);
    return;
  }
  setSectionBody(section, [tree(reportFigure(input))]);
}

// ---- the iterations table (src/views/html/sections/iterations.tsx) --------------------------

function renderIterations(job: Job, its: Iteration[]): void {
  const section = document.getElementById('iterations');
  if (!section) return;
  if (its.length === 0) {
    setSectionBody(section, [el('p', { class: 'empty' }, 'No iterations have been recorded yet.')]);
    return;
  }
  const best = bestKept(its);
  const rows = its.map((it) => tree(iterationRow(it, job.baseline_score, it === best)));
  const tbody = one('table.data tbody', section);
  const wrap = one('.table-wrap', section);
  if (tbody && wrap) {
    // Keep the scrolling box (and the reader's place in it); replace the rows.
    clear(tbody);
    for (const r of rows) tbody.appendChild(r);
    wrap.classList.toggle('tall', its.length > TALL_ROWS);
    return;
  }
  const table = el('table', { class: 'data' }, ...iterationsHead(), el('tbody', null, ...rows));
  setSectionBody(section, [
    el(
      'div',
      {
        class: its.length > TALL_ROWS ? 'table-wrap tall' : 'table-wrap',
        role: 'region',
        'aria-label': 'Iterations table',
        tabindex: '0',
      },
      table,
    ),
  ]);
}

// ---- the live status line, the data and the stream -----------------------------------------

function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

function validJob(job: unknown, jobId: string): job is Job {
  if (!job || typeof job !== 'object') return false;
  const j = job as Record<string, unknown>;
  return (
    String(j.id).toLowerCase() === jobId &&
    Array.isArray(j.iterations) &&
    typeof j.created_at === 'string' &&
    typeof j.updated_at === 'string'
  );
}

function parse(data: unknown): unknown {
  try {
    return JSON.parse(String(data));
  } catch {
    return null;
  }
}

function start(root: HTMLElement): void {
  const eventsUrl = root.getAttribute('data-events') || '';
  const jsonUrl = root.getAttribute('data-json') || '';
  let version = root.getAttribute('data-version') || '';
  const jobId = (root.getAttribute('data-job') || '').toLowerCase();
  if (!web(eventsUrl) || !web(jsonUrl)) return;

  const label = one('#live-label');
  const state = one('#live-state');
  const announcer = one('#live-announce');
  const refresh = one('#live-refresh');
  const bestAttr = root.getAttribute('data-best');
  let lastData = 0;
  let connected = false;
  let droppedAt = 0;
  let retryAt = 0;
  let shownBest: number | null = bestAttr ? parseFloat(bestAttr) : null;
  let paused = false;
  let finishing = false;
  let source: EventSource | null = null;
  let retryMs = 30_000;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pending: Summary | null = null;
  let fetching = false;
  const toggle = el('button', { type: 'button', class: 'live-toggle' }, 'Pause live updates');

  /** The words after "Live": "Live · updated 4 s ago ·", then the reload link and the pause button. */
  const setState = (text: string) => {
    if (state) state.textContent = DOT.slice(1) + text + DOT.slice(0, -1);
  };
  const tick = () => {
    if (paused || finishing) return;
    if (retryAt)
      return setState(
        `updates refused for now, retrying in ${Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))} s`,
      );
    // A stream that drops and comes back within its retry hint is normal; say so only when it stays away.
    if (!connected && droppedAt && Date.now() - droppedAt > 20_000) setState('reconnecting…');
    else if (lastData) setState(`updated ${ago(Date.now() - lastData)}`);
  };
  const announce = (text: string) => {
    // Cleared first, so the same words said twice are announced twice.
    if (!announcer) return;
    announcer.textContent = '';
    setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  };
  const noteBest = (best: unknown, points: unknown, name: string | undefined) => {
    if (!finite(best)) return;
    if (shownBest == null || !finite(shownBest) || best > shownBest + 1e-9) {
      announce(
        `New best score: ${formatScore(best)}` +
          (finite(points) ? `, ${formatDelta(points)} points against the baseline` : '') +
          (name ? ` (${name})` : '') +
          '.',
      );
    }
    shownBest = best;
  };

  const apply = (job: Job, v: string) => {
    const its = sortedIterations(job);
    renderHeader(job, Date.now());
    renderSummary(job);
    renderChart(job, its);
    renderIterations(job, its);
    // A new version came from the upstream, so a "saved copy" warning no longer holds.
    for (const b of every('.banner-warn')) b.parentNode?.removeChild(b);
    version = v;
    root.setAttribute('data-version', v);
  };
  const getJson = () =>
    fetch(jsonUrl, { cache: 'no-cache', credentials: 'omit', headers: { Accept: 'application/json' } });
  /** The job's JSON for summary s; retried while a cache in between still has the older copy. */
  const load = (s: Summary, attempt: number): void => {
    fetching = true;
    getJson()
      .then((res) => {
        if (!res.ok) throw new Error(`status ${res.status}`);
        return res.json();
      })
      .then((job: unknown) => {
        if (!validJob(job, jobId)) throw new Error('not this job');
        if (isTerminal(job.status)) return finish(job.status);
        const current =
          job.updated_at === s.updated_at && (!s.iterations || job.iterations.length === s.iterations.done);
        if (!current && attempt < 6) return later(s, attempt + 1);
        apply(job, s.version);
        done();
      })
      .catch(() => {
        if (attempt < 6) later(s, attempt + 1);
        else done();
      });
  };
  const later = (s: Summary, attempt: number) => {
    setTimeout(() => load(pending || s, attempt), Math.min(8000, 1000 * attempt));
  };
  const done = () => {
    fetching = false;
    const next = pending;
    pending = null;
    if (next && next.version !== version) {
      fetching = true;
      load(next, 0);
    }
  };
  const onSummary = (s: unknown) => {
    if (!s || typeof s !== 'object' || typeof (s as Summary).version !== 'string') return;
    const summary = s as Summary;
    lastData = Date.now();
    tick();
    if (isTerminal(summary.status)) return finish(summary.status);
    noteBest(summary.best_score, summary.improvement, summary.best_iteration?.name);
    if (summary.version === version) return;
    quickSummary(summary);
    pending = summary;
    if (!fetching) {
      pending = null;
      load(summary, 0);
    }
  };

  // Finishing: one reload to the final page.
  const finish = (status: Status) => {
    if (finishing) return;
    finishing = true;
    disconnect();
    clearInterval(ticker);
    root.classList.add('is-paused');
    toggle.parentNode?.removeChild(toggle);
    const word = statusLabel(status);
    if (label) label.textContent = word ? `${word}.` : 'Finished.';
    if (state) state.textContent = 'Loading the final report…';
    announce(`The job has finished${word ? ` (${word.toLowerCase()})` : ''}. Loading the final report.`);
    // Reload once the JSON says so too, so the reload does not land on a copy still cached as running.
    let tries = 0;
    const retry = () => {
      if (++tries >= 8) location.reload();
      else setTimeout(check, 2000);
    };
    const check = () => {
      getJson()
        .then((res) => (res.ok ? res.json() : null))
        .then((job: { status?: Status } | null) => {
          if (job && isTerminal(job.status)) location.reload();
          else retry();
        })
        .catch(retry);
    };
    check();
  };

  const connect = () => {
    clearTimeout(reconnectTimer);
    retryAt = 0;
    if (paused || finishing) return;
    const es = new EventSource(eventsUrl);
    source = es;
    es.addEventListener('job', (e) => {
      retryMs = 30_000;
      const s = parse(e.data);
      if (s != null) onSummary(s);
    });
    es.addEventListener('end', (e) => {
      const s = parse(e.data) as { status?: unknown } | null;
      finish(s && typeof s.status === 'string' ? (s.status as JobStatus) : null);
    });
    es.onopen = () => {
      connected = true;
      droppedAt = 0;
      tick();
    };
    es.onerror = () => {
      if (!source || finishing) return;
      if (connected) droppedAt = Date.now();
      connected = false;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (over a cap, or gone): try again later, less often each time.
        disconnect();
        retryAt = Date.now() + retryMs;
        tick();
        reconnectTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 300_000);
      } else tick();
    };
  };
  const disconnect = () => {
    if (source) {
      source.close();
      source = null;
    }
    connected = false;
    clearTimeout(reconnectTimer);
  };

  // Taking over the banner.
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? 'Resume live updates' : 'Pause live updates';
    root.classList.toggle('is-paused', paused);
    if (paused) {
      disconnect();
      setState('paused');
    } else {
      setState('connecting…');
      connect();
    }
  });
  if (label) label.textContent = 'Live';
  setState('connecting…');
  if (refresh) refresh.textContent = 'Reload the full page';
  const holder = refresh ? refresh.parentNode : state && state.parentNode;
  if (holder) holder.appendChild(toggle);
  const ticker = setInterval(tick, 1000);
  connect();
}

const root = document.getElementById('live');
if (root && typeof EventSource === 'function' && typeof fetch === 'function') start(root);
