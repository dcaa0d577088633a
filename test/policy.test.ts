import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notFoundRemembered } from '../src/caching';
import { readConfig } from '../src/env';
import type { ErrorCode } from '../src/errors';
import { decide, keepSeconds, standsInFor, type CachePolicy, type Decision, type Held } from '../src/policy';
import { JOB_STATUSES, type JobStatus } from '../src/views/common/status';

// The cache policy (src/policy.ts) as a table: what a copy or a remembered 404 is worth at a
// given age, by status and settings. The clock is a parameter, so each row names its moment.

const T0 = Date.parse('2036-01-01T00:00:00Z');
/** The defaults: active 10 s, terminal 3600 s, stale-while-revalidate 60 s, stale-if-error 86400 s, 404 30 s. */
const DEFAULTS: CachePolicy = readConfig({});

const job = (status: JobStatus | null): Held => ({ kind: 'job', entry: { status, storedAt: T0 } });
const missing: Held = { kind: 'missing', storedAt: T0 };
const at = (ageSeconds: number) => T0 + ageSeconds * 1000;
const use = (d: Decision) => d.use;

describe('decide: a copy by age and status, with the default settings', () => {
  const rows: [JobStatus | null, number, Decision['use']][] = [
    // A running job: fresh 10 s, then served while revalidating for 60 s, then only for failures.
    ['running', 0, 'fresh'],
    ['running', 9.999, 'fresh'],
    ['running', 10, 'stale-while-revalidate'],
    ['running', 69.999, 'stale-while-revalidate'],
    ['running', 70, 'stale-if-error'],
    ['running', 10 + 86_400 - 0.001, 'stale-if-error'],
    ['running', 10 + 86_400, 'miss'],
    ['pending', 5, 'fresh'],
    ['pending', 11, 'stale-while-revalidate'],
    // No status is not terminal: it may still change.
    [null, 9, 'fresh'],
    [null, 10, 'stale-while-revalidate'],
    // Terminal jobs: fresh for an hour.
    ['completed', 3599, 'fresh'],
    ['completed', 3600, 'stale-while-revalidate'],
    ['failed', 3659, 'stale-while-revalidate'],
    ['cancelled', 3660, 'stale-if-error'],
    ['completed', 3600 + 86_400, 'miss'],
    // A copy stamped by a clock ahead of this one is fresh, not stale.
    ['running', -5, 'fresh'],
  ];
  it.each(rows)('%s at %s s: %s', (status, age, expected) => {
    expect(use(decide(DEFAULTS, job(status), at(age)))).toBe(expected);
  });

  it('gives the age it decided at, in seconds', () => {
    expect(decide(DEFAULTS, job('running'), at(12.5))).toEqual({
      use: 'stale-while-revalidate',
      ageSeconds: 12.5,
    });
    expect(decide(DEFAULTS, job('running'), at(100))).toEqual({ use: 'stale-if-error', ageSeconds: 100 });
  });

  it('nothing held is a miss', () => {
    expect(decide(DEFAULTS, null, T0)).toEqual({ use: 'miss' });
  });
});

describe('decide: other settings', () => {
  it('where stale-while-revalidate outlasts stale-if-error, the copy is still served at once', () => {
    const p = { ...DEFAULTS, STALE_WHILE_REVALIDATE_SECONDS: 120, STALE_IF_ERROR_SECONDS: 30 };
    expect(use(decide(p, job('running'), at(10 + 60)))).toBe('stale-while-revalidate');
    expect(use(decide(p, job('running'), at(10 + 119)))).toBe('stale-while-revalidate');
    expect(use(decide(p, job('running'), at(10 + 120)))).toBe('miss');
  });

  it('with every window 0 nothing is ever served from a copy', () => {
    const p = {
      ...DEFAULTS,
      TTL_ACTIVE_SECONDS: 0,
      TTL_TERMINAL_SECONDS: 0,
      STALE_WHILE_REVALIDATE_SECONDS: 0,
      STALE_IF_ERROR_SECONDS: 0,
    };
    for (const status of JOB_STATUSES) expect(use(decide(p, job(status), at(0)))).toBe('miss');
  });

  it('the status picks the freshness: TTL_ACTIVE_SECONDS while it may change, TTL_TERMINAL_SECONDS after', () => {
    const p = { ...DEFAULTS, TTL_ACTIVE_SECONDS: 100, TTL_TERMINAL_SECONDS: 5 };
    expect(use(decide(p, job('running'), at(50)))).toBe('fresh');
    expect(use(decide(p, job('completed'), at(50)))).toBe('stale-while-revalidate');
  });
});

describe('decide: a remembered 404', () => {
  const rows: [number, Decision][] = [
    [0, { use: 'not-found', leftSeconds: 30 }],
    [0.001, { use: 'not-found', leftSeconds: 30 }],
    [1, { use: 'not-found', leftSeconds: 29 }],
    [29.5, { use: 'not-found', leftSeconds: 1 }],
    [29.999, { use: 'not-found', leftSeconds: 1 }],
    [30, { use: 'miss' }],
    [3600, { use: 'miss' }],
    // Stamped by a clock ahead: remembered, never for longer than NOT_FOUND_TTL_SECONDS.
    [-10, { use: 'not-found', leftSeconds: 30 }],
  ];
  it.each(rows)('at %s s: %j', (age, expected) => {
    expect(decide(DEFAULTS, missing, at(age))).toEqual(expected);
  });

  it('NOT_FOUND_TTL_SECONDS=0 remembers nothing a cache in front may keep', () => {
    const p = { ...DEFAULTS, NOT_FOUND_TTL_SECONDS: 0 };
    expect(decide(p, missing, at(0))).toEqual({ use: 'miss' });
    expect(decide(p, missing, at(-1))).toEqual({ use: 'not-found', leftSeconds: 0 });
  });

  it('turns into the 404 a cache may keep for what is left, and not at all once nothing is', () => {
    const kept = notFoundRemembered(29);
    expect([kept.status, kept.code, kept.headers['Cache-Control']]).toEqual([
      404,
      'not_found',
      'public, max-age=29',
    ]);
    expect(notFoundRemembered(0).headers['Cache-Control']).toBe('no-store');
  });
});

describe('what a stale copy stands in for', () => {
  const codes: [ErrorCode, boolean][] = [
    ['upstream_auth', true],
    ['upstream_rate_limited', true],
    ['upstream_unavailable', true],
    ['upstream_timeout', true],
    ['upstream_invalid', true],
    ['rate_limited', true],
    ['not_found', false],
    ['invalid_id', false],
    ['invalid_query', false],
    ['too_many_subscribers', false],
    ['internal_error', false],
    ['misconfigured', false],
    ['unauthorized', false],
    ['forbidden', false],
  ];
  it.each(codes)('%s: %s', (code, expected) => {
    expect(standsInFor(code)).toBe(expected);
  });
});

describe('keepSeconds', () => {
  it('with the defaults: freshness plus the longer stale window', () => {
    expect(keepSeconds(DEFAULTS, 'running')).toBe(10 + 86_400);
    expect(keepSeconds(DEFAULTS, 'completed')).toBe(3600 + 86_400);
  });

  it('a tier keeps a copy exactly as long as some decision may still serve it', () => {
    const window = fc.integer({ min: 0, max: 100_000 });
    fc.assert(
      fc.property(
        fc.record({
          TTL_ACTIVE_SECONDS: window,
          TTL_TERMINAL_SECONDS: window,
          STALE_WHILE_REVALIDATE_SECONDS: window,
          STALE_IF_ERROR_SECONDS: window,
          NOT_FOUND_TTL_SECONDS: window,
        }),
        fc.constantFrom(...JOB_STATUSES, null),
        fc.integer({ min: 0, max: 400_000_000 }),
        (policy, status, ageMs) => {
          const served = decide(policy, job(status), T0 + ageMs).use !== 'miss';
          expect(served).toBe(ageMs < keepSeconds(policy, status) * 1000);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
