import { JOB_TYPE_LABELS, isTerminal, type Iteration, type Job } from './schema';

// Presentation rules shared by the report page, the card and the badge, so that
// all three say the same thing about a job.

export const SERVICE_NAME = 'overmind';

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** prompt_slug, else the job type's label and a short id. */
export function jobTitle(job: Job): string {
  const slug = job.prompt_slug?.trim();
  if (slug) return slug;
  const type = job.job_type ? JOB_TYPE_LABELS[job.job_type] : 'Job';
  return `${type} ${shortId(job.id)}`;
}

export const DASH = '—';

/** A 0–100 score with one decimal; null, undefined or non-finite → "—" (never 0 or NaN). */
export function formatScore(n: number | null | undefined): string {
  return n == null || !Number.isFinite(n) ? DASH : n.toFixed(1);
}

/** Signed points, e.g. "+12.3" / "−4.0" (true minus sign) / "±0.0". */
export function formatDelta(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  const r = Math.round(n * 10) / 10;
  if (r === 0) return '±0.0';
  return r > 0 ? `+${r.toFixed(1)}` : `−${Math.abs(r).toFixed(1)}`;
}

/** The run's improvement in points: the upstream's field, else best − baseline. */
export function improvementPoints(job: Job): number | null {
  if (job.improvement != null && Number.isFinite(job.improvement)) return job.improvement;
  if (job.best_score != null && job.baseline_score != null) return job.best_score - job.baseline_score;
  return null;
}

/** Improvement relative to the baseline, in percent; null when the baseline is null or 0. */
export function relativeImprovement(job: Job): number | null {
  const pts = improvementPoints(job);
  const base = job.baseline_score;
  if (pts == null || base == null || base === 0) return null;
  return (pts / Math.abs(base)) * 100;
}

export function formatPercent(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return DASH;
  const r = Math.round(n * 10) / 10;
  if (r === 0) return '±0.0%';
  return r > 0 ? `+${r.toFixed(1)}%` : `−${Math.abs(r).toFixed(1)}%`;
}

export type Direction = 'up' | 'down' | 'flat' | 'none';

/** Direction of change; within ±0.05 points counts as unchanged. */
export function direction(points: number | null): Direction {
  if (points == null || !Number.isFinite(points)) return 'none';
  if (points > 0.05) return 'up';
  if (points < -0.05) return 'down';
  return 'flat';
}

/** Iterations sorted by `order` (nulls last, then by created_at), without mutating the job. */
export function sortedIterations(job: Job): Iteration[] {
  return [...job.iterations].sort((a, b) => {
    const ao = a.order ?? Number.POSITIVE_INFINITY;
    const bo = b.order ?? Number.POSITIVE_INFINITY;
    if (ao !== bo) return ao < bo ? -1 : 1;
    return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
  });
}

export interface Progress {
  done: number;
  total: number | null;
  /** 0–1 when total is known and positive. */
  fraction: number | null;
}

export function progress(job: Job): Progress {
  const done = job.iterations.length;
  const total = job.num_iterations != null && job.num_iterations > 0 ? job.num_iterations : null;
  return { done, total, fraction: total ? Math.min(1, done / total) : null };
}

export function isActive(job: Job): boolean {
  return !isTerminal(job.status);
}

/** Tokens shown in capitals wherever they stand in a dimension name. */
const ACRONYMS = new Set([
  'ai',
  'api',
  'bleu',
  'f1',
  'id',
  'json',
  'llm',
  'ml',
  'pii',
  'qa',
  'rag',
  'rouge',
  'sql',
  'url',
]);

/**
 * `avg_tool_usage` → "Tool usage"; `avg_llm_judge` → "LLM judge"; `avg_type_correctness_penalty`
 * → "Type correctness penalty". Known acronyms are capitalised; every other word stays as the
 * key spells it (so `avg_QA_score` keeps its capitals), with the first letter made upper case.
 */
export function humanizeDimension(key: string): string {
  const tokens = key
    .replace(/^_+/, '')
    .replace(/^avg_/, '')
    .split(/[_\s]+/)
    .filter(Boolean);
  if (tokens.length === 0) return key;
  const words = tokens.map((t) => (ACRONYMS.has(t.toLowerCase()) ? t.toUpperCase() : t));
  const first = words[0] as string;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

/**
 * dimension_scores as a map of finite numbers, or null when it has any other shape
 * (the page then shows it as JSON rather than dropping it).
 */
export function numericDimensions(value: unknown): Map<string, number> | null {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) return null;
  // A Map, not an object: dimension names are job data, and `constructor`, `toString` or
  // `__proto__` must stay dimensions rather than meet Object.prototype.
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    out.set(k, v);
  }
  return out;
}

/** The kept iteration with the highest score, if any. */
export function bestKept(iterations: readonly Iteration[]): Iteration | null {
  let best: Iteration | null = null;
  for (const it of iterations) {
    if (it.status !== 'keep' || it.avg_score == null || !Number.isFinite(it.avg_score)) continue;
    if (!best || it.avg_score > (best.avg_score as number)) best = it;
  }
  return best;
}

/** Best score so far: the job's best_score, else the best finite iteration average (a running job). */
export function bestSoFar(job: Job): number | null {
  if (job.best_score != null && Number.isFinite(job.best_score)) return job.best_score;
  let best: number | null = null;
  for (const it of job.iterations) {
    const s = it.avg_score;
    if (s != null && Number.isFinite(s) && (best == null || s > best)) best = s;
  }
  return best;
}

export interface Headline {
  best: number | null;
  points: number | null;
  percent: number | null;
}

/**
 * The numbers every view leads with. Until a job completes the upstream leaves best_score
 * and improvement null, so the best iteration so far stands in, measured from the baseline.
 */
export function headline(job: Job): Headline {
  const best = bestSoFar(job);
  const base = job.baseline_score ?? null;
  const points =
    job.status === 'completed' ? improvementPoints(job) : best != null && base != null ? best - base : null;
  const percent = points != null && base != null && base !== 0 ? (points / Math.abs(base)) * 100 : null;
  return { best, points, percent };
}
