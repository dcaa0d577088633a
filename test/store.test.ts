import { contentVersion, VIEWS_REVISION } from '../src/cache';
import { hex, sha256 } from '../src/lib/bytes';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/env';
import { ByteLru } from '../src/store';

describe('ByteLru', () => {
  it('never holds more bytes than its bound, evicting the least recently used', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    expect(lru.get('a')).toBe('A'); // a is now most recent
    lru.set('c', 'C', 40);
    expect(lru.bytes).toBe(80);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.get('c')).toBe('C');
  });

  it('replacing a key frees its old bytes; an item larger than the bound is not kept', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 60);
    lru.set('a', 'A2', 30);
    expect(lru.bytes).toBe(30);
    lru.set('huge', 'H', 101);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.get('a')).toBe('A2');
  });

  it('stays within its bound under many distinct keys', () => {
    const lru = new ByteLru<number>(10_000);
    for (let i = 0; i < 5000; i++) {
      lru.set(`k${i}`, i, 37 + (i % 100));
      expect(lru.bytes).toBeLessThanOrEqual(10_000);
    }
    expect(lru.size).toBeGreaterThan(50);
  });
});

describe('readConfig', () => {
  it('gives every var its documented default', () => {
    expect(readConfig({})).toEqual({
      UPSTREAM_URL: '',
      OVERMIND_API_KEY: '',
      UPSTREAM_TIMEOUT_MS: 5000,
      UPSTREAM_MAX_BYTES: 5 * 1024 * 1024,
      TTL_TERMINAL_SECONDS: 3600,
      TTL_ACTIVE_SECONDS: 10,
      STALE_WHILE_REVALIDATE_SECONDS: 60,
      STALE_IF_ERROR_SECONDS: 86_400,
      NOT_FOUND_TTL_SECONDS: 30,
      EDGE_TTL_TERMINAL_SECONDS: 86_400,
      EDGE_PURGE_URL: '',
      DEPLOY_ENV: '',
      SHIELD_IDLE_DAYS: 30,
      REDACT_FIELDS: ['celery_task_id', 'triggered_by'],
      MEMORY_CACHE_BYTES: 16 * 1024 * 1024,
      MISS_RATE_LIMIT: true,
      PUBLIC_ORIGIN: '',
      INDEXING: true,
      SHARE_MODE: 'public',
      SHARE_SECRET: '',
      SHARE_SECRET_PREVIOUS: '',
      SHARE_MAX_EXPIRES_SECONDS: 31_536_000,
      SHIELD_BACKOFF_BASE_SECONDS: 1,
      SHIELD_BACKOFF_MAX_SECONDS: 60,
      SHIELD_LOCATION_HINT: null,
      EVENTS_HEARTBEAT_SECONDS: 15,
      EVENTS_MAX_SUBSCRIBERS: 1000,
      EVENTS_MAX_PER_CLIENT: 20,
    });
  });

  it('parses set values and falls back on malformed ones instead of failing', () => {
    const c = readConfig({
      UPSTREAM_URL: 'https://api.overmindlab.ai/',
      TTL_ACTIVE_SECONDS: '5',
      UPSTREAM_TIMEOUT_MS: 'soon',
      REDACT_FIELDS: '',
      PUBLIC_ORIGIN: 'https://edge.example.com/some/path',
    });
    expect(c.UPSTREAM_URL).toBe('https://api.overmindlab.ai');
    expect(c.TTL_ACTIVE_SECONDS).toBe(5);
    expect(c.UPSTREAM_TIMEOUT_MS).toBe(5000);
    expect(c.REDACT_FIELDS).toEqual([]);
    expect(c.PUBLIC_ORIGIN).toBe('https://edge.example.com');
  });
});

describe('content versions', () => {
  it('move with the views revision, so images drawn by older cards get new immutable URLs', async () => {
    const digest = await sha256('{"id":"x"}');
    const v2 = await contentVersion(digest, 2);
    expect(v2).toMatch(/^[0-9a-f]{12}$/);
    expect(await contentVersion(digest, 2)).toBe(v2);
    expect(await contentVersion(digest, 3)).not.toBe(v2);
    expect(await contentVersion(await sha256('{"id":"y"}'), 2)).not.toBe(v2);
    // The version is not the ETag's digest: the JSON's validator stays content-only.
    expect(v2).not.toBe(hex(digest.subarray(0, 6)));
    expect(await contentVersion(digest)).toBe(await contentVersion(digest, VIEWS_REVISION));
  });
});
