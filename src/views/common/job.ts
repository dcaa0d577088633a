import type { Iteration, Job } from '../../schema';

// What every view says about a job's run: its headline numbers, its progress, its iterations in
// order and its best. Runtime-free (types only from the schema), so the live page's script
// (src/client/live.ts) computes the same figures from the same code.

/** The run's improvement in points: the upstream's field, else best − baseline. */
export function improvementPoints(job: Job): number | null {
  if (job.improvement != null && Number.isFinite(job.improvement)) return job.improvement;
  if (job.best_score != null && job.baseline_score != null) return job.best_score - job.baseline_score;
  return null;
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
