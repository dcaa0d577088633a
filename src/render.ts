import { strongEtag } from './lib/bytes';
import type { Services } from './services';
import type { Stored } from './store';

// Rendered bytes (pages, cards, badges) are cached like jobs, in both tiers, under a
// key naming the route, the job's content version and every parameter that changes
// the picture. A given key is rendered once per isolate however many ask at once.

export interface Rendered {
  body: Uint8Array;
  /** Strong ETag of the bytes, quoted. */
  etag: string;
}

/** How long rendered bytes are kept: their key carries the content version, so they never go wrong. */
const RENDER_KEEP_SECONDS = 2 * 86_400;

export function renderKey(
  s: Services,
  kind: string,
  id: string,
  version: string,
  params: Record<string, string>,
): string {
  const q = Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k] ?? '')}`)
    .join('&');
  const scope = encodeURIComponent(s.source.cacheScope);
  return `https://overmind-edge.internal/v1/${s.source.kind}/${scope}/render/${kind}/${id}/${version}?${q}`;
}

export async function rendered(
  s: Services,
  key: string,
  kind: string,
  render: () => Promise<string | Uint8Array> | string | Uint8Array,
): Promise<Rendered> {
  // Peek again after the Cache API's await: a render that finished meanwhile is in memory by now,
  // and one still running is in `inflight`, so nothing is rendered twice.
  const cached = s.store.peek(key) ?? (await s.store.get(key)) ?? s.store.peek(key);
  if (cached && typeof cached.meta.etag === 'string') return { body: cached.body, etag: cached.meta.etag };

  const inflight = s.state.renderInflight;
  let p = inflight.get(key);
  if (!p) {
    p = (async (): Promise<Stored> => {
      s.deps.onRender?.(kind);
      const out = await render();
      const body = typeof out === 'string' ? new TextEncoder().encode(out) : out;
      const stored: Stored = { meta: { etag: await strongEtag(body) }, body, storedAt: s.now() };
      s.waitUntil(s.store.put(key, stored, RENDER_KEEP_SECONDS));
      return stored;
    })().finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  const stored = await p;
  return { body: stored.body, etag: String(stored.meta.etag) };
}
