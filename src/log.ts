// One structured log line per event, as Workers Logs ([observability]) indexes JSON fields.
// Callers never pass the API key or a caller's key; error texts from outside are scrubbed first.
// The level follows the event, so Workers Logs' level filter finds what needs an operator:
// errors for what fails a request or means a broken deployment, warnings for what degrades
// (a tier falling back, a backoff), everything else at info. README "Logs" lists the queries.

export type LogFields = Record<string, unknown>;

const ERRORS = new Set([
  'internal_error',
  'upstream_error',
  'error_render_failed',
  'background_error',
  'shield_poll_failed',
  'share_misconfigured',
  'deployment_misconfigured',
]);

const WARNINGS = new Set([
  'shield_backoff',
  'shield_fallback',
  'revalidate_failed',
  'shield_revalidate_failed',
  'cache_unavailable',
  'cache_error',
  'rate_limiter_error',
  'config_rejected',
]);

export function logLevel(event: unknown): 'error' | 'warn' | 'info' {
  if (typeof event !== 'string') return 'info';
  return ERRORS.has(event) ? 'error' : WARNINGS.has(event) ? 'warn' : 'info';
}

export function logLine(fields: LogFields): void {
  const line = JSON.stringify({ service: 'overmind-edge', ...fields });
  const level = logLevel(fields.event);
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/** A request path as a log line may hold it: a share segment opens its job, so it is cut out. */
export function loggablePath(path: string): string {
  return path.replace(/^\/s\/[^/]*/, '/s/…');
}
