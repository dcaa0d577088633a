import { z } from 'zod';
import type {
  ZodOpenApiOperationObject,
  ZodOpenApiResponseObject,
  ZodOpenApiResponsesObject,
} from 'zod-openapi';
import type { ErrorCode } from '../errors';
import type { EndpointBadge } from '../images';
import { IterationSchema, JobSchema } from '../schema';
import { segmentPattern } from '../routes/define';
import { SummarySchema } from '../summary';

// The shared pieces of the OpenAPI 3.1 document (README "URL forms"): error codes, named
// schemas, parameters, headers and responses. Each route's operation is declared beside its
// handler (src/routes/*.ts) from these pieces and the zod schemas the worker parses with;
// src/openapi/document.ts builds the document from the routes an app registers.

/** Every error code, with the statuses it comes with; a new code fails typecheck until described. */
export const ERROR_CODES: Record<ErrorCode, { status: number; meaning: string }> = {
  invalid_id: { status: 400, meaning: 'A job id in the path (or in `?base=`) is not a UUID.' },
  invalid_query: {
    status: 400,
    meaning: 'A known query parameter has a value outside its choices or limits; the detail names it.',
  },
  not_found: {
    status: 404,
    meaning: 'No such job (the upstream answered 404; remembered briefly), or no such path.',
  },
  method_not_allowed: { status: 405, meaning: 'A method other than GET, HEAD or OPTIONS; see `Allow`.' },
  uri_too_long: { status: 414, meaning: 'The URL is longer than 2,048 characters.' },
  headers_too_large: { status: 431, meaning: 'The request headers exceed 16 KB.' },
  rate_limited: {
    status: 429,
    meaning: 'Too many requests for jobs that are not cached, from one client; see `Retry-After`.',
  },
  too_many_subscribers: {
    status: 429,
    meaning: 'Too many live-event streams for this job, or from this client on it; see `Retry-After`.',
  },
  internal_error: { status: 500, meaning: 'A bug on our side; it has been logged.' },
  misconfigured: {
    status: 503,
    meaning:
      'The deployment cannot serve jobs: signed sharing that cannot verify links (no or short `SHARE_SECRET`, unknown `SHARE_MODE`), or production in demo mode, without `OVERMIND_API_KEY` or without an explicit `SHARE_MODE`. The detail and `/healthz` say which.',
  },
  share_expired: { status: 410, meaning: 'A genuine share link past its expiry.' },
  unauthorized: { status: 401, meaning: 'No caller key, or the upstream refused it (minting a share link).' },
  forbidden: { status: 403, meaning: 'The upstream says the caller’s key may not read that job (minting).' },
  invalid_body: { status: 400, meaning: 'The request body is not the JSON asked for; the detail says why.' },
  payload_too_large: { status: 413, meaning: 'The request body is too large.' },
  upstream_auth: { status: 502, meaning: "The upstream refused this service's API key." },
  upstream_unavailable: { status: 502, meaning: 'The upstream failed (5xx) or could not be reached.' },
  upstream_invalid: {
    status: 502,
    meaning:
      'The upstream answered something that is not a valid job: not JSON, truncated, too large, breaking the schema, or another job.',
  },
  upstream_rate_limited: {
    status: 503,
    meaning: 'The upstream is rate limiting this service; `Retry-After` is passed on.',
  },
  upstream_timeout: { status: 504, meaning: 'The upstream did not answer within the timeout.' },
};

export const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export const ErrorSchema = z
  .object({
    detail: z.string().describe('What went wrong, for a person.'),
    code: z.enum(CODES).describe('What went wrong, for a program (see `x-error-codes`).'),
  })
  .describe('Every error on /api/* and on the JSON faces, in the upstream’s own shape.');

export const BadgeEndpointSchema: z.ZodType<EndpointBadge> = z
  .object({
    schemaVersion: z.literal(1),
    label: z.string(),
    message: z.string(),
    color: z.string().describe('Hex colour without `#`.'),
    isError: z.boolean().optional(),
    cacheSeconds: z.int().min(0).optional().describe('How long shields.io may cache the badge.'),
  })
  .describe('A shields.io endpoint-badge document (https://shields.io/badges/endpoint-badge).');

export const HealthSchema = z.object({
  status: z
    .enum(['ok', 'misconfigured'])
    .describe(
      '`misconfigured` (with a 503): the deployment cannot serve real jobs (`problems` says why): production (`DEPLOY_ENV=production`) in demo mode, without `OVERMIND_API_KEY` or without an explicit `SHARE_MODE`, or signed mode that cannot verify links.',
    ),
  problems: z
    .array(z.string())
    .describe('Why the deployment cannot serve real jobs, one sentence each; empty when it can.'),
  memory_cache: z
    .object({ bytes: z.int(), max_bytes: z.int(), entries: z.int() })
    .nullable()
    .describe('The isolate’s memory tier, so load tests can check its bound from outside.'),
  share: z
    .union([
      z.object({ mode: z.literal('public') }),
      z.object({
        mode: z.literal('signed'),
        previous_secret: z.boolean().describe('Whether SHARE_SECRET_PREVIOUS is still accepted.'),
        problem: z.string().nullable().describe('Why no link can be verified, or null.'),
      }),
    ])
    .describe('The share mode (`SHARE_MODE`).'),
  // With ?verbose=1 only.
  environment: z
    .string()
    .nullable()
    .optional()
    .describe('`?verbose=1`: `DEPLOY_ENV` (`production`), or null outside production.'),
  mode: z
    .enum(['demo', 'upstream'])
    .optional()
    .describe('`?verbose=1`: `demo` (built-in jobs, nothing leaves the worker) or `upstream`.'),
  upstream: z
    .object({
      host: z.string().describe('The host of `UPSTREAM_URL`, nothing else of it.'),
      key_set: z.boolean().describe('Whether `OVERMIND_API_KEY` is set; never its value or length.'),
    })
    .nullable()
    .optional()
    .describe('`?verbose=1`: the upstream, or null in demo mode.'),
  shield: z
    .object({
      bound: z.boolean().describe('Whether the `JOB_SHIELD` Durable Object binding is present.'),
      location_hint: z.string().nullable().describe('`SHIELD_LOCATION_HINT`, or null.'),
      idle_days: z
        .int()
        .describe('`SHIELD_IDLE_DAYS`: a finished job’s copy is deleted after this many days unasked.'),
    })
    .optional()
    .describe('`?verbose=1`: the job shields.'),
  cache_api: z
    .object({
      usable: z.boolean(),
      reason: z.string().nullable().describe('Why not, or null.'),
    })
    .optional()
    .describe('`?verbose=1`: whether the Cache API tier works here (it has no effect on `*.workers.dev`).'),
  version: z
    .object({
      id: z.string(),
      tag: z.string().nullable(),
      timestamp: z.string().nullable(),
    })
    .nullable()
    .optional()
    .describe('`?verbose=1`: the deployed Worker version (`version_metadata`), or null without the binding.'),
  warnings: z
    .array(z.string())
    .optional()
    .describe('`?verbose=1`: settings that fell back to their defaults, and tiers that are inactive here.'),
});

// Named components: zod-openapi turns schemas registered with an id into $refs. The global
// registry is used (rather than .meta(), which returns a copy) so that the very instances
// nested in JobSchema are the ones named. ErrorSchema is named too: its narrowed copies (one
// per status, listing that status's codes) are what the responses use.
for (const [schema, id] of [
  [JobSchema, 'Job'],
  [IterationSchema, 'Iteration'],
  [SummarySchema, 'Summary'],
  [ErrorSchema, 'Error'],
  [BadgeEndpointSchema, 'BadgeEndpoint'],
  [HealthSchema, 'Health'],
] as const) {
  // Keep what .describe() registered; an id already there means this ran before.
  const meta = z.globalRegistry.get(schema);
  if (!meta?.id) z.globalRegistry.add(schema, { ...meta, id });
}

export const text = (description: string) => z.string().describe(description);
export const HTML = text('An HTML page (UTF-8), server-rendered, without JavaScript.');
export const SVG = text('An SVG image (UTF-8).');
export const PNG = z.string().meta({ format: 'binary' }).describe('A PNG image.');

// Parameters --------------------------------------------------------------------------

/** The demo's finished prompt-tuning run: `npm start` serves it, so every example works locally. */
export const EXAMPLE_ID = '8ce33afb-9615-424d-b217-d5d56cda17ef';
export const EXAMPLE_BASE_ID = '22e5e8e3-88e3-489f-a841-d5f8be7c0393';

export const jobId = z.guid().meta({
  description: 'The job id, a UUID. Lower case is canonical: pages redirect an upper-case id (308).',
  example: EXAMPLE_ID,
  param: { id: 'JobId' },
});
export const baseId = z.guid().meta({
  description: 'The base run (e.g. the base branch’s), a UUID.',
  example: EXAMPLE_BASE_ID,
  param: { id: 'BaseJobId' },
});
export const headId = z.guid().meta({
  description: 'The head run (e.g. the pull request’s), a UUID.',
  example: EXAMPLE_ID,
  param: { id: 'HeadJobId' },
});
export const versionParam = segmentPattern(
  z
    .string()
    .regex(/^[0-9a-f]{12}$/)
    .meta({
      description:
        'The content version (12 hex digits: the summary’s `version`). An outdated one answers 302 to the current.',
      example: '0123456789ab',
      param: { id: 'Version' },
    }),
  '[0-9a-f]{12}',
);
export const tokenParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/)
  .meta({
    description:
      'A share link’s token (base64url), minted by `POST /api/shares`; signed mode only. A comparison names one token per job, joined by `.`: `/s/{a}.{b}/compare/{base}...{head}`.',
    param: { id: 'ShareToken' },
  });
export const ifNoneMatch = z
  .string()
  .optional()
  .meta({
    description: 'An ETag from an earlier answer: the same version answers 304 without a body.',
    param: { id: 'IfNoneMatch' },
  });

// Headers -----------------------------------------------------------------------------

const X_CACHE = ['HIT', 'MISS', 'STALE', 'REVALIDATED'] as const;

/** A response header, named once under components.headers and referenced everywhere else. */
const header = <T extends z.ZodType>(id: string, schema: T) => schema.meta({ header: { id } });

export const h = {
  etag: header('ETag', text('Strong entity tag of the body; send it back in `If-None-Match` for a 304.')),
  cacheControl: header(
    'CacheControl',
    text(
      'Follows the job’s status: `public, max-age=<fresh>, stale-while-revalidate=<s>, stale-if-error=<s>`; ' +
        '`public, max-age=0, stale-if-error=<s>` for a stale copy standing in for a failing upstream; `no-store` for a stale copy shown to a rate-limited client; ' +
        '`public, max-age=31536000, immutable` at a versioned URL; `public, max-age=<fresh>` on a redirect to the current version. ' +
        'Under a share link that expires, at most `public, max-age=<seconds left>`.',
    ),
  ),
  xCache: header(
    'XCache',
    z
      .enum(X_CACHE)
      .describe(
        'HIT (fresh copy), MISS (fetched now), STALE (old copy served), REVALIDATED (old copy too old, fetched now).',
      ),
  ),
  xCacheReason: header(
    'XCacheReason',
    z
      .string()
      .optional()
      .describe(
        'With STALE: `revalidating` (refreshed right after this answer) or the upstream’s error code.',
      ),
  ),
  age: header('Age', z.int().min(0).describe('Seconds since the copy was fetched from the source.')),
  lastModified: header('LastModified', text('The job’s `updated_at`, as an HTTP date.').optional()),
  serverTiming: header(
    'ServerTiming',
    text(
      'Which tier answered (`memory`, `cache`, `shield`, `source`), how long shield and source calls took (`dur=`), and why a copy is stale.',
    ),
  ),
  retryAfter: header('RetryAfter', z.int().min(0).describe('Seconds to wait before asking again.')),
  retryAfterOptional: header(
    'RetryAfterOptional',
    z.int().min(0).optional().describe('Seconds to wait before asking again, when known.'),
  ),
  location: header('Location', text('Where the resource is.')),
  allow: header('Allow', text('The methods this path answers, e.g. `GET, HEAD, OPTIONS`.')),
  errorCacheControl: header(
    'ErrorCacheControl',
    text(
      '`no-store`, except `not_found`: `public, max-age=<s>`, at most NOT_FOUND_TTL_SECONDS (30) and no longer than the unknown job stays remembered.',
    ),
  ),
  cacheTag: header(
    'CacheTag',
    text(
      'The job’s id (both ids, comma-separated, on a comparison or a comment against a base): the edge’s copies are purged by it when the job finishes or a finished job changes.',
    ),
  ),
  edgeCacheControl: header(
    'CloudflareCdnCacheControl',
    text(
      'A finished job’s lifetime at the edge only (Workers Cache), `public, max-age=<EDGE_TTL_TERMINAL_SECONDS>, stale-while-revalidate=<s>, stale-if-error=<s>`: longer than a browser’s, since a purge corrects it. Absent for a running job.',
    ).optional(),
  ),
  csp: header(
    'ContentSecurityPolicy',
    text(
      'The page’s Content-Security-Policy: one hashed stylesheet, images from this origin, no third-party code.',
    ),
  ),
  cors: header(
    'AccessControlAllowOrigin',
    z.literal('*').describe('CORS is open: any origin may read the answer.'),
  ),
};

export const cacheState = {
  'X-Cache': h.xCache,
  'X-Cache-Reason': h.xCacheReason,
  Age: h.age,
  'Last-Modified': h.lastModified,
  'Server-Timing': h.serverTiming,
};

/** Headers of a job-derived 200: validators, freshness, the purge tag and what the cache did. */
export const jobHeaders = (extra: Record<string, z.ZodType> = {}) =>
  z.object({
    ETag: h.etag,
    'Cache-Control': h.cacheControl,
    'Cloudflare-CDN-Cache-Control': h.edgeCacheControl,
    'Cache-Tag': h.cacheTag,
    ...cacheState,
    ...extra,
  });

// Responses ---------------------------------------------------------------------------

export type Format = 'json' | 'html' | 'svg';
const FORMAT_NAMES: Record<Format, string> = { json: 'Json', html: 'Html', svg: 'Svg' };

function errorContent(format: Format) {
  if (format === 'html') return { 'text/html': { schema: HTML } };
  if (format === 'svg') return { 'image/svg+xml': { schema: SVG } };
  return { 'application/json': { schema: ErrorSchema } };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  410: 'Gone',
  413: 'Payload too large',
  414: 'URI too long',
  429: 'Too many requests',
  431: 'Request headers too large',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** Which codes each kind of route can answer; a response lists the ones of its status. */
const ONLY_MINTING: ErrorCode[] = ['invalid_body', 'payload_too_large', 'unauthorized', 'forbidden'];
const ONLY_SPECIAL: ErrorCode[] = [
  ...ONLY_MINTING,
  'too_many_subscribers',
  'share_expired',
  'method_not_allowed',
];
const CODE_SETS = {
  job: CODES.filter((c) => !ONLY_SPECIAL.includes(c)),
  events: CODES.filter((c) => !ONLY_SPECIAL.includes(c) || c === 'too_many_subscribers'),
  shared: CODES.filter((c) => !ONLY_SPECIAL.includes(c) || c === 'share_expired'),
  mint: CODES.filter((c) => c !== 'invalid_id' && c !== 'invalid_query' && c !== 'share_expired'),
  /** Routes that read no job; in signed mode a URL naming a job id still answers 404 (or 503). */
  site: ['not_found', 'uri_too_long', 'headers_too_large', 'internal_error', 'misconfigured'],
  sharedSite: [
    'not_found',
    'uri_too_long',
    'headers_too_large',
    'internal_error',
    'misconfigured',
    'share_expired',
  ],
} satisfies Record<string, ErrorCode[]>;
export type CodeSet = keyof typeof CODE_SETS;

function codesFor(status: number, set: CodeSet): ErrorCode[] {
  return CODE_SETS[set].filter((c) => ERROR_CODES[c].status === status);
}

const errorMemo = new Map<string, ZodOpenApiResponseObject>();

/**
 * An error answer, whose body's `code` can only be one of the codes of its status. Without a
 * note it is a named component (`Error404Json`), the same object each time, so the document
 * lists it once however many routes share it.
 */
export function errorResponse(
  status: number,
  format: Format,
  set: CodeSet = 'job',
  note = '',
): ZodOpenApiResponseObject {
  const key = `${status} ${format} ${set} ${note}`;
  const known = errorMemo.get(key);
  if (known) return known;
  const codes = codesFor(status, set);
  if (codes.length === 0) throw new Error(`openapi: no error code has status ${status}`);
  const code = z.enum(codes as [ErrorCode, ...ErrorCode[]]);
  const how =
    format === 'html'
      ? ' An HTML page that says the same.'
      : format === 'svg'
        ? ' A badge that says what went wrong, so a broken README link explains itself.'
        : '';
  const retry = status === 429 ? h.retryAfter : status === 503 ? h.retryAfterOptional : null;
  const variant = set === 'job' ? '' : set.charAt(0).toUpperCase() + set.slice(1);
  const response: ZodOpenApiResponseObject = {
    ...(note ? {} : { id: `Error${status}${FORMAT_NAMES[format]}${variant}` }),
    description:
      `${STATUS_TEXT[status] ?? 'Error'}: ${codes.map((c) => `\`${c}\``).join(', ')}.${how}${note ? ` ${note}` : ''}`.trim(),
    headers: z.object({
      'X-Error-Code': code.describe('The error’s `code`, also on non-JSON error answers.'),
      'Cache-Control': h.errorCacheControl,
      ...(retry ? { 'Retry-After': retry } : {}),
      ...(status === 401 ? { 'WWW-Authenticate': text('`Bearer`.') } : {}),
      ...(status === 405 ? { Allow: h.allow } : {}),
    }),
    content:
      format === 'json'
        ? {
            'application/json': {
              // The Error schema, with `code` narrowed to this status's codes.
              schema: {
                allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: codes } } }],
              },
            },
          }
        : errorContent(format),
  };
  errorMemo.set(key, response);
  return response;
}

/** What a route that reads no job can answer besides its success. */
export const BASE_ERRORS = [404, 414, 431, 500, 503];
/** What a route that reads a job can answer besides its success. */
export const JOB_ERRORS = [400, 404, 414, 429, 431, 500, 502, 503, 504];

export function errors(
  statuses: number[],
  format: Format,
  opts: { set?: CodeSet; notes?: Record<number, string> } = {},
): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {};
  for (const s of statuses) out[`${s}` as `4${string}`] = errorResponse(s, format, opts.set, opts.notes?.[s]);
  return out;
}

export const notModified: ZodOpenApiResponseObject = {
  id: 'NotModified',
  description: 'Not modified: `If-None-Match` named the current ETag. No body.',
  headers: z.object({ ETag: h.etag, 'Cache-Control': h.cacheControl, ...cacheState }),
};

/** The 200 of a job's JSON, open to any origin (CORS). */
export const jobJson = (description: string, schema: z.ZodType): ZodOpenApiResponseObject => ({
  description,
  headers: jobHeaders({ 'Access-Control-Allow-Origin': h.cors }),
  content: { 'application/json': { schema } },
});

/** The 200 of a page about a job (or two): HTML under the page's CSP. */
export const jobPage = (description: string): ZodOpenApiResponseObject => ({
  description,
  headers: jobHeaders({ 'Content-Security-Policy': h.csp }),
  content: { 'text/html': { schema: HTML } },
});

/**
 * A job-derived GET's responses: its 200, a 304 for the current ETag, and the errors of a job
 * route in its format (302 and 308 are added from the route's declaration).
 */
export function jobResponses(
  ok: ZodOpenApiResponseObject,
  format: Format,
  notes?: Record<number, string>,
): ZodOpenApiResponsesObject {
  return { 200: ok, 304: notModified, ...errors(JOB_ERRORS, format, notes ? { notes } : {}) };
}

export const notModifiedStatic: ZodOpenApiResponseObject = {
  id: 'NotModifiedStatic',
  description: 'Not modified: `If-None-Match` named the current ETag. No body.',
  headers: z.object({ ETag: h.etag }),
};

export const redirectToCurrent: ZodOpenApiResponseObject = {
  id: 'RedirectToCurrentVersion',
  description:
    'Found: the version in the URL is not the job’s current one; `Location` names the current versioned URL (briefly cacheable).',
  headers: z.object({
    Location: h.location,
    'Cache-Control': h.cacheControl,
    'Cache-Tag': h.cacheTag,
    ...cacheState,
  }),
};

export const canonicalRedirect: ZodOpenApiResponseObject = {
  id: 'CanonicalRedirect',
  description:
    'Permanent redirect to the canonical URL: lower-case id, no trailing slash. The query string is kept.',
  headers: z.object({ Location: h.location }),
};
// Operations --------------------------------------------------------------------------

/** A route's OpenAPI operation, declared beside its handler (src/routes/define.ts). */
export interface RouteDoc {
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  query?: z.ZodObject;
  headers?: Record<string, z.ZodType>;
  responses: ZodOpenApiResponsesObject;
  curl: string;
  requestBody?: ZodOpenApiOperationObject['requestBody'];
  security?: ZodOpenApiOperationObject['security'];
}

export const card = (ext: 'png' | 'svg') =>
  ext === 'png' ? { 'image/png': { schema: PNG } } : { 'image/svg+xml': { schema: SVG } };
