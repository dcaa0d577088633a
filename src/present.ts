import { JOB_TYPE_LABELS, type Job } from './schema';
import { isTerminal } from './views/common/status';
import { improvementPoints } from './views/common/job';

// The number and date formatting lives in src/views/common/format.ts and the job's figures in
// src/views/common/job.ts, runtime-free so the live page's script shares them.

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

/** Improvement relative to the baseline, in percent; null when the baseline is null or 0. */
export function relativeImprovement(job: Job): number | null {
  const pts = improvementPoints(job);
  const base = job.baseline_score;
  if (pts == null || base == null || base === 0) return null;
  return (pts / Math.abs(base)) * 100;
}
