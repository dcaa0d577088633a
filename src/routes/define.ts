import type { Context, Hono } from 'hono';
import { tryDecodeURIComponent } from 'hono/utils/url';
import type { z } from 'zod';
import type { Config } from '../env';
import { canonicalId } from '../lib/ids';
import type { RouteDoc } from '../openapi/parts';
import type { AppEnv } from '../services';

// One declaration per route (README "Adding a route"): its method, its path with constrained
// parameters, its OpenAPI description, the format of its errors and whether it names a job.
// Registration, /openapi.json, 404 and 405 with `Allow`, the error format, canonical
// redirects, the indexing policy and the share gate are all read from the table built here.

/** How a route's errors are answered: the `{detail, code}` JSON, an HTML page, or a badge. */
export type ErrorFormat = 'json' | 'html' | 'badge';

/** The names of a path template's `{parameters}`. */
type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer R}` ? N | ParamNames<R> : never;

export type RouteParams<P extends string> = { [K in ParamNames<P>]: string };

export interface RouteDef<P extends string = string> {
  method: 'get' | 'post';
  /** The OpenAPI path template: `/jobs/{id}/og.{version}.png`. A parameter never spans a `/`. */
  path: P;
  /**
   * The parameters as documented (zod, with their OpenAPI metadata). A parameter matches the
   * pattern registered for its schema with `segmentPattern` (e.g. 12 hex digits for a
   * version), else any text up to the next `/` or literal, so that a malformed job id still
   * reaches its route and gets that route's `invalid_id`.
   */
  params?: { [K in ParamNames<P>]: z.ZodType };
  /** What the route's errors look like. */
  errors: ErrorFormat;
  /**
   * The route reads one job or two: it also answers under a share link, meets the share gate
   * and the deployment gate, and says `noindex` when INDEXING=off.
   */
  job?: boolean;
  /** Open to any origin (CORS), with an OPTIONS preflight. */
  cors?: boolean;
  /** A GET whose upper-case job ids answer 308 to the lower-case URL. */
  canonical?: boolean;
  /** Its trailing-slash form answers 308 to it. */
  slash?: boolean;
  /** Whether the route exists with these settings (minting exists only in signed mode). */
  enabled?: (config: Config) => boolean;
  /** The OpenAPI operation; null for a route the document covers by its general rules. */
  doc: RouteDoc | null;
  handler: (c: Context<AppEnv>, params: RouteParams<P>) => Response | Promise<Response>;
}

/** A route, typed by its path: the handler's `params` are the template's parameter names. */
export function defineRoute<const P extends string>(def: RouteDef<P>): RouteDef {
  return def as unknown as RouteDef;
}

const PATTERNS = new WeakMap<z.ZodType, string>();

/** The regular expression (source, no anchors) a path parameter with this schema matches. */
export function segmentPattern<T extends z.ZodType>(schema: T, pattern: string): T {
  PATTERNS.set(schema, pattern);
  return schema;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Compiled {
  def: RouteDef;
  re: RegExp;
  names: string[];
  /** The path Hono routes on: literal segments, and one `:param` for any segment holding parameters. */
  honoPath: string;
}

function compile(def: RouteDef): Compiled {
  const names: string[] = [];
  let source = '';
  let last = 0;
  for (const m of def.path.matchAll(/\{(\w+)\}/g)) {
    const name = m[1] as string;
    names.push(name);
    const schema = (def.params as Record<string, z.ZodType> | undefined)?.[name];
    source += escape(def.path.slice(last, m.index)) + `(${(schema && PATTERNS.get(schema)) ?? '[^/]+?'})`;
    last = m.index + m[0].length;
  }
  source += escape(def.path.slice(last));
  // A segment holding parameters is one Hono parameter, named after them: `og.{version}.png`
  // is `:version`, `{base}...{head}` is `:base_head`.
  const honoPath = def.path
    .split('/')
    .map((seg) =>
      seg.includes('{') ? `:${[...seg.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).join('_')}` : seg,
    )
    .join('/');
  return { def, re: new RegExp(`^${source}$`), names, honoPath };
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}

/** The app's routes, and everything that is read from them. */
export class RouteTable {
  readonly routes: readonly RouteDef[];
  private readonly compiled: Compiled[];
  /** Literal prefixes of the routes that name a job: `/api/jobs/`, `/jobs/`, `/compare/`. */
  private readonly jobRoots: string[];
  private readonly jobPathRe: RegExp;

  constructor(routes: readonly RouteDef[]) {
    this.routes = routes;
    this.compiled = routes.map(compile);
    const roots = new Set<string>();
    for (const r of routes) {
      if (!r.job) continue;
      const at = r.path.indexOf('{');
      const literal = at < 0 ? r.path : r.path.slice(0, at);
      roots.add(literal.slice(0, literal.lastIndexOf('/') + 1));
    }
    this.jobRoots = [...roots];
    // As loose as a client can spell them: any case, repeated slashes, with or without the last.
    const alternatives = this.jobRoots.map((root) =>
      root
        .split('/')
        .filter(Boolean)
        .map((seg) => escape(seg))
        .join('\\/+'),
    );
    this.jobPathRe = alternatives.length
      ? new RegExp(`^\\/+(?:${alternatives.join('|')})(?:\\/|$)`, 'i')
      : /(?!)/;
  }

  /** Registers every route on `app`, in the table's order. */
  register(app: Hono<AppEnv>): void {
    for (const r of this.compiled) {
      app.on(r.def.method.toUpperCase(), r.honoPath, async (c, next) => {
        const m = r.re.exec(c.req.path);
        // Not this route's shape (e.g. `/jobs/{id}/nothing.txt`): another route may take it.
        if (!m) return next();
        if (r.def.enabled && !r.def.enabled(c.var.services.config)) return next();
        const params: Record<string, string> = {};
        // Decoded as Hono decodes its own `:param`s.
        r.names.forEach((name, i) => (params[name] = tryDecodeURIComponent(m[i + 1] ?? '')));
        return r.def.handler(c, params);
      });
    }
  }

  /** The routes whose path matches, whatever their method. */
  private matching(path: string, config: Config | null): Compiled[] {
    return this.compiled.filter(
      (r) => r.re.test(path) && (!config || !r.def.enabled || r.def.enabled(config)),
    );
  }

  /**
   * The methods a path answers, for a 405's `Allow`: a GET route answers HEAD and OPTIONS too.
   * Empty when no route has this path (a 404).
   */
  allowed(path: string, config: Config): string[] {
    const methods = new Set<string>();
    for (const r of this.matching(path, config)) {
      if (r.def.method === 'get') ['GET', 'HEAD', 'OPTIONS'].forEach((m) => methods.add(m));
      else methods.add(r.def.method.toUpperCase());
    }
    return [...methods];
  }

  /**
   * The error format of a path: its route's. A path no route has is JSON under /api/ and below
   * a job's page (`/jobs/{id}/nothing.txt`, as its files are), HTML elsewhere.
   */
  errorFormat(path: string): ErrorFormat {
    const route = this.matching(path, null)[0];
    if (route) return route.def.errors;
    if (path.startsWith('/api/')) return 'json';
    for (const root of this.jobRoots) {
      if (path.startsWith(root) && /^[^/]+\/./.test(path.slice(root.length))) return 'json';
    }
    return 'html';
  }

  /** Whether a path is one of a job route's, as loosely as a client may spell it (share gate). */
  isJobPath(path: string): boolean {
    return this.jobPathRe.test(path);
  }

  /** Whether a path is below a job route's root as spelled (the indexing policy). */
  isJobFace(path: string): boolean {
    return this.jobRoots.some((root) => path.startsWith(root));
  }

  /** Whether a path answers CORS requests from any origin. */
  isCors(path: string): boolean {
    return this.compiled.some((r) => r.def.cors && r.re.test(path));
  }

  /**
   * The canonical form of a GET path, or null when it is canonical or no route has it:
   * lower-case job ids on `canonical` routes, no trailing slash on `slash` ones. Only forms of
   * a real route are redirected, so a mistyped URL gets one 404 rather than a redirect.
   */
  canonicalPath(path: string): string | null {
    for (const r of this.compiled) {
      if (r.def.method !== 'get' || !(r.def.canonical || r.def.slash)) continue;
      const slashed = r.def.slash === true && path.length > 1 && path.endsWith('/');
      const m = r.re.exec(slashed ? path.slice(0, -1) : path);
      if (!m) continue;
      const values: Record<string, string> = {};
      r.names.forEach((name, i) => {
        const v = m[i + 1] ?? '';
        values[name] = r.def.canonical ? canonicalId(v) : v;
      });
      const out = fill(r.def.path, values);
      return out !== path ? out : null;
    }
    return null;
  }

  /** The documented routes with a trailing-slash form, as templates. */
  slashForms(): string[] {
    return this.routes.filter((r) => r.slash && r.doc).map((r) => r.path);
  }
}
