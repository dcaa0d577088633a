// The upstream's job and iteration statuses and the words for them. Runtime-free, so the live
// page's script (src/client/live.ts) can share them without bundling the schema's validators,
// which build their enums from these.

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export const ITERATION_STATUSES = ['keep', 'discard'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type IterationStatus = (typeof ITERATION_STATUSES)[number];

export const JOB_STATUS_LABELS: Record<JobStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const ITERATION_STATUS_LABELS: Record<IterationStatus, string> = {
  keep: 'Keep',
  discard: 'Discard',
};

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

/** A job with no status yet is treated as active: it may still change. */
export function isTerminal(status: JobStatus | null | undefined): boolean {
  return status != null && TERMINAL_STATUSES.has(status);
}
