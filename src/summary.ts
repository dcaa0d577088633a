import { z } from 'zod';
import { jobUrls } from './links';
import { jobTitle } from './present';
import { bestKept, headline } from './views/common/job';
import { JOB_TYPES, type Job } from './schema';
import { JOB_STATUSES } from './views/common/status';

// The summary: a job's headline in under 2 KB, for dashboards, bots, the live events and
// the GitHub Action (../shared/design.md). Its numbers come from present.headline(), the
// same function the page and the card use, so the three never disagree.

/**
 * Longest title and iteration name kept, in characters and in bytes of their JSON encoding (a
 * control character costs six, `\u0007`), so any job's summary stays under its bound.
 */
export const SUMMARY_STRING_LIMITS = {
  title: { chars: 200, jsonBytes: 400 },
  name: { chars: 64, jsonBytes: 160 },
} as const;
export const SUMMARY_MAX_BYTES = 2048;

const score = z.number().nullable();

export const SummarySchema = z
  .object({
    id: z.string().describe('The job id (UUID, lower case).'),
    status: z.enum(JOB_STATUSES).nullable(),
    job_type: z.enum(JOB_TYPES).nullable(),
    title: z.string().describe('The title the page and the card show (prompt_slug, else type and short id).'),
    baseline_score: score,
    best_score: score.describe(
      'For an active job, the best kept so far: the same headline the page and card use.',
    ),
    improvement: score.describe('best_score − baseline_score, in points.'),
    improvement_percent: score.describe('improvement relative to the baseline, in percent.'),
    iterations: z.object({
      done: z.number().int(),
      total: z.number().int().nullable(),
      kept: z.number().int(),
    }),
    best_iteration: z.object({ name: z.string(), score: z.number() }).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.string().describe('The 12-hex content version used in immutable image URLs.'),
    links: z.object({
      report: z.string(),
      json: z.string(),
      card: z.string(),
      badge: z.string(),
      comment: z.string(),
    }),
  })
  .describe('A job in under 2 KB.');

export type Summary = z.infer<typeof SummarySchema>;

const utf8 = new TextEncoder();
const jsonBytes = (s: string): number => utf8.encode(JSON.stringify(s)).length - 2;

/** `s` cut to `limit` (code points, and bytes as JSON), ending in "…" when cut. */
function clip(s: string, limit: { chars: number; jsonBytes: number }): string {
  const chars = Array.from(s);
  if (chars.length <= limit.chars && jsonBytes(s) <= limit.jsonBytes) return s;
  const kept: string[] = [];
  let bytes = jsonBytes('…');
  for (const ch of chars) {
    const b = jsonBytes(ch);
    if (kept.length + 1 >= limit.chars || bytes + b > limit.jsonBytes) break;
    kept.push(ch);
    bytes += b;
  }
  return `${kept.join('')}…`;
}

/**
 * A finite number, rounded to 6 decimals: differences of scores carry binary noise
 * (82.5 − 60.9 = 21.599999999999994) that no reader of a summary wants (pages and cards show one decimal).
 */
const finite = (n: number | null | undefined): number | null => {
  if (n == null || !Number.isFinite(n)) return null;
  const rounded = Math.round(n * 1e6) / 1e6;
  // Past ±1.8e302, n × 1e6 overflows to Infinity; such a number has no decimals to round.
  return Number.isFinite(rounded) ? rounded : n;
};

/** `base` is the origin, or a share link's prefix under it (see links.ts). */
export function summarize(job: Job, version: string, base: string): Summary {
  const h = headline(job);
  const best = bestKept(job.iterations);
  const urls = jobUrls(base, job.id, version);
  const total = job.num_iterations != null && job.num_iterations > 0 ? job.num_iterations : null;
  return {
    id: job.id.toLowerCase(),
    status: job.status ?? null,
    job_type: job.job_type ?? null,
    title: clip(jobTitle(job), SUMMARY_STRING_LIMITS.title),
    baseline_score: finite(job.baseline_score),
    best_score: finite(h.best),
    improvement: finite(h.points),
    improvement_percent: finite(h.percent),
    iterations: {
      done: job.iterations.length,
      total,
      kept: job.iterations.filter((it) => it.status === 'keep').length,
    },
    best_iteration:
      best && best.avg_score != null
        ? { name: clip(best.iteration_name, SUMMARY_STRING_LIMITS.name), score: best.avg_score }
        : null,
    created_at: job.created_at,
    updated_at: job.updated_at,
    version,
    links: {
      report: urls.report,
      json: urls.json,
      card: urls.ogPng,
      badge: urls.badgeSvg,
      comment: urls.comment,
    },
  };
}
