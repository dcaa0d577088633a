// One structured log line per event, as Workers Logs ([observability]) indexes JSON fields.
// Callers never pass the API key or a caller's key; error texts from outside are scrubbed first.

export type LogFields = Record<string, unknown>;

export function logLine(fields: LogFields): void {
  console.log(JSON.stringify({ service: 'overmind-edge', ...fields }));
}
