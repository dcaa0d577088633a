import { z } from 'zod';
import type { JobShield } from './shield';

// The configuration, declared once: ConfigSchema gives each var its meaning, parsing and
// default; Env takes its vars from there, and readConfig parses them once per env object. Every
// other module reads the parsed Config, the shield too (from its own env, src/shield.ts).

/** Durable Object location hints (Cloudflare's list); anything else means "no hint". */
const LOCATION_HINTS = [
  'wnam',
  'enam',
  'sam',
  'weur',
  'eeur',
  'apac',
  'apac-ne',
  'apac-se',
  'oc',
  'afr',
  'me',
] as const satisfies readonly DurableObjectLocationHint[];
type LocationHint = (typeof LOCATION_HINTS)[number];

const seconds = (fallback: number) => z.coerce.number().int().min(0).max(31_536_000).catch(fallback);

/** A URL var: what `pick` takes of it, or '' when it is empty or no URL. */
const url = (pick: (u: URL) => string) =>
  z
    .string()
    .trim()
    .transform((s) => {
      if (s === '') return '';
      try {
        return pick(new URL(s));
      } catch {
        return '';
      }
    })
    .catch('');

const MiB = 1024 * 1024;
/**
 * Byte settings are bounded by what one isolate holds: 128 MB for everything, code and
 * requests in flight included. A job body is held raw, parsed and rendered at once (several
 * times its size), so one may be at most 16 MiB; the memory tier at most half the isolate.
 */
export const MAX_UPSTREAM_BYTES = 16 * MiB;
export const MAX_MEMORY_CACHE_BYTES = 64 * MiB;

const ConfigSchema = z.object({
  /** "production" (set in wrangler.toml's [env.production.vars]): fail closed while the deployment cannot serve real jobs. */
  DEPLOY_ENV: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .catch(''),
  /** Upstream base URL, e.g. https://api.overmindlab.ai. Empty or unset: demo mode, nothing leaves the worker. */
  UPSTREAM_URL: z
    .string()
    .trim()
    .transform((s) => s.replace(/\/+$/, ''))
    .catch(''),
  /** Secret: sent upstream as X-Api-Key. Never echoed, logged or part of a cache key. */
  OVERMIND_API_KEY: z.string().trim().catch(''),
  /** Upstream timeout in milliseconds, covering headers and body (default 5000). */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).catch(5000),
  /** Largest upstream body accepted, in bytes (default 5 MB). */
  UPSTREAM_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(MAX_UPSTREAM_BYTES)
    .catch(5 * MiB),
  /** Seconds a completed, failed or cancelled job stays fresh (default 3600). */
  TTL_TERMINAL_SECONDS: seconds(3600),
  /** Seconds a pending or running job stays fresh (default 10). */
  TTL_ACTIVE_SECONDS: seconds(10),
  /** Seconds past freshness a copy is served at once while it is refreshed in the background (default 60). */
  STALE_WHILE_REVALIDATE_SECONDS: seconds(60),
  /** Seconds past freshness a copy may stand in when the upstream fails (default 86400). */
  STALE_IF_ERROR_SECONDS: seconds(86_400),
  /** Seconds an unknown job (upstream 404) is remembered (default 30). */
  NOT_FOUND_TTL_SECONDS: seconds(30),
  /** Seconds the edge (Workers Cache) keeps a terminal job's answers; a change is purged by tag (default 86400). */
  EDGE_TTL_TERMINAL_SECONDS: seconds(86_400),
  /** Where purges go instead of Workers Cache's own (a cache simulator in front of wrangler dev). Empty: Workers Cache. */
  EDGE_PURGE_URL: url((u) => (u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '')),
  /** Comma-separated fields removed from every public answer; `iterations.x` reaches into iterations (default celery_task_id,triggered_by). */
  REDACT_FIELDS: z
    .string()
    .catch('celery_task_id,triggered_by')
    .transform((s) =>
      s
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  /** Byte bound of the in-isolate memory cache (default 16 MB). */
  MEMORY_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_MEMORY_CACHE_BYTES)
    .catch(16 * MiB),
  /** Where new shields are created, as a Durable Object locationHint (e.g. enam): near the upstream. Empty: near the first request. */
  SHIELD_LOCATION_HINT: z
    .string()
    .transform((v): LocationHint | null => LOCATION_HINTS.find((h) => h === v.trim().toLowerCase()) ?? null)
    .catch(null),
  /** First wait after an upstream failure, in seconds; doubles per consecutive failure (default 1). */
  SHIELD_BACKOFF_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).catch(1),
  /** Longest wait between two upstream calls for a failing job, in seconds (default 60). */
  SHIELD_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).catch(60),
  /** Seconds between heartbeat comments on a live-events stream (default 15). */
  EVENTS_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).catch(15),
  /** Live-events streams one job serves at once (default 1000). */
  EVENTS_MAX_SUBSCRIBERS: z.coerce.number().int().min(1).max(100_000).catch(1000),
  /** Live-events streams one client (CF-Connecting-IP) may hold on one job (default 20). */
  EVENTS_MAX_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).catch(20),
  /** "off" disables the per-client miss limit (load tests from one address); default on. */
  MISS_RATE_LIMIT: z
    .string()
    .transform((s) => s.trim().toLowerCase() !== 'off')
    .catch(true),
  /** "on" (default): reports, cards and comments may be indexed by search engines. "off": every job answer says noindex. Share links never may. */
  INDEXING: z
    .string()
    .transform((s) => s.trim().toLowerCase() !== 'off')
    .catch(true),
  /** Origin used for absolute URLs in pages and images, e.g. https://edge.example.com. Unset: the request's own origin. */
  PUBLIC_ORIGIN: url((u) => u.origin),
  // Unset or empty is public; any other value than the two words is kept, and fails closed (src/share.ts).
  /** "public" (default): any job is readable by its id. "signed": only under a share link, /s/{token}/…; any other value fails closed. */
  SHARE_MODE: z
    .unknown()
    .transform((v) =>
      v == null ? 'public' : typeof v === 'string' ? v.trim().toLowerCase() || 'public' : 'invalid',
    ),
  /** Secret: HMAC-SHA256 key of share links, at least 32 characters. Signed mode without it answers 503 on every job route. */
  SHARE_SECRET: z.string().trim().catch(''),
  /** Secret: the secret before the last rotation, still accepted for verifying (never for minting). */
  SHARE_SECRET_PREVIOUS: z.string().trim().catch(''),
  /** Longest `expires_in` POST /api/shares accepts, in seconds (default 31536000, one year). */
  SHARE_MAX_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(315_360_000).catch(31_536_000),
  // Past a year nobody can tell the copy is kept on purpose; 0 is not "forever" but malformed.
  /** Days a finished job's shield keeps its copy after it was last asked for, then deletes it (default 30). */
  SHIELD_IDLE_DAYS: z.coerce.number().int().min(1).max(365).catch(30),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The platform's bindings wrangler.toml gives the worker; the vars are ConfigSchema's (above). */
interface Bindings {
  /** Durable Object binding: the per-job shield (src/shield.ts). Unset: isolates ask the source themselves. */
  JOB_SHIELD?: DurableObjectNamespace<JobShield>;
  /** Rate Limiting binding: upstream misses per client IP (wrangler.toml [[ratelimits]]). */
  UPSTREAM_MISS_LIMITER?: RateLimit;
  /** Rate Limiting binding: share links minted per client IP (wrangler.toml [[ratelimits]]). */
  SHARE_MINT_LIMITER?: RateLimit;
  /** Static Assets binding: fonts and emoji for scripts beyond Inter (wrangler.toml [assets]). Unset: those show placeholders. */
  ASSETS?: Fetcher;
  /** Version metadata binding (wrangler.toml [version_metadata]): the deployed version, for /healthz?verbose=1. */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
}

/** Every var as the platform hands it over: a string, or unset. */
type Vars = { [K in keyof typeof ConfigSchema.shape]?: string };

/**
 * The worker's env: its bindings and its vars. A var is declared once, in ConfigSchema (its
 * meaning, parsing and default); every var is optional, and the README lists them.
 */
export interface Env extends Bindings, Vars {}

const memo = new WeakMap<object, Config>();
const rejected = new WeakMap<Config, string[]>();

/** Secrets: a rejected value is named, never shown. */
const SECRETS = new Set(['OVERMIND_API_KEY', 'SHARE_SECRET', 'SHARE_SECRET_PREVIOUS']);

/**
 * Parse the vars once per env object. A malformed or out-of-range value falls back to its
 * default rather than taking the worker down (configWarnings says which); `undefined` (unset)
 * takes the default silently.
 */
export function readConfig(env: Env): Config {
  let config = memo.get(env);
  if (!config) {
    const raw: Record<string, unknown> = {};
    const warnings: string[] = [];
    for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
      const v = (env as Record<string, unknown>)[key];
      // An empty string for a numeric var means "unset", not 0.
      raw[key] = v === '' && key !== 'UPSTREAM_URL' && key !== 'REDACT_FIELDS' ? undefined : v;
      if (
        raw[key] !== undefined &&
        schema instanceof z.ZodCatch &&
        !schema.unwrap().safeParse(raw[key]).success
      ) {
        const fallback = schema.parse(undefined) as unknown;
        warnings.push(
          SECRETS.has(key)
            ? `${key} is not a string; it is ignored.`
            : `${key}=${JSON.stringify(String(raw[key]).slice(0, 64))} is malformed or out of range; using the default ${JSON.stringify(fallback)}.`,
        );
      }
    }
    config = ConfigSchema.parse(raw);
    memo.set(env, config);
    rejected.set(config, warnings);
  }
  return config;
}

/** The settings readConfig set aside for their defaults, one sentence each (logged as warnings). */
export function configWarnings(config: Config): readonly string[] {
  return rejected.get(config) ?? [];
}

/** DEPLOY_ENV = "production": the deployment fails closed while it cannot serve real jobs (src/deployment.ts). */
export function isProduction(config: Config): boolean {
  return config.DEPLOY_ENV === 'production';
}

export function isDemoMode(config: Config): boolean {
  return config.UPSTREAM_URL === '';
}
