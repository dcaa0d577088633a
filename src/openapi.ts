import { z } from 'zod';
import {
  createDocument,
  type oas32,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { version as packageVersion } from '../package.json';
import type { ErrorCode } from './errors';
import type { EndpointBadge } from './images';
import { BadgeQuery, CardQuery } from './query';
import { shareRequestSchema } from './share-request';
import { IterationSchema, JobSchema } from './schema';
import { SummarySchema } from './summary';

// The OpenAPI 3.1 document of every public route (README "URL forms"), built by zod-openapi
// from the zod schemas the worker itself parses with: the upstream's Job, the summary, the
// image query strings. zod-openapi renders them through zod 4's own z.toJSONSchema (draft
// 2020-12, the dialect of OpenAPI 3.1), so what validates an answer is what is documented.
// The routes stay plain Hono handlers; test/openapi.test.ts checks that every registered
// route is here, and test/helpers.ts checks every answer the tests receive against it.

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

const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export const ErrorSchema = z
  .object({
    detail: z.string().describe('What went wrong, for a person.'),
    code: z.enum(CODES).describe('What went wrong, for a program (see `x-error-codes`).'),
  })
  .describe('Every error on /api/* and on the JSON faces, in the upstream’s own shape.');

const BadgeEndpointSchema: z.ZodType<EndpointBadge> = z
  .object({
    schemaVersion: z.literal(1),
    label: z.string(),
    message: z.string(),
    color: z.string().describe('Hex colour without `#`.'),
    isError: z.boolean().optional(),
    cacheSeconds: z.int().min(0).optional().describe('How long shields.io may cache the badge.'),
  })
  .describe('A shields.io endpoint-badge document (https://shields.io/badges/endpoint-badge).');

const HealthSchema = z.object({
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

const text = (description: string) => z.string().describe(description);
const HTML = text('An HTML page (UTF-8), server-rendered, without JavaScript.');
const SVG = text('An SVG image (UTF-8).');
const PNG = z.string().meta({ format: 'binary' }).describe('A PNG image.');

// Parameters --------------------------------------------------------------------------

/** The demo's finished prompt-tuning run: `npm start` serves it, so every example works locally. */
export const EXAMPLE_ID = '8ce33afb-9615-424d-b217-d5d56cda17ef';
const EXAMPLE_BASE_ID = '22e5e8e3-88e3-489f-a841-d5f8be7c0393';

const jobId = z.guid().meta({
  description: 'The job id, a UUID. Lower case is canonical: pages redirect an upper-case id (308).',
  example: EXAMPLE_ID,
  param: { id: 'JobId' },
});
const baseId = z.guid().meta({
  description: 'The base run (e.g. the base branch’s), a UUID.',
  example: EXAMPLE_BASE_ID,
  param: { id: 'BaseJobId' },
});
const headId = z.guid().meta({
  description: 'The head run (e.g. the pull request’s), a UUID.',
  example: EXAMPLE_ID,
  param: { id: 'HeadJobId' },
});
const versionParam = z
  .string()
  .regex(/^[0-9a-f]{12}$/)
  .meta({
    description:
      'The content version (12 hex digits: the summary’s `version`). An outdated one answers 302 to the current.',
    example: '0123456789ab',
    param: { id: 'Version' },
  });
const tokenParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/)
  .meta({
    description:
      'A share link’s token (base64url), minted by `POST /api/shares`; signed mode only. A comparison names one token per job, joined by `.`: `/s/{a}.{b}/compare/{base}...{head}`.',
    param: { id: 'ShareToken' },
  });
const ifNoneMatch = z
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

const h = {
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

const cacheState = {
  'X-Cache': h.xCache,
  'X-Cache-Reason': h.xCacheReason,
  Age: h.age,
  'Last-Modified': h.lastModified,
  'Server-Timing': h.serverTiming,
};

/** Headers of a job-derived 200: validators, freshness, the purge tag and what the cache did. */
const jobHeaders = (extra: Record<string, z.ZodType> = {}) =>
  z.object({
    ETag: h.etag,
    'Cache-Control': h.cacheControl,
    'Cloudflare-CDN-Cache-Control': h.edgeCacheControl,
    'Cache-Tag': h.cacheTag,
    ...cacheState,
    ...extra,
  });

// Responses ---------------------------------------------------------------------------

type Format = 'json' | 'html' | 'svg';
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
type CodeSet = keyof typeof CODE_SETS;

function codesFor(status: number, set: CodeSet): ErrorCode[] {
  return CODE_SETS[set].filter((c) => ERROR_CODES[c].status === status);
}

const errorMemo = new Map<string, ZodOpenApiResponseObject>();

/**
 * An error answer, whose body's `code` can only be one of the codes of its status. Without a
 * note it is a named component (`Error404Json`), the same object each time, so the document
 * lists it once however many routes share it.
 */
function errorResponse(
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
const BASE_ERRORS = [404, 414, 431, 500, 503];
/** What a route that reads a job can answer besides its success. */
const JOB_ERRORS = [400, 404, 414, 429, 431, 500, 502, 503, 504];

function errors(
  statuses: number[],
  format: Format,
  opts: { set?: CodeSet; notes?: Record<number, string> } = {},
): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {};
  for (const s of statuses) out[`${s}` as `4${string}`] = errorResponse(s, format, opts.set, opts.notes?.[s]);
  return out;
}

const notModified: ZodOpenApiResponseObject = {
  id: 'NotModified',
  description: 'Not modified: `If-None-Match` named the current ETag. No body.',
  headers: z.object({ ETag: h.etag, 'Cache-Control': h.cacheControl, ...cacheState }),
};

const notModifiedStatic: ZodOpenApiResponseObject = {
  id: 'NotModifiedStatic',
  description: 'Not modified: `If-None-Match` named the current ETag. No body.',
  headers: z.object({ ETag: h.etag }),
};

const redirectToCurrent: ZodOpenApiResponseObject = {
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

const canonicalRedirect: ZodOpenApiResponseObject = {
  id: 'CanonicalRedirect',
  description:
    'Permanent redirect to the canonical URL: lower-case id, no trailing slash. The query string is kept.',
  headers: z.object({ Location: h.location }),
};

// Operations --------------------------------------------------------------------------

interface Route {
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  headers?: Record<string, z.ZodType>;
  responses: ZodOpenApiResponsesObject;
  /** A job route: also under a share link, `/s/{token}{path}`. */
  shareable?: boolean;
  /** CORS open: also answers an OPTIONS preflight. */
  cors?: boolean;
  /** Canonicalised by a 308 (upper-case id). */
  canonical?: boolean;
  curl: string;
  method?: 'get' | 'post';
  requestBody?: ZodOpenApiOperationObject['requestBody'];
  security?: ZodOpenApiOperationObject['security'];
}

const card = (ext: 'png' | 'svg') =>
  ext === 'png' ? { 'image/png': { schema: PNG } } : { 'image/svg+xml': { schema: SVG } };

const ROUTES: Route[] = [
  {
    path: '/api/jobs/{id}/',
    operationId: 'getJob',
    tag: 'Jobs',
    summary: 'The job as JSON',
    description:
      'The job exactly as the upstream’s reference documents it, validated and trimmed to that schema; fields named in `REDACT_FIELDS` are removed. Served from the cache while fresh, and from a stale copy while the upstream fails.',
    params: { id: jobId },
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The job.',
        headers: jobHeaders({ 'Access-Control-Allow-Origin': h.cors }),
        content: { 'application/json': { schema: JobSchema } },
      },
      304: notModified,
      ...errors(JOB_ERRORS, 'json'),
    },
    shareable: true,
    cors: true,
    curl: `curl -s {origin}/api/jobs/${EXAMPLE_ID}/`,
  },
  {
    path: '/api/jobs/{id}/summary',
    operationId: 'getJobSummary',
    tag: 'Jobs',
    summary: 'The job’s summary, under 2 KB',
    description:
      'The headline numbers of a job for dashboards and bots: the same title, best score and improvement the page and the card show, with absolute links (images versioned). Cached like the job, with the same errors.',
    params: { id: jobId },
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The summary.',
        headers: jobHeaders({ 'Access-Control-Allow-Origin': h.cors }),
        content: { 'application/json': { schema: SummarySchema } },
      },
      304: notModified,
      ...errors(JOB_ERRORS, 'json'),
    },
    shareable: true,
    cors: true,
    curl: `curl -s {origin}/api/jobs/${EXAMPLE_ID}/summary`,
  },
  {
    path: '/api/jobs/{id}/events',
    operationId: 'getJobEvents',
    tag: 'Jobs',
    summary: 'Live events (server-sent events)',
    description:
      '`event: job` with the summary as `data` at once and on every change of the job’s version (`id:` is the version), a `retry:` hint, a comment heartbeat every 15 s, and `event: end` before the stream closes when the job is terminal (at once for a terminal job). `Last-Event-ID` is honoured: the first event is not repeated. A bad id or an unknown job is a JSON error, never a stream.',
    params: { id: jobId },
    headers: {
      'Last-Event-ID': z
        .string()
        .optional()
        .describe('The `id:` of the last event received, when reconnecting.'),
    },
    responses: {
      200: {
        description: 'The event stream.',
        headers: z.object({ 'Cache-Control': text('`no-store`.'), 'Access-Control-Allow-Origin': h.cors }),
        content: {
          'text/event-stream': {
            schema: text(
              'Events `job` (data: a Summary as JSON) and `end` (data: the final Summary), as text/event-stream.',
            ),
            example: `retry: 10000\nid: 0123456789ab\nevent: job\ndata: {"id":"${EXAMPLE_ID}","status":"running",…}\n\n: heartbeat\n\nevent: end\ndata: {…}\n\n`,
          },
        },
      },
      ...errors(JOB_ERRORS, 'json', { set: 'events' }),
    },
    shareable: true,
    cors: true,
    curl: `curl -N {origin}/api/jobs/${EXAMPLE_ID}/events`,
  },
  {
    path: '/jobs/{id}',
    operationId: 'getReport',
    tag: 'Pages',
    summary: 'The report page',
    description:
      'One page per job: scores, chart, iterations, what changed, the report, share snippets. Server-rendered without JavaScript (an active job’s page may add one small first-party script that updates it in place). Unfurls with the card in Slack, X, LinkedIn and GitHub.',
    params: { id: jobId },
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The report.',
        headers: jobHeaders({ 'Content-Security-Policy': h.csp }),
        content: { 'text/html': { schema: HTML } },
      },
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'html'),
    },
    shareable: true,
    canonical: true,
    curl: `curl -s {origin}/jobs/${EXAMPLE_ID} | head -c 300`,
  },
  ...(['png', 'svg'] as const).flatMap((ext): Route[] => [
    {
      path: `/jobs/{id}/og.${ext}`,
      operationId: ext === 'png' ? 'getCardPng' : 'getCardSvg',
      tag: 'Images',
      summary: `The 1200×630 score card (${ext.toUpperCase()})`,
      description:
        'The Open Graph card at its latest URL, cached like the job. For embedding, prefer the versioned URL the summary links: it never changes.',
      params: { id: jobId },
      query: CardQuery,
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: { description: 'The card.', headers: jobHeaders(), content: card(ext) },
        304: notModified,
        308: canonicalRedirect,
        ...errors(JOB_ERRORS, 'json'),
      },
      shareable: true,
      canonical: true,
      curl: `curl -s -o card.${ext} '{origin}/jobs/${EXAMPLE_ID}/og.${ext}?theme=dark'`,
    },
    {
      path: `/jobs/{id}/og.{version}.${ext}`,
      operationId: ext === 'png' ? 'getCardPngVersioned' : 'getCardSvgVersioned',
      tag: 'Images',
      summary: `The score card at an immutable URL (${ext.toUpperCase()})`,
      description:
        'The card of one version of the job, cacheable for a year. An outdated version redirects (302) to the current one, so an old link still shows the latest card.',
      params: { id: jobId, version: versionParam },
      query: CardQuery,
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: { description: 'The card.', headers: jobHeaders(), content: card(ext) },
        302: redirectToCurrent,
        304: notModified,
        308: canonicalRedirect,
        ...errors(JOB_ERRORS, 'json'),
      },
      shareable: true,
      canonical: true,
      curl: `curl -sL -o card.${ext} {origin}/jobs/${EXAMPLE_ID}/og.0123456789ab.${ext}`,
    },
  ]),
  {
    path: '/jobs/{id}/badge.svg',
    operationId: 'getBadge',
    tag: 'Images',
    summary: 'The badge (SVG)',
    description:
      'A shields-style badge for READMEs and pull requests. Errors are badges too, with the status and `X-Error-Code`.',
    params: { id: jobId },
    query: BadgeQuery,
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: { description: 'The badge.', headers: jobHeaders(), content: card('svg') },
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'svg'),
    },
    shareable: true,
    canonical: true,
    curl: `curl -s '{origin}/jobs/${EXAMPLE_ID}/badge.svg?metric=improvement&style=flat-square'`,
  },
  {
    path: '/jobs/{id}/badge.{version}.svg',
    operationId: 'getBadgeVersioned',
    tag: 'Images',
    summary: 'The badge at an immutable URL',
    description:
      'The badge of one version of the job, cacheable for a year; an outdated version redirects (302).',
    params: { id: jobId, version: versionParam },
    query: BadgeQuery,
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: { description: 'The badge.', headers: jobHeaders(), content: card('svg') },
      302: redirectToCurrent,
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'svg'),
    },
    shareable: true,
    canonical: true,
    curl: `curl -sL {origin}/jobs/${EXAMPLE_ID}/badge.0123456789ab.svg`,
  },
  {
    path: '/jobs/{id}/badge.json',
    operationId: 'getBadgeEndpoint',
    tag: 'Images',
    summary: 'A shields.io endpoint-badge document',
    description:
      'For `https://img.shields.io/endpoint?url=…`: the same message and colour as the badge; `cacheSeconds` follows the job’s freshness.',
    params: { id: jobId },
    query: BadgeQuery.pick({ label: true, metric: true }),
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The endpoint document.',
        headers: jobHeaders({ 'Access-Control-Allow-Origin': h.cors }),
        content: { 'application/json': { schema: BadgeEndpointSchema } },
      },
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'json'),
    },
    shareable: true,
    cors: true,
    canonical: true,
    curl: `curl -s {origin}/jobs/${EXAMPLE_ID}/badge.json`,
  },
  {
    path: '/jobs/{id}/comment.md',
    operationId: 'getComment',
    tag: 'Pull requests',
    summary: 'A pull-request comment (GitHub-flavoured markdown)',
    description:
      'A ready comment: a hidden marker on the first line (so a bot can find and update it), the headline, the versioned card linked to the report, a table of figures, the best iteration’s dimensions and the iterations. With `?base=` every figure is compared with the base branch’s run. Never over 65,536 characters; no job string can ping anyone or link elsewhere.',
    params: { id: jobId },
    query: z.object({
      base: z
        .guid()
        .optional()
        .describe('The base branch’s run, to compare against.')
        .meta({ example: EXAMPLE_BASE_ID }),
    }),
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The comment.',
        headers: jobHeaders(),
        content: { 'text/markdown': { schema: text('GitHub-flavoured markdown (UTF-8).') } },
      },
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'json', {
        notes: {
          400: 'The detail says whether the job id or `base` is bad.',
          404: 'The detail says whether the job or `base` is unknown.',
        },
      }),
    },
    shareable: true,
    canonical: true,
    curl: `curl -s '{origin}/jobs/${EXAMPLE_ID}/comment.md?base=${EXAMPLE_BASE_ID}'`,
  },
  {
    path: '/compare/{base}...{head}',
    operationId: 'getComparison',
    tag: 'Pull requests',
    summary: 'The comparison page of two runs',
    description:
      'GitHub’s compare form: both runs side by side, the change of every figure and dimension, one chart of both, links to both reports, and the comparison card for unfurls. Server-rendered without JavaScript.',
    params: { base: baseId, head: headId },
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The comparison.',
        headers: jobHeaders({ 'Content-Security-Policy': h.csp }),
        content: { 'text/html': { schema: HTML } },
      },
      304: notModified,
      308: canonicalRedirect,
      ...errors(JOB_ERRORS, 'html', {
        notes: { 400: 'The page says which side is bad.', 404: 'The page says which side is unknown.' },
      }),
    },
    shareable: true,
    canonical: true,
    curl: `curl -s {origin}/compare/${EXAMPLE_BASE_ID}...${EXAMPLE_ID} | head -c 300`,
  },
  ...(['png', 'svg'] as const).flatMap((ext): Route[] =>
    [false, true].map((versioned) => ({
      path: `/compare/{base}...{head}/og.${versioned ? '{version}.' : ''}${ext}`,
      operationId: `getComparisonCard${ext === 'png' ? 'Png' : 'Svg'}${versioned ? 'Versioned' : ''}`,
      tag: 'Pull requests',
      summary: `The comparison card${versioned ? ' at an immutable URL' : ''} (${ext.toUpperCase()})`,
      description: versioned
        ? 'The comparison card of one pair of versions, cacheable for a year; its version is derived from both jobs’ versions, and an outdated one redirects (302) to the current.'
        : 'A 1200×630 card: both scores, the change, both runs’ sparklines.',
      params: { base: baseId, head: headId, ...(versioned ? { version: versionParam } : {}) },
      query: CardQuery,
      headers: { 'If-None-Match': ifNoneMatch },
      responses: {
        200: { description: 'The card.', headers: jobHeaders(), content: card(ext) },
        ...(versioned ? { 302: redirectToCurrent } : {}),
        304: notModified,
        308: canonicalRedirect,
        ...errors(JOB_ERRORS, 'json'),
      },
      shareable: true,
      canonical: true,
      curl: `curl -s${versioned ? 'L' : ''} -o compare.${ext} {origin}/compare/${EXAMPLE_BASE_ID}...${EXAMPLE_ID}/og.${versioned ? '0123456789ab.' : ''}${ext}`,
    })),
  ),
  {
    path: '/api/shares',
    method: 'post',
    operationId: 'createShare',
    tag: 'Sharing',
    summary: 'Mint a share link (signed mode)',
    description:
      'Mints a signed link to one job, for someone who can read that job: the worker asks the upstream for it with the caller’s own key (never the service’s), and caches nothing under that key. The token opens that job, and no other, under `/s/{token}/…`.',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: shareRequestSchema(31_536_000),
        },
      },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
    responses: {
      201: {
        description: 'The share link.',
        headers: z.object({
          'Cache-Control': text('`no-store`.'),
          Location: h.location.describe('The shared report.'),
        }),
        content: {
          'application/json': {
            schema: z.object({
              token: z.string(),
              expires_at: z.string().nullable().describe('When the link stops working (ISO 8601), or null.'),
              links: z
                .object({
                  report: z.string(),
                  json: z.string(),
                  summary: z.string(),
                  card: z.string(),
                  badge: z.string(),
                  comment: z.string(),
                  events: z.string(),
                })
                .describe('Every face of the job under the share link, absolute.'),
            }),
          },
        },
      },
      ...errors([400, 401, 403, 404, 405, 413, 414, 429, 431, 500, 502, 503, 504], 'json', {
        set: 'mint',
        notes: {
          404: 'The upstream does not know this job (for this key); in public mode the route does not exist.',
          405: 'Any method but POST, in signed mode.',
        },
      }),
    },
    curl: `curl -s -X POST {origin}/api/shares -H "X-Api-Key: $OVERMIND_API_KEY" -H 'Content-Type: application/json' -d '{"job_id":"${EXAMPLE_ID}","expires_in":604800}'`,
  },
  {
    path: '/',
    operationId: 'getIndex',
    tag: 'Site',
    summary: 'The index',
    description: 'The demo jobs in demo mode; otherwise a short page on the URL forms.',
    responses: {
      200: {
        description: 'The index.',
        headers: z.object({
          'Cache-Control': text('`public, max-age=300`.'),
          'Content-Security-Policy': h.csp,
        }),
        content: { 'text/html': { schema: HTML } },
      },
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s {origin}/ | head -c 300',
  },
  {
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'Site',
    summary: 'Liveness and deployment state',
    description:
      'Answers without calling the upstream. `?verbose=1` adds the mode and upstream host, whether the key is set (never its value), the shield and Cache API tiers, the deployed version and any setting that fell back to its default: the first check after a deploy (`curl -s {origin}/healthz?verbose=1 | jq`). Never cached.',
    query: z.object({
      verbose: z
        .enum(['1'])
        .optional()
        .describe('`1`: the deployment’s details too. Anything else: the short answer.'),
    }),
    responses: {
      200: {
        description: 'Alive, and able to serve real jobs.',
        headers: z.object({ 'Cache-Control': text('`no-store`.') }),
        content: { 'application/json': { schema: HealthSchema } },
      },
      ...errors([404, 414, 431, 500], 'json', { set: 'site' }),
      503: {
        description:
          'Alive, but the deployment cannot serve real jobs (`problems` says why): production in demo mode, without a key or without an explicit `SHARE_MODE`, or signed mode that cannot verify links. A URL that also names a job gets the `misconfigured` error instead.',
        headers: z.object({
          'Cache-Control': text('`no-store`.'),
          'X-Error-Code': z.literal('misconfigured').optional().describe('With the error body.'),
        }),
        content: {
          'application/json': {
            schema: z.union([
              HealthSchema,
              z.object({ detail: z.string(), code: z.literal('misconfigured') }),
            ]),
          },
        },
      },
    },
    curl: 'curl -s {origin}/healthz?verbose=1',
  },
  {
    path: '/openapi.json',
    operationId: 'getOpenApi',
    tag: 'Site',
    summary: 'This document',
    description:
      'The OpenAPI 3.1 document of every route, generated from the schemas the service validates with.',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The document.',
        headers: z.object({
          ETag: h.etag,
          'Cache-Control': text('`public, max-age=300`.'),
          'Access-Control-Allow-Origin': h.cors,
        }),
        content: { 'application/json': { schema: z.object({ openapi: z.literal('3.1.0') }).loose() } },
      },
      304: notModifiedStatic,
      ...errors(BASE_ERRORS, 'json', { set: 'site' }),
    },
    curl: 'curl -s {origin}/openapi.json',
  },
  {
    path: '/docs',
    operationId: 'getDocs',
    tag: 'Site',
    summary: 'The API reference, as a page',
    description: 'This document rendered as HTML, with a curl example for each route.',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The page.',
        headers: z.object({
          ETag: h.etag,
          'Cache-Control': text('`public, max-age=300`.'),
          'Content-Security-Policy': h.csp,
        }),
        content: { 'text/html': { schema: HTML } },
      },
      304: notModifiedStatic,
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s {origin}/docs | head -c 300',
  },
  {
    path: '/robots.txt',
    operationId: 'getRobots',
    tag: 'Site',
    summary: 'robots.txt',
    description:
      'What crawlers may fetch. The API is never crawled; whether reports may be indexed follows `INDEXING` (and share links never are).',
    responses: {
      200: {
        description: 'The rules.',
        headers: z.object({ 'Cache-Control': text('`public, max-age=86400`.') }),
        content: { 'text/plain': { schema: text('robots.txt (RFC 9309).') } },
      },
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s {origin}/robots.txt',
  },
  {
    path: '/favicon.ico',
    operationId: 'getFavicon',
    tag: 'Site',
    summary: 'The favicon (ICO)',
    description:
      'The brand mark at 16, 32 and 48 px, PNG-compressed inside an ICO, rendered from `/icon.svg`.',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The icon.',
        headers: z.object({ ETag: h.etag, 'Cache-Control': text('`public, max-age=86400`.') }),
        content: { 'image/x-icon': { schema: z.string().meta({ format: 'binary' }) } },
      },
      304: notModifiedStatic,
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s -o favicon.ico {origin}/favicon.ico',
  },
  {
    path: '/icon.svg',
    operationId: 'getIcon',
    tag: 'Site',
    summary: 'The icon (SVG)',
    description: 'The brand mark as SVG, in the colour the pages and the cards share.',
    headers: { 'If-None-Match': ifNoneMatch },
    responses: {
      200: {
        description: 'The icon.',
        headers: z.object({ ETag: h.etag, 'Cache-Control': text('`public, max-age=86400`.') }),
        content: { 'image/svg+xml': { schema: SVG } },
      },
      304: notModifiedStatic,
      ...errors(BASE_ERRORS, 'html', { set: 'site' }),
    },
    curl: 'curl -s {origin}/icon.svg',
  },
];

/** Page URLs whose trailing-slash form answers 308 to the canonical one. */
export const TRAILING_SLASH_PAGES = ['/jobs/{id}', '/compare/{base}...{head}', '/docs'];

const SHARE_PREFIX = '/s/{token}';

const sharedMemo = new Map<ZodOpenApiResponseObject, ZodOpenApiResponseObject>();

function sharedNotFound(nf: ZodOpenApiResponseObject): ZodOpenApiResponseObject {
  let out = sharedMemo.get(nf);
  if (!out) {
    out = {
      ...nf,
      ...(nf.id ? { id: `${nf.id}Shared` } : {}),
      description: `${nf.description} A forged, altered or other job’s token answers exactly like an unknown job.`,
    };
    sharedMemo.set(nf, out);
  }
  return out;
}

function operation(route: Route, shared: boolean): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = { ...route.responses };
  if (shared) {
    const nf = responses['404'];
    if (nf && !('$ref' in nf)) {
      const type = Object.keys(nf.content ?? {})[0];
      const format: Format = type === 'text/html' ? 'html' : type === 'image/svg+xml' ? 'svg' : 'json';
      responses['410'] = errorResponse(410, format, 'shared');
      responses['404'] = sharedNotFound(nf);
    }
  }
  const pathParams = shared ? { token: tokenParam, ...route.params } : route.params;
  const op: ZodOpenApiOperationObject = {
    operationId: shared ? `${route.operationId}Shared` : route.operationId,
    tags: [shared ? 'Share links' : route.tag],
    summary: shared ? `${route.summary}, under a share link` : route.summary,
    description: shared
      ? `${route.description}\n\nIn signed mode (\`SHARE_MODE=signed\`) job URLs answer only under a share link; every link in the answer carries the same \`/s/{token}\` prefix.`
      : route.description,
    requestParams: {
      ...(pathParams ? { path: z.object(pathParams) } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { header: z.object(route.headers) } : {}),
    },
    responses,
    'x-codeSamples': [
      {
        lang: 'Shell',
        label: 'curl',
        source: shared
          ? route.curl.replace(/\{origin\}\//, `{origin}${SHARE_PREFIX.replace('{token}', '$TOKEN')}/`)
          : route.curl,
      },
    ],
  };
  if (route.requestBody) op.requestBody = route.requestBody;
  if (route.security) op.security = route.security;
  return op;
}

function preflight(route: Route, shared: boolean): ZodOpenApiOperationObject {
  const pathParams = shared ? { token: tokenParam, ...route.params } : route.params;
  return {
    operationId: `${route.operationId}${shared ? 'Shared' : ''}Preflight`,
    ...(pathParams ? { requestParams: { path: z.object(pathParams) } } : {}),
    tags: [shared ? 'Share links' : route.tag],
    summary: 'CORS preflight',
    description: 'Any origin may read this route from a browser.',
    responses: {
      204: {
        description: 'Preflight accepted.',
        headers: z.object({
          'Access-Control-Allow-Origin': h.cors,
          'Access-Control-Allow-Methods': text('`GET,HEAD,OPTIONS`.'),
        }),
      },
      ...errors([414, 431], 'json'),
    },
  };
}

function redirectOnly(path: string, target: string): ZodOpenApiOperationObject {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const params: Record<string, z.ZodType> = {};
  for (const n of names) params[n] = n === 'token' ? tokenParam : z.string().min(1);
  const shared = path.startsWith(SHARE_PREFIX);
  const opId = `redirect${target.replace(/[^A-Za-z]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
  return {
    operationId: opId,
    tags: [shared ? 'Share links' : 'Site'],
    summary: `Redirect to ${target}`,
    description: `The trailing-slash form of a page: answers 308 to \`${target}\`. In signed mode it first meets the share gate, as its target does.`,
    ...(names.length ? { requestParams: { path: z.object(params) } } : {}),
    responses: {
      308: canonicalRedirect,
      ...errors(shared ? [...BASE_ERRORS, 410] : BASE_ERRORS, 'html', {
        set: shared ? 'sharedSite' : 'site',
      }),
    },
  };
}

function paths(): ZodOpenApiPathsObject {
  const out: ZodOpenApiPathsObject = {};
  const add = (path: string, method: 'get' | 'post' | 'options', op: ZodOpenApiOperationObject) => {
    out[path] = { ...out[path], [method]: op };
  };
  for (const shared of [false, true]) {
    for (const route of ROUTES) {
      if (shared && !route.shareable) continue;
      const path = shared ? `${SHARE_PREFIX}${route.path}` : route.path;
      add(path, route.method ?? 'get', operation(route, shared));
      if (route.cors) add(path, 'options', preflight(route, shared));
      // The upstream's own form has the slash; the API answers without it too.
      if (route.operationId === 'getJob') {
        const bare = path.slice(0, -1);
        add(bare, 'get', {
          ...operation(route, shared),
          operationId: `getJobNoSlash${shared ? 'Shared' : ''}`,
        });
        add(bare, 'options', {
          ...preflight(route, shared),
          operationId: `getJobNoSlash${shared ? 'Shared' : ''}Preflight`,
        });
      }
    }
  }
  for (const page of TRAILING_SLASH_PAGES) {
    add(`${page}/`, 'get', redirectOnly(`${page}/`, page));
    if (page !== '/docs') {
      add(
        `${SHARE_PREFIX}${page}/`,
        'get',
        redirectOnly(`${SHARE_PREFIX}${page}/`, `${SHARE_PREFIX}${page}`),
      );
    }
  }
  return out;
}

const DESCRIPTION = `Share, embed and read the results of Overmind agent-optimisation jobs: a cached public read API over the Overmind API's \`GET /api/jobs/{id}/\`, a report page, score images, pull-request comments and live events.

**General rules.** Every route answers \`HEAD\` as it answers \`GET\`, without a body. Any other method on a known path answers \`405 method_not_allowed\` with \`Allow: GET, HEAD, OPTIONS\`; an unknown path answers \`404 not_found\`; any request can meet \`414 uri_too_long\` or \`431 headers_too_large\`. \`OPTIONS\` on \`/api/*\` is a CORS preflight (204). Errors on \`/api/*\` and on the JSON faces are \`{"detail", "code"}\` (the \`Error\` schema; every code in \`x-error-codes\`), on pages an HTML page that says the same, on \`badge.svg\` a badge. Every answer carries \`X-Content-Type-Options: nosniff\`.

**Caching.** Every answer says how a shared cache may keep it (\`Cache-Control\`; \`no-store\` for live events, 429s, \`/healthz\` and minting). Job-derived answers carry \`ETag\` (\`If-None-Match\` answers 304), \`Cache-Control\` by the job's status, \`Cache-Tag\` with the job's id, \`Last-Modified\`, \`Age\`, \`X-Cache\` and \`Server-Timing\`; a stale copy stands in for a failing upstream (\`X-Cache: STALE\`, \`X-Cache-Reason\`). Versioned image URLs are immutable. In production a cache in front of the service (Workers Cache) may answer without running it: \`Cf-Cache-Status\` then says so, and \`Age\`, \`X-Cache\` and \`Server-Timing\` are those of the run that filled it.

**Canonical URLs.** Ids are canonical in lower case: a page, image or comment URL with an upper-case id answers 308 to the lower-case one (the JSON API answers as is, so clients that do not follow redirects keep working). A page URL with a trailing slash answers 308 to the URL without it; \`/api/jobs/{id}/\` keeps its slash, the upstream's own form.

**Share links.** With \`SHARE_MODE=signed\`, job URLs answer only under \`/s/{token}/…\` (the paths tagged *Share links*); without a valid token an existing job answers exactly like an unknown one. The share gate decides before any route, so any URL that names a job (in its path or its query) may answer its \`404 not_found\`, \`410 share_expired\` or \`503 misconfigured\`.`;

export type OpenApiDocument = ReturnType<typeof createDocument>;

let memo: OpenApiDocument | null = null;
let served: { origin: string; doc: OpenApiDocument } | null = null;

/** The document without `servers`, built once per isolate. */
function baseDocument(): OpenApiDocument {
  if (memo) return memo;
  memo = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'overmind-edge',
      version: packageVersion,
      summary:
        'Cached public read API, report pages, score images and pull-request comments for Overmind jobs.',
      description: DESCRIPTION,
    },
    tags: [
      { name: 'Jobs', description: 'The read API: the job, its summary, its live events.' },
      { name: 'Pages', description: 'What a person opens.' },
      { name: 'Images', description: 'The score card and the badge.' },
      { name: 'Pull requests', description: 'The comment and the comparison of two runs.' },
      { name: 'Sharing', description: 'Signed share links, for teams that do not want every job public.' },
      { name: 'Share links', description: 'Every job URL under a share link (signed mode).' },
      { name: 'Site', description: 'What every public site answers.' },
    ],
    security: [],
    paths: paths(),
    components: {
      // Every JSON error response refers to it, narrowing `code` to its status's codes.
      schemas: { Error: ErrorSchema },
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'Your own Overmind API key.',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Your own Overmind API key, as a bearer token.',
        },
      },
    },
    'x-error-codes': CODES.map((code) => ({ code, ...ERROR_CODES[code] })),
  });
  return memo;
}

/**
 * The document as served from `origin` (the public origin, or the request's own): the server
 * and every curl example name it. Kept for the last origin, which in production is the only one.
 */
export function openApiDocument(origin: string): OpenApiDocument {
  if (served?.origin === origin) return served.doc;
  const base = baseDocument();
  const paths: oas32.PathsObject = {};
  for (const [path, item] of Object.entries(base.paths ?? {})) {
    const copy: Record<string, unknown> = { ...item };
    for (const [method, op] of Object.entries(item)) {
      const samples = (op as { 'x-codeSamples'?: CodeSample[] })['x-codeSamples'];
      if (!samples) continue;
      copy[method] = {
        ...(op as object),
        'x-codeSamples': samples.map((s) => ({ ...s, source: s.source.replaceAll('{origin}', origin) })),
      };
    }
    paths[path] = copy as oas32.PathItemObject;
  }
  const doc = { ...base, servers: [{ url: origin }], paths };
  served = { origin, doc };
  return doc;
}

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}
