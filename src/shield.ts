import { DurableObject } from 'cloudflare:workers';
import {
  fetchEntry,
  jobOf,
  round,
  scrub,
  ShieldTimeout,
  type Copy,
  type JobEntry,
  type ShieldAnswer,
  type ShieldClient,
  type SourceDeps,
} from './cache';
import { jobTag } from './caching';
import { systemNow, type Now } from './clock';
import { readConfig, type Config, type Env } from './env';
import { AppError, errorShape, notFound, type ErrorShape } from './errors';
import { logLine } from './log';
import { decide, standsInFor, type Decision } from './policy';
import { type Job } from './schema';
import { isTerminal, JOB_STATUSES } from './views/common/status';
import { endEvent, HEARTBEAT, jobEvent, retryField, retryMs } from './sse';
import { summarize, type Summary } from './summary';
import { jobSource, type JobSource } from './upstream';

// The job shield: one SQLite-backed Durable Object per source and job id, the only code that
// asks the job source once isolates have one. It keeps the last good copy durably, makes one
// source call however many isolates ask at once, backs off after failures, and holds the
// live-events streams of the job, polling the source on an alarm while anyone watches.
//
// Where it lives: an object is created near the first request for its name unless
// SHIELD_LOCATION_HINT names a region (a Durable Object locationHint, honoured on first
// creation only). Put it near the upstream: every refresh is then one short hop, and the
// isolates' two tiers in front absorb the reads wherever the viewers are.
//
// Storage stays bounded (README "Shield storage"): each object's own alarm deletes all of its
// storage (deleteAll) once nothing in it is worth keeping: a remembered 404 once it is no longer
// fresh, a failure with no copy once its backoff has run out, a job's copy once nobody has asked
// for it in SHIELD_IDLE_DAYS. Anyone can create objects by asking for random ids; each of those
// deletes itself NOT_FOUND_TTL_SECONDS later.
//
// Names: `{source kind}:{source scope}:{job id}`, the scope being UPSTREAM_URL. Changing
// UPSTREAM_URL therefore starts new, empty shields (a copy from one upstream is never served as
// another's); the old objects are no longer asked for, and their alarms delete them on the same
// schedule. Objects created before this lifecycle existed set their alarm the next time they are asked.

/**
 * The shields' clock. Workerd constructs the object, so the clock cannot be a constructor
 * argument: it is this module's, and tests that run the shields in their own isolate replace it
 * (setShieldClock) to drive freshness, backoff, heartbeats and the forget deadline together with
 * runDurableObjectAlarm instead of waiting.
 */
let shieldNow: Now = systemNow;

/** Replace the shields' clock; no argument puts the platform's back. */
export function setShieldClock(now: Now = systemNow): void {
  shieldNow = now;
}

/**
 * Vars laid over the object's own env, or null. For tests only: there every harness (location)
 * of a test has its own vars while the namespace's env is wrangler.toml's, so helpers.harness
 * lays the vars it runs with over the shields' (setShieldEnv). A deployment never sets it: there
 * the object's env is the Worker's own, the same vars and secrets every isolate reads.
 */
let envOverlay: Env | null = null;
const overlaid = new WeakMap<Env, Env>();

export function setShieldEnv(vars: Env | null = null): void {
  envOverlay = vars;
}

/** The env a shield reads its config from: its own, with the tests' overlay if any. */
function shieldEnvOf(own: Env): Env {
  if (!envOverlay) return own;
  let env = overlaid.get(envOverlay);
  if (!env) overlaid.set(envOverlay, (env = { ...own, ...envOverlay }));
  return env;
}

/** The source a config asks, as object names carry it: `{kind}:{scope}` (see shieldName). */
export function sourceScope(source: Pick<JobSource, 'kind' | 'cacheScope'>): string {
  return `${source.kind}:${source.cacheScope}`;
}

/**
 * Seconds to wait before asking a failing upstream again after `failures` consecutive
 * failures: base × 2^(failures − 1), capped (1, 2, 4, 8, 16, 32, 60, 60 … by default).
 */
export function backoffSeconds(failures: number, base: number, cap: number): number {
  if (failures <= 0) return 0;
  return Math.min(cap, base * 2 ** Math.min(failures - 1, 30));
}

/** The object's name: source kind, source scope (the upstream URL, or `demo`) and job id. Never the key. */
export function shieldName(source: JobSource, id: string): string {
  return `${sourceScope(source)}:${id}`;
}

/**
 * What an isolate sends with each call: the job and the source it named the object by, never
 * config or a secret. The object reads its settings and the key from its own env.
 */
export interface LoadRequest {
  id: string;
  /** sourceScope of the caller's source: a shield whose own env names another source refuses. */
  scope: string;
}

export interface SubscribeRequest extends LoadRequest {
  /** Link base of this subscriber's summaries (origin, or origin + share prefix). */
  base: string;
  /** The client's address (CF-Connecting-IP), for the per-client cap. Kept in memory only. */
  client: string;
  lastEventId: string | null;
}

export type SubscribeAnswer =
  | {
      ok: true;
      stream: ReadableStream<Uint8Array>;
      /** Names the stream to `leave`: the isolate says so at once when its client goes away. */
      token: string;
    }
  | { ok: false; error: ErrorShape };

/**
 * What the object answers a caller it will not serve: one that named it by another source than
 * the object's env asks. Not thrown, so the object's isolate logs no uncaught error; the isolate's
 * side (shieldHandle) turns it into a failed call, and the isolate asks its source itself.
 */
export interface Refused {
  ok: false;
  refused: string;
}

interface Failure {
  count: number;
  retryAt: number;
  error: ErrorShape;
}

type Refreshed = { ok: true; entry: JobEntry; ms: number } | { ok: false; error: AppError; ms: number };

interface Subscriber {
  token: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
  base: string;
  client: string;
  /** The version this subscriber holds: the last one sent, or its Last-Event-ID. */
  version: string | null;
}

/** SQLite values in a Durable Object are capped at 2 MB, so bodies are kept in 1 MiB parts. */
const PART_BYTES = 1024 * 1024;
/** Events queued for a subscriber that stopped reading before it is dropped (it reconnects with Last-Event-ID). */
const MAX_QUEUED = 64;
const SUBSCRIBER_RETRY_AFTER = '30';

export class JobShield extends DurableObject<Env> {
  #copy: Copy | null | undefined;
  #failure: Failure | null | undefined;
  #inflight: Promise<Refreshed> | null = null;
  /** The job this object serves, once it has been asked. */
  #id: string | null = null;
  #subs = new Set<Subscriber>();
  #nextBeat = 0;
  /** When this object deletes its storage (see forgetAt); persisted lazily, exact in memory. */
  #forgetAt: number | null | undefined;
  #forgetAtStored: number | null | undefined;
  /** False after deleteAll: the tables are created again on the next call, not before. */
  #tables = false;
  /** Whether this instance has made sure the forget alarm is set (once per instance, and after writes). */
  #forgetScheduled = false;

  // The tables are created by the first call (synchronously, so no request can see them
  // missing), not by the constructor: an instance woken only to run its alarm, or after its
  // storage was deleted, must not bring empty tables back.
  #createTables(): void {
    if (this.#tables) return;
    this.#tables = true;
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS copy (
        k INTEGER PRIMARY KEY CHECK (k = 0),
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        etag TEXT,
        version TEXT,
        status TEXT,
        updated_at TEXT,
        stored_at INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        bytes INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS copy_part (n INTEGER PRIMARY KEY, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS edge_purge (k INTEGER PRIMARY KEY CHECK (k = 0), version TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS failure (
        k INTEGER PRIMARY KEY CHECK (k = 0),
        count INTEGER NOT NULL,
        retry_at INTEGER NOT NULL,
        error TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS lifecycle (
        k INTEGER PRIMARY KEY CHECK (k = 0),
        forget_at INTEGER NOT NULL
      );
    `);
  }

  /**
   * The job, by today's rules, from the stored copy or one source call shared by every caller;
   * with the edge purge that is due, if any, handed to this caller alone.
   */
  async load(req: LoadRequest): Promise<ShieldAnswer | Refused> {
    const config = this.#adopt(req);
    if ('refused' in config) return config;
    this.#createTables();
    const answer = await this.#answer(req.id, config);
    await this.#asked(config, shieldNow());
    if (!answer.ok || !this.#takePurge(answer.entry.version)) return answer;
    this.#log({ event: 'edge_purge_handed', id: req.id, version: answer.entry.version });
    return { ...answer, purge: [jobTag(req.id)] };
  }

  /** A live-events stream of the job, or the error a client gets instead (JSON, never a stream). */
  async subscribe(req: SubscribeRequest): Promise<SubscribeAnswer | Refused> {
    const { id } = req;
    const config = this.#adopt(req);
    if ('refused' in config) return config;
    this.#createTables();
    await this.#asked(config, shieldNow());
    const refused = this.#refuse(req, config);
    if (refused) return refused;
    const answer = await this.#answer(id, config);
    if (!answer.ok) return { ok: false, error: answer.error };
    // Checked again: other subscribers may have joined while the job was loading.
    const late = this.#refuse(req, config);
    if (late) return late;

    const entry = answer.entry;
    const token = crypto.randomUUID();
    let sub: Subscriber | null = null;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        sub = { token, controller, base: req.base, client: req.client, version: req.lastEventId };
      },
      cancel: async () => {
        if (sub) await this.#drop(sub);
      },
    });
    const s = sub as Subscriber | null;
    if (!s) throw new Error('stream did not start');
    const summary = summarize(jobOf(entry.body), entry.version, s.base);
    s.controller.enqueue(retryField(retryMs(config.TTL_ACTIVE_SECONDS)));
    if (s.version !== entry.version) {
      s.controller.enqueue(jobEvent(summary));
      s.version = entry.version;
    }
    if (isTerminal(entry.status)) {
      s.controller.enqueue(endEvent(summary));
      s.controller.close();
      return { ok: true, stream, token };
    }
    this.#subs.add(s);
    if (this.#subs.size === 1) this.#nextBeat = shieldNow() + config.EVENTS_HEARTBEAT_SECONDS * 1000;
    await this.#schedule();
    return { ok: true, stream, token };
  }

  /**
   * A client went away. Cancelling a stream does not reach the object at once through RPC (only
   * its next write fails), so the isolate that held the stream says so; the heartbeat remains
   * the backstop when an isolate cannot.
   */
  async leave(token: string): Promise<void> {
    for (const sub of this.#subs) {
      if (sub.token !== token) continue;
      this.#close(sub);
      await this.#drop(sub);
      return;
    }
  }

  /**
   * While anyone watches a job that is not terminal: ask the source once its copy is past
   * TTL_ACTIVE_SECONDS (not during a backoff), push a change to every subscriber, send the
   * heartbeat when due, and set the next alarm. With no subscribers it sets none.
   */
  override async alarm(): Promise<void> {
    const id = this.#id;
    if (this.#subs.size === 0) return this.#forgetIfDue(shieldNow());
    if (!id) return;
    const config = this.#settings();
    const now = shieldNow();
    if (now >= this.#nextPoll(config)) {
      try {
        await this.#refresh(id, config);
      } catch (err) {
        this.#log({ event: 'shield_poll_failed', id, error: scrub(String(err), config.OVERMIND_API_KEY) });
      }
    }
    if (now >= this.#nextBeat) {
      for (const sub of this.#subs) this.#send(sub, HEARTBEAT);
      this.#nextBeat = now + config.EVENTS_HEARTBEAT_SECONDS * 1000;
    }
    await this.#schedule();
  }

  /**
   * The object's settings: the one parsed Config of its own env (readConfig, once per env
   * object), in a deployment the same vars and secrets every isolate reads. Read where they are
   * used, the alarm included, so nothing secret travels by RPC and no caller's rules linger.
   */
  #settings(): Config {
    return readConfig(shieldEnvOf(this.env));
  }

  /**
   * The job a caller asks for, with the object's settings. A caller that named the object by
   * another source than the one this env asks is refused: a copy from one source is never served
   * as another's. The isolate then asks its source itself.
   */
  #adopt({ id, scope }: LoadRequest): Config | Refused {
    if (this.#id !== null && this.#id !== id) throw new Error('a shield serves one job');
    const config = this.#settings();
    const own = sourceScope(this.#source(config));
    if (scope !== own) {
      this.#log({ event: 'shield_source_mismatch', level: 'error', id, caller: scope, own });
      return { ok: false, refused: 'the caller names another source than this shield asks' };
    }
    this.#id = id;
    return config;
  }

  async #answer(id: string, config: Config): Promise<ShieldAnswer> {
    const t = shieldNow();
    const copy = this.#readCopy();
    const decision = decide(config, copy, t);
    if (copy?.kind === 'missing' && decision.use === 'not-found') {
      return { ok: false, error: errorShape(notFound()), storedAt: copy.storedAt };
    }
    const good = copy?.kind === 'job' ? copy.entry : null;
    if (good && decision.use === 'fresh') return { ok: true, entry: good, cache: 'HIT', stale: null };
    const failure = this.#readFailure();
    const backingOff = failure && t < failure.retryAt ? failure : null;
    if (good && decision.use === 'stale-while-revalidate') {
      if (backingOff) return { ok: true, entry: good, cache: 'STALE', stale: backingOff.error };
      this.ctx.waitUntil(
        this.#refresh(id, config).catch((err: unknown) =>
          this.#log({
            event: 'shield_revalidate_failed',
            id,
            error: scrub(String(err), config.OVERMIND_API_KEY),
          }),
        ),
      );
      return { ok: true, entry: good, cache: 'STALE', stale: 'revalidating' };
    }
    if (backingOff) {
      // Inside the window the source is not asked, whatever the traffic.
      const wait = String(Math.max(1, Math.ceil((backingOff.retryAt - t) / 1000)));
      const error = { ...backingOff.error, headers: { ...backingOff.error.headers, 'Retry-After': wait } };
      return this.#failed(good, decision, error, undefined);
    }
    const r = await this.#refresh(id, config);
    if (r.ok) {
      return { ok: true, entry: r.entry, cache: good ? 'REVALIDATED' : 'MISS', stale: null, sourceMs: r.ms };
    }
    if (r.error.code === 'not_found') {
      return { ok: false, error: errorShape(r.error), storedAt: shieldNow(), sourceMs: r.ms };
    }
    return this.#failed(good, decision, errorShape(r.error), r.ms);
  }

  /** Stale-if-error: the stored copy, marked with the reason, while the policy lets it stand in. */
  #failed(
    good: JobEntry | null,
    decision: Decision,
    error: ErrorShape,
    sourceMs: number | undefined,
  ): ShieldAnswer {
    const ms = sourceMs != null ? { sourceMs } : {};
    if (good && decision.use === 'stale-if-error' && standsInFor(error.code)) {
      return { ok: true, entry: good, cache: 'STALE', stale: error, ...ms };
    }
    return { ok: false, error, ...ms };
  }

  /** One source call at a time; everyone who asks meanwhile shares its outcome. */
  #refresh(id: string, config: Config): Promise<Refreshed> {
    if (this.#inflight) return this.#inflight;
    const p = (async (): Promise<Refreshed> => {
      const t0 = performance.now();
      try {
        const entry = await fetchEntry(this.#sourceDeps(config), id);
        const ms = round(performance.now() - t0);
        const before = this.#readCopy();
        const previous = before?.kind === 'job' ? before.entry : null;
        this.#writeCopy(id, { kind: 'job', entry });
        if (purgeDue(previous, entry)) this.#duePurge(entry.version);
        this.#log({
          event: 'shield_refresh',
          id,
          status: entry.status,
          version: entry.version,
          changed: previous?.version !== entry.version,
          ms,
        });
        this.#publish(entry);
        return { ok: true, entry, ms };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const ms = round(performance.now() - t0);
        if (err.code === 'not_found') {
          this.#writeCopy(id, { kind: 'missing', storedAt: shieldNow() });
          this.#log({ event: 'shield_refresh', id, status: 'not_found', ms });
          // Their job is gone: a reconnect gets the 404, which ends an EventSource for good.
          for (const sub of this.#subs) this.#close(sub);
          this.#subs.clear();
        } else {
          this.#backOff(id, err, config);
        }
        return { ok: false, error: err, ms };
      }
    })().finally(() => {
      this.#inflight = null;
    });
    this.#inflight = p;
    return p;
  }

  /** Kept durably until an isolate takes it: the object may be evicted before anyone asks again. */
  #duePurge(version: string): void {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO edge_purge (k, version) VALUES (0, ?)', version);
  }

  /**
   * True once per due purge, for a caller that gets the version it was noted for (not an older
   * copy answered while the refresh that noted it was still running): that caller purges.
   */
  #takePurge(version: string): boolean {
    const due = this.ctx.storage.sql
      .exec<{ version: string }>('SELECT version FROM edge_purge WHERE k = 0')
      .toArray()[0];
    if (due?.version !== version) return false;
    this.ctx.storage.sql.exec('DELETE FROM edge_purge');
    return true;
  }

  #backOff(id: string, err: AppError, config: Config): void {
    const count = (this.#readFailure()?.count ?? 0) + 1;
    const cap = Math.max(config.SHIELD_BACKOFF_MAX_SECONDS, config.SHIELD_BACKOFF_BASE_SECONDS);
    const scheduled = backoffSeconds(count, config.SHIELD_BACKOFF_BASE_SECONDS, cap);
    // An upstream that names its own wait (429 Retry-After) gets it, up to the cap.
    const asked = Number(err.headers['Retry-After']);
    const waitS = Math.min(cap, Math.max(scheduled, Number.isFinite(asked) ? asked : 0));
    const failure: Failure = { count, retryAt: shieldNow() + waitS * 1000, error: errorShape(err) };
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO failure (k, count, retry_at, error) VALUES (0, ?, ?, ?)',
      failure.count,
      failure.retryAt,
      JSON.stringify(failure.error),
    );
    this.#failure = failure;
    this.#forgetAt = undefined;
    this.#forgetScheduled = false;
    this.#log({ event: 'shield_backoff', id, code: err.code, failures: count, retry_in_s: waitS });
  }

  /** The object's own platform fetch and the shields' clock. */
  #source(config: Config): JobSource {
    return jobSource(
      config,
      (req) => fetch(req),
      () => shieldNow(),
    );
  }

  #sourceDeps(config: Config): SourceDeps {
    return { config, source: this.#source(config), now: () => shieldNow(), log: (f) => this.#log(f) };
  }

  #log(fields: Record<string, unknown>): void {
    logLine(fields);
  }

  // Storage: one row for the copy (or the remembered 404), its body in parts, one row for the failure.

  #readCopy(): Copy | null {
    if (this.#copy !== undefined) return this.#copy;
    const row = this.ctx.storage.sql
      .exec<{
        id: string;
        kind: string;
        etag: string | null;
        version: string | null;
        status: string | null;
        updated_at: string | null;
        stored_at: number;
        parts: number;
        bytes: number;
      }>('SELECT id, kind, etag, version, status, updated_at, stored_at, parts, bytes FROM copy WHERE k = 0')
      .toArray()[0];
    if (!row) return (this.#copy = null);
    if (row.kind === 'missing') return (this.#copy = { kind: 'missing', storedAt: row.stored_at });
    const body = new Uint8Array(row.bytes);
    let at = 0;
    for (const part of this.ctx.storage.sql
      .exec<{ data: ArrayBuffer }>('SELECT data FROM copy_part ORDER BY n')
      .toArray()) {
      const bytes = new Uint8Array(part.data);
      body.set(bytes, at);
      at += bytes.byteLength;
    }
    if (at !== row.bytes || row.etag == null || row.version == null || row.updated_at == null) {
      // A torn or foreign row is not a copy; the next call refetches.
      return (this.#copy = null);
    }
    return (this.#copy = {
      kind: 'job',
      entry: {
        id: row.id,
        body,
        etag: row.etag,
        version: row.version,
        status: JOB_STATUSES.find((s) => s === row.status) ?? null,
        updatedAt: row.updated_at,
        storedAt: row.stored_at,
      },
    });
  }

  #writeCopy(id: string, copy: Copy): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      sql.exec('DELETE FROM copy_part');
      sql.exec('DELETE FROM failure');
      if (copy.kind === 'missing') {
        sql.exec(
          "INSERT OR REPLACE INTO copy (k, id, kind, stored_at, parts, bytes) VALUES (0, ?, 'missing', ?, 0, 0)",
          id,
          copy.storedAt,
        );
        return;
      }
      const { entry } = copy;
      let parts = 0;
      for (let at = 0; at < entry.body.byteLength; at += PART_BYTES) {
        const part = entry.body.slice(at, at + PART_BYTES);
        sql.exec('INSERT INTO copy_part (n, data) VALUES (?, ?)', parts++, part.buffer);
      }
      sql.exec(
        `INSERT OR REPLACE INTO copy (k, id, kind, etag, version, status, updated_at, stored_at, parts, bytes)
         VALUES (0, ?, 'job', ?, ?, ?, ?, ?, ?, ?)`,
        id,
        entry.etag,
        entry.version,
        entry.status,
        entry.updatedAt,
        entry.storedAt,
        parts,
        entry.body.byteLength,
      );
    });
    this.#copy = copy;
    this.#failure = null;
    this.#forgetAt = undefined;
    this.#forgetScheduled = false;
  }

  #readFailure(): Failure | null {
    if (this.#failure !== undefined) return this.#failure;
    const row = this.ctx.storage.sql
      .exec<{ count: number; retry_at: number; error: string }>(
        'SELECT count, retry_at, error FROM failure WHERE k = 0',
      )
      .toArray()[0];
    if (!row) return (this.#failure = null);
    return (this.#failure = {
      count: row.count,
      retryAt: row.retry_at,
      error: JSON.parse(row.error) as ErrorShape,
    });
  }

  // Lifecycle (see forgetAt): the deadline is exact in memory and written when it moves past
  // forgetSlackMs, or at once when it comes earlier (a 404 replacing a copy).

  async #asked(config: Config, now: number): Promise<void> {
    this.#setForgetAt(config, now);
    if (!this.#forgetScheduled && this.#subs.size === 0) await this.#scheduleForget(config);
  }

  #setForgetAt(config: Config, now: number): number | null {
    const copy = this.#readCopy();
    const failure = this.#readFailure();
    const at = forgetAt({
      copy: copy?.kind === 'missing' ? copy : copy ? { kind: 'job' } : null,
      failure,
      askedAt: now,
      notFoundTtlSeconds: config.NOT_FOUND_TTL_SECONDS,
      backoffMaxSeconds: Math.max(config.SHIELD_BACKOFF_MAX_SECONDS, config.SHIELD_BACKOFF_BASE_SECONDS),
      idleDays: config.SHIELD_IDLE_DAYS,
    });
    this.#forgetAt = at;
    const stored = this.#readForgetAt();
    if (
      at !== null &&
      (stored === null || at < stored || at - stored >= forgetSlackMs(config.SHIELD_IDLE_DAYS))
    ) {
      this.ctx.storage.sql.exec('INSERT OR REPLACE INTO lifecycle (k, forget_at) VALUES (0, ?)', at);
      this.#forgetAtStored = at;
    }
    return at;
  }

  #readForgetAt(): number | null {
    if (this.#forgetAtStored !== undefined) return this.#forgetAtStored;
    const row = this.ctx.storage.sql
      .exec<{ forget_at: number }>('SELECT forget_at FROM lifecycle WHERE k = 0')
      .toArray()[0];
    return (this.#forgetAtStored = row ? row.forget_at : null);
  }

  /** The alarm at the forget deadline, unless one is due sooner (a poll, an earlier deadline). */
  async #scheduleForget(config: Config): Promise<void> {
    const at = this.#forgetAt ?? this.#setForgetAt(config, shieldNow());
    this.#forgetScheduled = true;
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** The forget alarm: delete everything once the deadline has passed, else wait for it. */
  async #forgetIfDue(now: number): Promise<void> {
    if (!this.#tables) {
      // A fresh instance: look, without creating anything, whether there is a deadline to act on.
      const lifecycle = this.ctx.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lifecycle'")
        .toArray();
      if (lifecycle.length === 0) return;
      this.#tables = true;
    }
    // In memory when this instance was asked; after an eviction, what was stored.
    const at = this.#forgetAt !== undefined ? this.#forgetAt : this.#readForgetAt();
    if (at === null) return;
    if (now < at || this.#inflight) {
      await this.ctx.storage.setAlarm(Math.max(at, now + 1000));
      return;
    }
    const copy = this.#readCopy();
    const kind = copy ? copy.kind : 'failure';
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#tables = false;
    this.#copy = undefined;
    this.#failure = undefined;
    this.#forgetAt = undefined;
    this.#forgetAtStored = undefined;
    this.#forgetScheduled = false;
    this.#log({ event: 'shield_forgotten', id: this.#id, kind });
  }

  // Subscribers: streams held in memory; an evicted object has none, and its alarm then stops.

  #refuse(req: SubscribeRequest, config: Config): SubscribeAnswer | null {
    if (this.#subs.size >= config.EVENTS_MAX_SUBSCRIBERS) {
      return tooMany(
        `This job already has ${config.EVENTS_MAX_SUBSCRIBERS} live-event streams. Try again later.`,
      );
    }
    let mine = 0;
    for (const s of this.#subs) if (s.client === req.client) mine++;
    if (mine >= config.EVENTS_MAX_PER_CLIENT) {
      return tooMany(
        `This client already holds ${config.EVENTS_MAX_PER_CLIENT} live-event streams of this job. Close one or try again later.`,
      );
    }
    return null;
  }

  /** A new copy reaches every subscriber that does not hold its version; a terminal one ends the streams. */
  #publish(entry: JobEntry): void {
    if (this.#subs.size === 0) return;
    // Links follow what opened each stream (origin or share link): summaries are made per base,
    // once per version, and the shared copy holds no link.
    const byBase = new Map<string, Summary>();
    let job: Job | null = null;
    const summaryFor = (base: string): Summary => {
      let summary = byBase.get(base);
      if (!summary) {
        job ??= jobOf(entry.body);
        summary = summarize(job, entry.version, base);
        byBase.set(base, summary);
      }
      return summary;
    };
    const terminal = isTerminal(entry.status);
    for (const sub of this.#subs) {
      if (sub.version !== entry.version) {
        this.#send(sub, jobEvent(summaryFor(sub.base)));
        sub.version = entry.version;
      }
      if (terminal) {
        this.#send(sub, endEvent(summaryFor(sub.base)));
        this.#close(sub);
      }
    }
    if (terminal) this.#subs.clear();
  }

  #send(sub: Subscriber, bytes: Uint8Array): void {
    const desired = sub.controller.desiredSize;
    if (desired !== null && desired < -MAX_QUEUED) {
      this.#close(sub);
      void this.#drop(sub);
      return;
    }
    try {
      sub.controller.enqueue(bytes);
    } catch {
      // The stream is gone (the client left before cancel arrived): forget it.
      void this.#drop(sub);
    }
  }

  #close(sub: Subscriber): void {
    try {
      sub.controller.close();
    } catch {
      // already closed or errored
    }
  }

  /** Forget a subscriber; with none left, the poll alarm gives way to the forget alarm (the promise says when). */
  #drop(sub: Subscriber): Promise<void> {
    if (!this.#subs.delete(sub) || this.#subs.size > 0) return Promise.resolve();
    const gone = this.#schedule();
    this.ctx.waitUntil(gone);
    return gone;
  }

  /** When the copy is due for a poll: past TTL_ACTIVE_SECONDS (at least 1 s), and not before a backoff ends. */
  #nextPoll(config: Config): number {
    const copy = this.#readCopy();
    const storedAt = copy?.kind === 'job' ? copy.entry.storedAt : 0;
    const due = storedAt + Math.max(1, config.TTL_ACTIVE_SECONDS) * 1000;
    return Math.max(due, this.#readFailure()?.retryAt ?? 0);
  }

  async #schedule(): Promise<void> {
    const config = this.#settings();
    if (this.#subs.size === 0) {
      await this.ctx.storage.deleteAlarm();
      this.#forgetScheduled = false;
      // An object nobody has asked yet holds nothing to forget.
      if (this.#id !== null) await this.#scheduleForget(config);
      return;
    }
    const at = Math.min(this.#nextPoll(config), this.#nextBeat);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

/**
 * Whether the edge's copies of a job must go now that `next` replaced `previous`: the job
 * became terminal, or a terminal job's content changed. A running job's changes are left to
 * its short lifetime (purges are rate limited); a first copy has nothing at the edge to correct.
 */
export function purgeDue(previous: JobEntry | null, next: JobEntry): boolean {
  if (!previous || !isTerminal(next.status)) return false;
  return !isTerminal(previous.status) || previous.version !== next.version;
}

// Lifecycle: the object deletes its own storage once nothing in it is worth keeping. One
// alarm serves both purposes: while anyone watches it polls (above), otherwise it is the
// forget alarm, which reschedules itself while the deadline keeps moving.
export interface ShieldLifecycle {
  /** What the object holds. */
  copy: { kind: 'job' } | { kind: 'missing'; storedAt: number } | null;
  failure: { retryAt: number } | null;
  /** The last time anyone asked for the job. */
  askedAt: number;
  notFoundTtlSeconds: number;
  backoffMaxSeconds: number;
  idleDays: number;
}

/**
 * When an object's storage is deleted, or null when it holds nothing: a remembered 404 when it
 * stops being fresh; a failure without a copy when its longest backoff has passed (a later ask
 * starts a new count); a job's copy, terminal or not, SHIELD_IDLE_DAYS after it was last asked for.
 */
export function forgetAt(l: ShieldLifecycle): number | null {
  if (l.copy?.kind === 'missing') return l.copy.storedAt + l.notFoundTtlSeconds * 1000;
  if (l.copy?.kind === 'job') return l.askedAt + l.idleDays * DAY_MS;
  if (l.failure) return l.failure.retryAt + l.backoffMaxSeconds * 1000;
  return null;
}

const DAY_MS = 86_400_000;

/**
 * How far the stored deadline may lag the one in memory before it is written: a job's deadline
 * moves on every ask, and a write per ask would cost more than it saves. An object evicted in
 * between forgets at most this much earlier than it would have (under a day in 30).
 */
export function forgetSlackMs(idleDays: number): number {
  return Math.min(DAY_MS, (idleDays * DAY_MS) / 30);
}

function tooMany(detail: string): SubscribeAnswer {
  return {
    ok: false,
    error: errorShape(
      new AppError(429, 'too_many_subscribers', detail, { 'Retry-After': SUBSCRIBER_RETRY_AFTER }),
    ),
  };
}

export interface ShieldHandle extends ShieldClient {
  subscribe(req: Omit<SubscribeRequest, 'scope'>): Promise<SubscribeAnswer>;
}

/**
 * The isolate's side: one stub per call (a stub that saw an error may be broken), the job and
 * the source's scope with it (no config, no key), and a deadline after which the isolate stops
 * waiting and asks the source itself. The deadline leaves the shield its upstream timeout plus a second.
 */
export function shieldHandle(
  ns: DurableObjectNamespace<JobShield>,
  source: JobSource,
  config: Config,
): ShieldHandle {
  const scope = sourceScope(source);
  const hint = config.SHIELD_LOCATION_HINT;
  const stub = (id: string) =>
    ns.getByName(shieldName(source, id), hint ? { locationHint: hint } : undefined);
  const deadline = config.UPSTREAM_TIMEOUT_MS + 1000;
  return {
    load: (id) =>
      withDeadline((stub(id).load({ id, scope }) as Promise<ShieldAnswer | Refused>).then(served), deadline),
    subscribe: async (req) => {
      const shield = stub(req.id);
      const p = (shield.subscribe({ ...req, scope }) as Promise<SubscribeAnswer | Refused>).then(served);
      const answer = await withDeadline(p, deadline, (late) => {
        // A stream that arrives after the isolate gave up would hold a subscriber slot for nobody.
        if (late.ok) {
          late.stream.cancel().catch(() => undefined);
          shield.leave(late.token).catch(() => undefined);
        }
      });
      if (!answer.ok) return answer;
      const { token } = answer;
      return { ...answer, stream: onCancel(answer.stream, () => shield.leave(token)) };
    },
  };
}

/** A refusal is a failed call: the caller falls back to its own source. */
function served<T extends object>(answer: T | Refused): T {
  if ('refused' in answer) throw new Error(`shield refused: ${answer.refused}`);
  return answer;
}

/** The same bytes, and `leave` called when the reader cancels (its client disconnected). */
function onCancel(inner: ReadableStream<Uint8Array>, leave: () => Promise<void>): ReadableStream<Uint8Array> {
  const reader = inner.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await Promise.allSettled([reader.cancel(reason), leave()]);
    },
  });
}

function withDeadline<T>(p: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new ShieldTimeout(ms));
    }, ms);
  });
  p.then(
    (v) => {
      if (timedOut) onLate?.(v);
    },
    () => undefined,
  );
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
