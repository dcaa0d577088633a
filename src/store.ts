// Two cache tiers with one interface: a byte-bounded LRU in the isolate's memory,
// in front of the Workers Cache API. What a copy is worth is decided by the caller from
// `storedAt` and its own clock (src/policy.ts); the tiers only keep things for at most `keepSeconds`.

export interface Stored {
  /** Small JSON-able facts about the body (status, etag, …). */
  meta: Record<string, string | number | null>;
  /** Encoded once when stored, so a hit sends bytes without re-encoding a string. */
  body: Uint8Array;
  /** ms epoch, by the caller's clock. */
  storedAt: number;
}

/** An LRU map bounded by the bytes of what it holds, not by its number of entries. */
export class ByteLru<V> {
  #map = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;
  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.#bytes;
  }
  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.#map.delete(key);
    this.#map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    // Something larger than the whole bound is not kept at all rather than flushing everything else.
    if (bytes > this.maxBytes) return;
    this.#map.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= v.bytes;
    }
  }

  delete(key: string): void {
    const old = this.#map.get(key);
    if (old) {
      this.#map.delete(key);
      this.#bytes -= old.bytes;
    }
  }
}

/** Approximate bytes a stored item holds in memory: its body plus its metadata. */
export function storedBytes(s: Stored): number {
  return s.body.byteLength + JSON.stringify(s.meta).length + 64;
}

export interface Store {
  get(key: string): Promise<Stored | null>;
  put(key: string, value: Stored, keepSeconds: number): Promise<void>;
  /** Only the memory tier, synchronously: the hot path of a hit costs no await on the Cache API. */
  peek(key: string): Stored | null;
}

const META_HEADER = 'X-Overmind-Meta';
const STORED_AT_HEADER = 'X-Overmind-Stored-At';

/**
 * `cache` is null where no Cache API exists; the memory tier then works alone.
 * `onError` hears Cache API failures, which never fail a request.
 */
export function tieredStore(
  memory: ByteLru<Stored>,
  cache: Promise<Cache | null>,
  onError: (what: string, err: unknown) => void,
): Store {
  return {
    peek(key) {
      return memory.get(key) ?? null;
    },
    async get(key) {
      const mem = memory.get(key);
      if (mem) return mem;
      const c = await cache;
      if (!c) return null;
      let res: Response | undefined;
      try {
        res = await c.match(key);
      } catch (err) {
        onError('cache match', err);
        return null;
      }
      if (!res) return null;
      const stored = await decode(res).catch((err: unknown) => {
        onError('cache decode', err);
        return null;
      });
      if (stored) memory.set(key, stored, storedBytes(stored));
      return stored;
    },
    async put(key, value, keepSeconds) {
      memory.set(key, value, storedBytes(value));
      const c = await cache;
      if (!c || keepSeconds <= 0) return;
      try {
        await c.put(key, encode(value, keepSeconds));
      } catch (err) {
        onError('cache put', err);
      }
    },
  };
}

function encode(s: Stored, keepSeconds: number): Response {
  return new Response(s.body, {
    headers: {
      'Cache-Control': `public, max-age=${Math.ceil(keepSeconds)}`,
      'Content-Type': 'application/octet-stream',
      [META_HEADER]: encodeURIComponent(JSON.stringify(s.meta)),
      [STORED_AT_HEADER]: String(s.storedAt),
    },
  });
}

async function decode(res: Response): Promise<Stored | null> {
  const metaRaw = res.headers.get(META_HEADER);
  const storedAt = Number(res.headers.get(STORED_AT_HEADER));
  if (metaRaw == null || !Number.isFinite(storedAt)) return null;
  const meta = JSON.parse(decodeURIComponent(metaRaw)) as Stored['meta'];
  return { meta, body: new Uint8Array(await res.arrayBuffer()), storedAt };
}
