import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it, vi } from 'vitest';
import { createApp } from '../src/app';
import type { Env } from '../src/env';
import { setShieldClock, setShieldEnv, shieldName } from '../src/shield';
import type { JobSource } from '../src/upstream';
import { API_KEY, json, UPSTREAM } from './helpers';

// The bench row "shield storage of N requests for random unknown ids" (test/bench/shield.ts runs
// this file in workerd and reads the BENCH_STORAGE line): N requests, each for a new random id the
// upstream does not know, each making one shield that remembers a 404. Then the shields' clock
// moves past NOT_FOUND_TTL_SECONDS and each one's alarm runs, as Cloudflare would run it.
// (workerd's process.env holds the worker's vars, not the shell's: N is set here.) Storage
// is counted in every shield before and after. Reported, not asserted: npm test has the assertions.

const N = inject('unknownIds');

declare module 'vitest' {
  export interface ProvidedContext {
    unknownIds: number;
  }
}
const CONCURRENCY = 50;
const scope = { kind: 'upstream', cacheScope: UPSTREAM } as JobSource;

interface Held {
  objects: number;
  tables: number;
  rows: number;
  bytes: number;
}

async function held(ids: string[]): Promise<Held> {
  const out: Held = { objects: 0, tables: 0, rows: 0, bytes: 0 };
  for (const id of ids) {
    const one = await runInDurableObject(env.JOB_SHIELD.getByName(shieldName(scope, id)), (_i, state) => {
      const sql = state.storage.sql;
      const tables = sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
        )
        .toArray()
        .map((r) => r.name);
      let rows = 0;
      for (const t of tables) rows += sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${t}"`).one().n;
      return { tables: tables.length, rows, bytes: sql.databaseSize };
    });
    if (one.tables > 0 || one.rows > 0) out.objects++;
    out.tables += one.tables;
    out.rows += one.rows;
    out.bytes += one.bytes;
  }
  return out;
}

it('bench: shield storage of N requests for random unknown ids', { timeout: 900_000 }, async () => {
  vi.spyOn(globalThis, 'fetch').mockImplementation(async () => json({ detail: 'Not found.' }, 404));
  const app = createApp({
    openCache: () => caches.open(`bench-${crypto.randomUUID()}`),
    log: () => undefined,
  });
  const e: Env = {
    UPSTREAM_URL: UPSTREAM,
    OVERMIND_API_KEY: API_KEY,
    JOB_SHIELD: env.JOB_SHIELD,
    MISS_RATE_LIMIT: 'off',
    // Long enough that no alarm fires on its own while the requests run; the clock is then moved past it.
    NOT_FOUND_TTL_SECONDS: '3600',
  };
  // The shields read their vars from their own env: wrangler.toml's, with these laid over.
  setShieldEnv(e);
  const ids = Array.from({ length: N }, () => crypto.randomUUID());
  const t0 = performance.now();
  let notFound = 0;
  for (let i = 0; i < ids.length; i += CONCURRENCY) {
    await Promise.all(
      ids.slice(i, i + CONCURRENCY).map(async (id) => {
        const ctx = createExecutionContext();
        const res = await app.fetch(new Request(`https://edge.test/api/jobs/${id}/`), e, ctx);
        await res.arrayBuffer();
        await waitOnExecutionContext(ctx);
        if (res.status === 404) notFound++;
      }),
    );
  }
  const requestMs = performance.now() - t0;
  const before = await held(ids);

  const now = Date.now();
  setShieldClock(() => now + 3601_000);
  const t1 = performance.now();
  let ran = 0;
  for (const id of ids)
    if (await runDurableObjectAlarm(env.JOB_SHIELD.getByName(shieldName(scope, id)))) ran++;
  const alarmMs = performance.now() - t1;
  const after = await held(ids);

  console.log(
    `BENCH_STORAGE ${JSON.stringify({
      requests: N,
      not_found: notFound,
      request_ms: Math.round(requestMs),
      before,
      alarms_run: ran,
      alarm_ms: Math.round(alarmMs),
      after,
    })}`,
  );
  vi.restoreAllMocks();
  setShieldClock();
});
