import { z } from 'zod';
import { nestsDeeper } from './json-depth';
import { ITERATION_STATUSES, JOB_STATUSES } from './views/common/status';

// Statuses and their labels are runtime-free (the live page's script shares them).

// The upstream's Job and Iteration, exactly as its reference page documents them
// (../shared/upstream/get-job.md). zod objects strip unknown keys, so whatever the
// upstream adds later never reaches the public answer until it is listed here.
// Optional fields are accepted as null because the upstream sends them that way.

// 2^63 − 1 rounds to 2^63 as a double; the reference page itself prints the rounded bound.
const INT64_MAX = 2 ** 63;

/** Any 8-4-4-4-12 hex id. The upstream says "uuid"; we do not insist on a version nibble. */
export const uuid = z.guid();

const int64 = z
  .number()
  .refine((n) => Number.isInteger(n) && Math.abs(n) <= INT64_MAX, 'expected an int64 integer');

/**
 * The upstream's timestamps are ISO 8601 with at most microseconds (Django's isoformat). zod
 * alone accepts any number of fractional digits; a timestamp with thousands of them is refused,
 * as it would carry its size into the summary and every live event.
 */
const dateTime = z.iso
  .datetime({ offset: true })
  .refine((s) => !/\.\d{7}/.test(s), 'expected at most 6 fractional digits (microseconds)');

export const JOB_TYPES = [
  'inference',
  'uploaded_outputs_setup',
  'judge_scoring',
  'prompt_tuning',
  'model_backtesting',
] as const;
export const JOB_TYPE_LABELS: Record<JobType, string> = {
  inference: 'Inference',
  uploaded_outputs_setup: 'Uploaded Outputs Setup',
  judge_scoring: 'Judge Scoring',
  prompt_tuning: 'Prompt Tuning',
  model_backtesting: 'Model Backtesting',
};
/**
 * Deepest nesting accepted in the upstream's free-form JSON fields. JSON.parse takes any depth,
 * but serialising a `result` of 100,000 nested arrays (200 KB) overflows the stack: such an
 * answer is refused like any other schema break, so it is never stored, and a stale good copy
 * is served where one exists. Real results nest a handful of levels.
 */
export const MAX_JSON_NESTING = 256;

/** JSON of any shape, as the upstream's "unknown (JSON)" fields. */
const anyJson = z
  .unknown()
  .refine((v) => !nestsDeeper(v, MAX_JSON_NESTING), `nested more than ${MAX_JSON_NESTING} levels deep`);

export const IterationSchema = z.object({
  id: uuid,
  created_at: dateTime,
  iteration_name: z.string().max(64),
  job: uuid,
  agent_code: z.string().nullish(),
  avg_score: z.number().nullish(),
  description: z.string().nullish(),
  dimension_scores: anyJson.optional(),
  order: int64.nullish(),
  status: z.enum(ITERATION_STATUSES).nullish(),
});

export const JobSchema = z.object({
  id: uuid,
  created_at: dateTime,
  iterations: z.array(IterationSchema),
  updated_at: dateTime,
  agent: uuid.nullish(),
  analyzer_model: z.string().max(128).nullish(),
  backtest_results: anyJson.optional(),
  baseline_score: z.number().nullish(),
  best_agent_code: z.string().nullish(),
  best_score: z.number().nullish(),
  candidates_per_iteration: int64.nullish(),
  celery_task_id: z.string().max(255).nullish(),
  data_source: z.string().max(20).nullish(),
  improvement: z.number().nullish(),
  job_type: z.enum(JOB_TYPES).nullish(),
  num_iterations: int64.nullish(),
  project: uuid.nullish(),
  prompt_slug: z.string().max(255).nullish(),
  report_markdown: z.string().nullish(),
  result: anyJson.optional(),
  status: z.enum(JOB_STATUSES).nullish(),
  triggered_by: z.number().nullish(),
});

export type Job = z.infer<typeof JobSchema>;
export type Iteration = z.infer<typeof IterationSchema>;
export type JobType = (typeof JOB_TYPES)[number];

export type ParseResult = { ok: true; job: Job } | { ok: false; reason: string };

/** Parse an upstream body; on failure, a short reason naming the first issue's path. */
export function parseJob(raw: unknown): ParseResult {
  const parsed = JobSchema.safeParse(raw);
  if (parsed.success) return { ok: true, job: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
  return { ok: false, reason: `schema: ${path}: ${issue?.message ?? 'invalid'}` };
}

/**
 * Remove redacted fields. A plain name removes a job field; `iterations.<name>`
 * removes a field from every iteration.
 */
export function redact(job: Job, fields: readonly string[]): Job {
  if (fields.length === 0) return job;
  const out: Record<string, unknown> = { ...job };
  const iterationFields: string[] = [];
  for (const f of fields) {
    if (f.startsWith('iterations.')) iterationFields.push(f.slice('iterations.'.length));
    else if (f !== 'id' && f !== 'iterations') delete out[f];
  }
  if (iterationFields.length > 0) {
    out.iterations = job.iterations.map((it) => {
      const copy: Record<string, unknown> = { ...it };
      for (const f of iterationFields) if (f !== 'id') delete copy[f];
      return copy;
    });
  }
  return out as Job;
}
