import { z } from 'zod';
import {
  createDocument,
  type oas32,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { version as packageVersion } from '../../package.json';
import type { RouteDef } from '../routes/define';
import {
  BASE_ERRORS,
  canonicalRedirect,
  CODES,
  ERROR_CODES,
  ErrorSchema,
  errorResponse,
  errors,
  h,
  redirectToCurrent,
  text,
  tokenParam,
  type Format,
  type RouteDoc,
} from './parts';

// The OpenAPI 3.1 document of an app's routes, built by zod-openapi from their declarations
// (src/routes/define.ts) and the zod schemas the worker itself parses with. zod-openapi renders
// them through zod 4's own z.toJSONSchema (draft 2020-12, the dialect of OpenAPI 3.1), so what
// validates an answer is what is documented; test/helpers.ts checks every answer the tests
// receive against it. Each route under a share link, each CORS preflight and each
// trailing-slash redirect is derived here from the route's own flags.

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

function operation(def: RouteDef, shared: boolean): ZodOpenApiOperationObject {
  const route = doc(def);
  const responses: ZodOpenApiResponsesObject = { ...route.responses };
  // What the declaration already says: a versioned URL redirects to the current version, a
  // canonical route's other spellings to it.
  if (def.path.includes('{version}')) responses['302'] = redirectToCurrent;
  if (def.canonical) responses['308'] = canonicalRedirect;
  if (shared) {
    const nf = responses['404'];
    if (nf && !('$ref' in nf)) {
      const type = Object.keys(nf.content ?? {})[0];
      const format: Format = type === 'text/html' ? 'html' : type === 'image/svg+xml' ? 'svg' : 'json';
      responses['410'] = errorResponse(410, format, 'shared');
      responses['404'] = sharedNotFound(nf);
    }
  }
  const pathParams = shared ? { token: tokenParam, ...def.params } : def.params;
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

function preflight(def: RouteDef, shared: boolean): ZodOpenApiOperationObject {
  const route = doc(def);
  const pathParams = shared ? { token: tokenParam, ...def.params } : def.params;
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

function doc(def: RouteDef): RouteDoc {
  if (!def.doc) throw new Error(`openapi: ${def.path} has no description`);
  return def.doc;
}

function paths(routes: readonly RouteDef[]): ZodOpenApiPathsObject {
  const out: ZodOpenApiPathsObject = {};
  const add = (path: string, method: 'get' | 'post' | 'options', op: ZodOpenApiOperationObject) => {
    out[path] = { ...out[path], [method]: op };
  };
  const documented = routes.filter((r) => r.doc);
  for (const shared of [false, true]) {
    for (const route of documented) {
      if (shared && !route.job) continue;
      const path = shared ? `${SHARE_PREFIX}${route.path}` : route.path;
      add(path, route.method, operation(route, shared));
      if (route.cors) add(path, 'options', preflight(route, shared));
    }
  }
  for (const route of documented) {
    if (!route.slash) continue;
    add(`${route.path}/`, 'get', redirectOnly(`${route.path}/`, route.path));
    if (route.job) {
      add(
        `${SHARE_PREFIX}${route.path}/`,
        'get',
        redirectOnly(`${SHARE_PREFIX}${route.path}/`, `${SHARE_PREFIX}${route.path}`),
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

const memo = new WeakMap<readonly RouteDef[], OpenApiDocument>();
const served = new WeakMap<readonly RouteDef[], { origin: string; doc: OpenApiDocument }>();

/** The document of these routes without `servers`, built once per isolate. */
function baseDocument(routes: readonly RouteDef[]): OpenApiDocument {
  const known = memo.get(routes);
  if (known) return known;
  const built = createDocument({
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
    paths: paths(routes),
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
  memo.set(routes, built);
  return built;
}

/**
 * The document as served from `origin` (the public origin, or the request's own): the server
 * and every curl example name it. Kept for the last origin, which in production is the only one.
 */
export function documentOf(routes: readonly RouteDef[], origin: string): OpenApiDocument {
  const last = served.get(routes);
  if (last?.origin === origin) return last.doc;
  const base = baseDocument(routes);
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
  served.set(routes, { origin, doc });
  return doc;
}

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}
