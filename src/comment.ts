import { compareJobs, type Comparison, type Figure } from './comparison';
import { compareUrls, jobUrls } from './links';
import { mdText, plainLine } from './markdown-escape';
import { SERVICE_NAME, humanizeDimension, isActive, jobTitle, numericDimensions } from './present';
import { bestKept, headline, progress, sortedIterations } from './views/common/job';
import { direction, formatDelta, formatPercent, formatScore, type Direction } from './views/common/format';
import { type Iteration, type Job } from './schema';
import { JOB_STATUS_LABELS } from './views/common/status';
import { formatSigned, formatUtc } from './views/common/format';

// The pull-request comment (GET /jobs/{id}/comment.md): GitHub-flavoured markdown, a pure function
// of the job (and the base branch's job), their versions and the link base. Every job string goes
// through mdText(); every link and image is built by links.ts under the link base, so nothing in a
// comment points anywhere but this service. Whatever the job, the comment fits GitHub's limit.

/** GitHub refuses a comment body longer than this (characters). */
export const COMMENT_MAX_CHARS = 65_536;

/** What `key` may be: it lands inside an HTML comment and in a query string. */
export const COMMENT_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The comment's first line. It does not change with the job, so a bot (the action, or anyone's)
 * finds the same comment across pushes; `key` tells several comments on one pull request apart.
 */
export function commentMarker(key?: string | null): string {
  return key ? `<!-- overmind-edge key=${key} -->` : '<!-- overmind-edge -->';
}

export interface CommentInput {
  head: Job;
  headVersion: string;
  /** The base branch's run, and the comparison card's version. */
  base?: { job: Job; version: string; comparisonVersion: string } | null;
  /** Absolute prefix of every link: the origin, or a share link under it (Services.base). */
  linkBase: string;
  key?: string | null;
}

// Rows tried in turn until the comment fits: [iteration rows, dimension rows].
const FIT: readonly [number, number][] = [
  [100, 40],
  [50, 40],
  [25, 40],
  [10, 40],
  [0, 40],
  [0, 20],
  [0, 10],
  [0, 0],
];

const TITLE_MAX = 120;
const NAME_MAX = 64;
const DESCRIPTION_MAX = 120;
const DIMENSION_MAX = 60;
const REASON_MAX = 300;

export function buildComment(input: CommentInput): string {
  const cmp = input.base ? compareJobs(input.base.job, input.head) : null;
  let md = '';
  for (const [iterationRows, dimensionRows] of FIT) {
    md = render(input, cmp, iterationRows, dimensionRows);
    if (md.length <= COMMENT_MAX_CHARS) return md;
  }
  // Unreachable with the bounds above (every remaining string is clipped); kept as the guarantee.
  return md.slice(0, COMMENT_MAX_CHARS);
}

function render(input: CommentInput, cmp: Comparison | null, iterationRows: number, dimensionRows: number) {
  const { head, linkBase } = input;
  const urls = jobUrls(linkBase, head.id, input.headVersion);
  const compare = input.base
    ? compareUrls(linkBase, input.base.job.id, head.id, input.base.comparisonVersion)
    : null;
  const title = mdText(jobTitle(head), TITLE_MAX);
  const out: string[] = [commentMarker(input.key), `### ${SERVICE_NAME}: ${title}`, ''];

  out.push(headlineLine(head, cmp), '');
  const notes = statusNotes(head, input.base?.job ?? null);
  if (notes.length > 0) out.push(...notes.map((n) => `> ${n}`), '');

  // Alt text from numbers only: a link's text is parsed again by some renderers, and the title is
  // in the heading right above.
  if (compare && cmp) {
    const alt = `${SERVICE_NAME} comparison card: best ${formatScore(cmp.best.head)} against ${formatScore(cmp.best.base)}`;
    out.push(`[![${alt}](${compare.ogPng})](${compare.page})`, '');
  } else {
    const h = headline(head);
    const alt = `${SERVICE_NAME} score card: best ${formatScore(h.best)}, ${formatDelta(h.points)} pts`;
    out.push(`[![${alt}](${urls.ogPng})](${urls.report})`, '');
  }

  out.push(...(cmp && input.base ? figuresVs(input.base.job, head, cmp) : figures(head)), '');
  out.push(...dimensionsSection(head, cmp, dimensionRows, urls.report));
  out.push(...iterationsSection(head, iterationRows, urls.report));

  const links = [`[Report](${urls.report})`, `[JSON](${urls.json})`];
  if (compare) links.push(`[Comparison with the base run](${compare.page})`);
  out.push(links.join(' · '), '');
  out.push(`<sub>${footer(head, input)}</sub>`, '');
  return out.join('\n');
}

const STATUS_ICONS: Record<string, string> = {
  completed: '✅',
  running: '⏳',
  pending: '🕓',
  failed: '❌',
  cancelled: '⚪',
  unknown: '⚪',
};

const DIRECTION_ICONS: Record<Direction, string> = { up: '🟢', down: '🔴', flat: '⚪', none: '' };

function statusLabel(job: Job): string {
  const status = job.status ?? 'unknown';
  const label = job.status ? JOB_STATUS_LABELS[job.status] : 'Status unknown';
  return `${STATUS_ICONS[status] ?? '⚪'} **${label}**`;
}

function signed(f: Figure, unit = ''): string {
  const icon = DIRECTION_ICONS[f.dir];
  return `${icon ? `${icon} ` : ''}**${formatDelta(f.change)}**${unit}`;
}

/** "Run failed: <reason>" (the upstream's form), else the report's first line. */
export function failureReason(job: Job): string {
  const line =
    (job.report_markdown ?? '')
      .replace(/^\s*(#+\s*)?run failed:?\s*/i, '')
      .split('\n')
      .find((l) => l.trim() !== '') ?? '';
  return plainLine(line, REASON_MAX);
}

function headlineLine(head: Job, cmp: Comparison | null): string {
  const parts = [statusLabel(head)];
  const h = headline(head);
  const active = isActive(head);
  const p = progress(head);
  if (head.status === 'failed') {
    const reason = failureReason(head);
    parts.push(reason ? `Run failed: ${mdText(reason)}` : 'the run failed');
  }
  if (head.status === 'pending') parts.push('waiting to start');
  else if (active && p.done === 0) parts.push('no iterations yet');
  else if (active) {
    parts.push(p.total != null ? `iteration ${p.done} of ${p.total}` : `${p.done} iterations so far`);
  }
  if (h.best != null) parts.push(`${active ? 'best so far' : 'best'} **${formatScore(h.best)}**`);
  if (cmp) {
    if (cmp.best.change != null) {
      parts.push(`${signed(cmp.best)} pts against the base run (${formatScore(cmp.best.base)})`);
    } else if (cmp.best.base == null) parts.push('the base run has no score');
    if (cmp.compared > 0) parts.push(counts(cmp));
  } else if (h.points != null) {
    // headline()'s own points: a completed job's improvement is the upstream's figure.
    const own: Figure = {
      base: head.baseline_score ?? null,
      head: h.best,
      change: h.points,
      dir: direction(h.points),
    };
    const pct = h.percent != null && own.dir !== 'flat' ? ` (${formatPercent(h.percent)})` : '';
    parts.push(`${signed(own)} pts against the baseline${pct}`);
  } else if (h.best != null && head.baseline_score == null) parts.push('no baseline recorded');
  return parts.join(' · ');
}

function counts(cmp: Comparison): string {
  return `🟢 ${cmp.improved} improved, 🔴 ${cmp.regressed} regressed`;
}

const BASE_STATES: Record<string, string> = {
  pending: 'has not started yet',
  running: 'is still running',
  failed: 'failed',
  cancelled: 'was cancelled',
};

function statusNotes(head: Job, base: Job | null): string[] {
  const notes: string[] = [];
  if (isActive(head)) {
    notes.push(
      'This run is still in progress: the figures are the best so far. The comment is updated when it finishes.',
    );
  }
  if (base && base.status !== 'completed') {
    const state = base.status ? BASE_STATES[base.status] : 'has no status';
    notes.push(
      `The base run ${state}: its figures are ${isActive(base) ? 'the best so far' : 'what it recorded'}.`,
    );
  }
  return notes;
}

function iterationsCell(job: Job): string {
  const p = progress(job);
  const kept = job.iterations.filter((it) => it.status === 'keep').length;
  const done =
    p.total != null ? `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}` : `${p.done}`;
  return `${done} · ${kept} kept`;
}

function figures(job: Job): string[] {
  const h = headline(job);
  const improvement =
    h.points != null
      ? `${formatDelta(h.points)} pts${h.percent != null ? ` (${formatPercent(h.percent)})` : ''}`
      : formatDelta(null);
  return [
    `| | ${isActive(job) ? 'So far' : 'This run'} |`,
    '|:--|--:|',
    `| Baseline | ${formatScore(job.baseline_score)} |`,
    `| Best | **${formatScore(h.best)}** |`,
    `| Improvement | ${improvement} |`,
    `| Iterations | ${iterationsCell(job)} |`,
  ];
}

function changeCell(f: Figure, colour: boolean): string {
  if (f.change == null) return formatDelta(null);
  const icon = colour ? DIRECTION_ICONS[f.dir] : '';
  return `${icon ? `${icon} ` : ''}${formatDelta(f.change)}`;
}

function figuresVs(base: Job, head: Job, cmp: Comparison): string[] {
  return [
    '| | Base run | This run | Change |',
    '|:--|--:|--:|--:|',
    // A different baseline means a different benchmark, not a better or worse run: no colour.
    `| Baseline | ${formatScore(cmp.baseline.base)} | ${formatScore(cmp.baseline.head)} | ${changeCell(cmp.baseline, false)} |`,
    `| Best | ${formatScore(cmp.best.base)} | **${formatScore(cmp.best.head)}** | ${changeCell(cmp.best, true)} |`,
    `| Improvement | ${formatDelta(cmp.improvement.base)} | ${formatDelta(cmp.improvement.head)} | ${changeCell(cmp.improvement, true)} |`,
    `| Iterations | ${iterationsCell(base)} | ${iterationsCell(head)} | |`,
  ];
}

function iterationName(it: Iteration | null): string {
  return it ? mdText(it.iteration_name, NAME_MAX) : '—';
}

function dimensionsSection(head: Job, cmp: Comparison | null, rows: number, report: string): string[] {
  if (cmp) {
    if (cmp.dimensions.length === 0) return [];
    const shown = cmp.dimensions.slice(0, rows);
    const out = [
      `**Dimensions of the best iterations** (base run ${iterationName(cmp.baseBest)}, this run ${iterationName(cmp.headBest)}): ${cmp.compared > 0 ? `${counts(cmp)}, ${cmp.unchanged} unchanged` : 'none in common'}`,
      '',
    ];
    if (shown.length > 0) {
      out.push('| Dimension | Base run | This run | Change |', '|:--|--:|--:|--:|');
      for (const d of shown) {
        out.push(
          `| ${mdText(d.label, DIMENSION_MAX)} | ${formatSigned(d.base)} | ${formatSigned(d.head)} | ${changeCell(d, true)} |`,
        );
      }
      out.push('');
    }
    const left = cmp.dimensions.length - shown.length + cmp.dimensionsOmitted;
    if (left > 0) out.push(`${left} more dimensions are in the [report](${report}#dimensions).`, '');
    return out;
  }
  const best = bestKept(head.iterations);
  const dims = numericDimensions(best?.dimension_scores);
  if (!best || !dims || dims.size === 0) return [];
  const entries = [...dims];
  const shown = entries.slice(0, rows);
  const out = [`**Best iteration:** ${iterationName(best)}, ${formatScore(best.avg_score)}`, ''];
  if (shown.length > 0) {
    out.push('| Dimension | Score |', '|:--|--:|');
    for (const [key, value] of shown) {
      out.push(`| ${mdText(humanizeDimension(key), DIMENSION_MAX)} | ${formatSigned(value)} |`);
    }
    out.push('');
  }
  if (entries.length > shown.length) {
    out.push(
      `${entries.length - shown.length} more dimensions are in the [report](${report}#dimensions).`,
      '',
    );
  }
  return out;
}

const KEPT: Record<string, string> = { keep: '✅ kept', discard: 'discarded' };

function iterationsSection(job: Job, rows: number, report: string): string[] {
  const iterations = sortedIterations(job);
  if (iterations.length === 0) return [];
  const kept = iterations.filter((it) => it.status === 'keep').length;
  const shown = iterations.slice(0, rows);
  const out = [
    `<details><summary>${iterations.length.toLocaleString('en-US')} iterations, ${kept} kept</summary>`,
    '',
  ];
  if (shown.length > 0) {
    out.push('| # | Iteration | Score | Δ baseline | Kept | What it tried |', '|--:|:--|--:|--:|:--|:--|');
    const base = job.baseline_score;
    for (const it of shown) {
      const delta = it.avg_score != null && base != null ? it.avg_score - base : null;
      out.push(
        `| ${it.order ?? '—'} | ${iterationName(it)} | ${formatScore(it.avg_score)} | ${formatDelta(delta)} | ${it.status ? KEPT[it.status] : '—'} | ${it.description ? mdText(it.description, DESCRIPTION_MAX) : '—'} |`,
      );
    }
    out.push('');
  }
  if (shown.length < iterations.length) {
    out.push(
      `${shown.length > 0 ? `The first ${shown.length} of ${iterations.length.toLocaleString('en-US')} iterations are shown` : 'The iterations are left out to keep this comment within GitHub’s size limit'}; the [report](${report}#iterations) lists them all.`,
      '',
    );
  }
  out.push('</details>', '');
  return out;
}

function footer(head: Job, input: CommentInput): string {
  const parts = [`${SERVICE_NAME} job \`${head.id}\``];
  if (input.base) parts.push(`base run \`${input.base.job.id}\``);
  parts.push(`updated ${mdText(formatUtc(head.updated_at))}`);
  return parts.join(' · ');
}
