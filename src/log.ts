// One structured log line per event, as Workers Logs ([observability]) indexes JSON fields.
// Callers never pass the API key or a caller's key; error texts from outside are scrubbed first.

export type LogFields = Record<string, unknown>;

export function logLine(fields: LogFields): void {
  console.log(JSON.stringify({ service: 'overmind-edge', ...fields }));
}

/** A request path as a log line may hold it: a share segment opens its job, so it is cut out. */
export function loggablePath(path: string): string {
  return path.replace(/^\/s\/[^/]*/, '/s/…');
}
