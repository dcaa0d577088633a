import type { Summary } from './summary';

// Server-sent events as the live-events stream writes them (README "Live events"):
//
//   retry: 10000                          once, first: how long a dropped client waits to reconnect
//   id: 3f2a9c0d1e7b                      the job's content version
//   event: job
//   data: {…the summary…}
//
//   : heartbeat                           every EVENTS_HEARTBEAT_SECONDS, so proxies keep the stream open
//
//   id: 3f2a9c0d1e7b
//   event: end                            the job is terminal; the stream closes after it
//   data: {…the final summary…}
//
// JSON.stringify never emits a raw CR or LF, so every data field is one line.

export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // Never stored, never transformed: compression or buffering would hold events back.
  'Cache-Control': 'no-store, no-transform',
  'X-Accel-Buffering': 'no',
};

const enc = new TextEncoder();

export function retryField(ms: number): Uint8Array {
  return enc.encode(`retry: ${Math.max(0, Math.round(ms))}\n\n`);
}

export function jobEvent(summary: Summary): Uint8Array {
  return enc.encode(`id: ${summary.version}\nevent: job\ndata: ${JSON.stringify(summary)}\n\n`);
}

/** The last event: the final summary again, so a client that only sees this one has it all. */
export function endEvent(summary: Summary): Uint8Array {
  return enc.encode(`id: ${summary.version}\nevent: end\ndata: ${JSON.stringify(summary)}\n\n`);
}

export const HEARTBEAT = enc.encode(': heartbeat\n\n');

/** The reconnection delay a client is told: one freshness period, since nothing changes faster. */
export function retryMs(ttlActiveSeconds: number): number {
  return Math.max(1, ttlActiveSeconds) * 1000;
}

/**
 * A stream that says what is known now and closes: what an isolate serves when there is no
 * shield to hold the stream open. The `retry:` hint brings the client back a period later,
 * and Last-Event-ID keeps it from seeing the same version twice.
 */
export function oneShotStream(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
}
