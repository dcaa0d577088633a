import { Validator, type Schema } from '@cfworker/json-schema';
import { openApiDocument } from '../src/openapi';

// Every answer a test receives, checked against the OpenAPI document (src/openapi.ts): the
// status must be declared for that path and method, the media type declared for that status,
// required headers present and typed, and a JSON body valid against its schema. An answer the
// document does not describe fails the test that received it (test/helpers.ts `harness`).
//
// The document's general rules (its `info.description`) cover what no single operation
// declares: HEAD answers as GET does; an undeclared method answers 405 (or 404 where the route
// does not exist in this mode); OPTIONS on /api/* is a CORS preflight (204); a path the
// document does not name answers 404 or 405; any request may meet 414 or 431; in signed mode
// a URL that names a job may meet the share gate's 404, 410 or 503 before any route.
//
// JSON Schema validation is @cfworker/json-schema's: it interprets schemas instead of
// compiling them, so it runs wherever the tests run (workerd forbids code generation outside
// the test runner, which is what ajv's compiler needs).

type Json = Record<string, unknown>;

interface Operation {
  responses: Record<string, Json>;
}

interface Template {
  path: string;
  re: RegExp;
  literal: number;
  item: Record<string, Operation>;
}

const ORIGIN = 'https://edge.test';
/**
 * What any path may answer without the document naming it (see the general rules): in signed
 * mode the share gate answers a URL that names a job before any route, with 404, 410 or 503.
 */
const ANY_PATH = new Set([404, 405, 410, 414, 431, 503]);
const UNDECLARED_METHOD = ANY_PATH;

let built: { doc: Json; templates: Template[]; codes: Map<string, number> } | null = null;

function model() {
  if (built) return built;
  // A copy: the validator annotates the schema objects it walks.
  const doc = structuredClone(openApiDocument(ORIGIN)) as unknown as Json;
  const templates: Template[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    const source = path
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    templates.push({
      path,
      re: new RegExp(`^${source}$`),
      literal: path.replace(/\{[^}]+\}/g, '').length,
      item,
    });
  }
  // A literal path beats a template that also matches it (OpenAPI's own rule).
  templates.sort((a, b) => b.literal - a.literal);
  const codes = new Map<string, number>();
  for (const row of doc['x-error-codes'] as { code: string; status: number }[])
    codes.set(row.code, row.status);
  built = { doc, templates, codes };
  return built;
}

function resolve(doc: Json, node: unknown): Json {
  let n = node as Json;
  while (n && typeof n.$ref === 'string') {
    let target: unknown = doc;
    for (const part of (n.$ref as string).replace(/^#\//, '').split('/')) {
      target = (target as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    n = target as Json;
  }
  return n;
}

const validators = new WeakMap<object, Validator>();

function validatorFor(doc: Json, schema: Json): Validator {
  let v = validators.get(schema);
  if (!v) {
    // The schema with the document's components beside it, so `#/components/…` resolves.
    v = new Validator({ ...schema, components: doc.components } as Schema, '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

function schemaErrors(doc: Json, schema: Json, value: unknown): string[] {
  const result = validatorFor(doc, schema).validate(value);
  if (result.valid) return [];
  // The deepest errors say the most; the first few are enough to find the cause.
  return result.errors.slice(-4).map((e) => `${e.instanceLocation}: ${e.error}`);
}

function mediaType(res: Response): string | null {
  const t = res.headers.get('Content-Type');
  return t ? (t.split(';')[0] ?? '').trim().toLowerCase() : null;
}

async function errorBodyProblems(
  doc: Json,
  codes: Map<string, number>,
  req: Request,
  res: Response,
): Promise<string[]> {
  if (mediaType(res) !== 'application/json' || req.method === 'HEAD') return [];
  let body: unknown;
  try {
    body = JSON.parse(await res.clone().text());
  } catch {
    return ['an error body that is not JSON'];
  }
  const problems = schemaErrors(doc, { $ref: '#/components/schemas/Error' }, body);
  const code = (body as { code?: string }).code;
  if (code && codes.get(code) !== res.status) problems.push(`code ${code} does not come with ${res.status}`);
  return problems;
}

/** Why `res` is not what the document says `req` gets; empty when it conforms. */
export async function conformanceProblems(req: Request, res: Response): Promise<string[]> {
  const { doc, templates, codes } = model();
  const url = new URL(req.url);
  const method = req.method.toLowerCase();
  const status = res.status;
  const template = templates.find((t) => t.re.test(url.pathname));

  if (!template) {
    if (method === 'options' && url.pathname.startsWith('/api/') && status === 204) return [];
    if (!ANY_PATH.has(status)) return [`${status} for a path the document does not name`];
    return errorBodyProblems(doc, codes, req, res);
  }

  const op = template.item[method === 'head' ? 'get' : method];
  if (!op) {
    if (!UNDECLARED_METHOD.has(status))
      return [`${status} for ${req.method}, which ${template.path} does not declare`];
    const problems = await errorBodyProblems(doc, codes, req, res);
    if (status === 405 && !res.headers.get('Allow')) problems.push('405 without Allow');
    return problems;
  }

  const declared =
    op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default;
  if (!declared) {
    return [
      `${status} is not declared for ${method.toUpperCase()} ${template.path} (declared: ${Object.keys(op.responses).join(', ')})`,
    ];
  }
  const response = resolve(doc, declared);
  const problems: string[] = [];

  for (const [name, h] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    const header = resolve(doc, h);
    const value = res.headers.get(name);
    if (value === null) {
      if (header.required) problems.push(`missing header ${name}`);
      continue;
    }
    const schema = resolve(doc, header.schema) as Json;
    const typed = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
    for (const e of schemaErrors(doc, schema, typed))
      problems.push(`header ${name}: ${JSON.stringify(value)} ${e}`);
  }

  const content = response.content as Record<string, Json> | undefined;
  const type = mediaType(res);
  const bodyless = status === 204 || status === 304 || req.method === 'HEAD';
  if (!content) {
    if (type !== null && !bodyless && res.body !== null)
      problems.push(`a ${type} body where the document declares none`);
    return problems;
  }
  if (type === null) {
    problems.push(`no Content-Type; the document declares ${Object.keys(content).join(', ')}`);
    return problems;
  }
  const media = content[type];
  if (!media) {
    problems.push(`Content-Type ${type} is not declared (declared: ${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (type === 'application/json' && !bodyless) {
    const text = await res.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push('a body that is not JSON');
      return problems;
    }
    problems.push(...schemaErrors(doc, resolve(doc, media.schema), body).map((e) => `body ${e}`));
    const code = (body as { code?: unknown }).code;
    if (status >= 400 && typeof code === 'string' && codes.get(code) !== status) {
      problems.push(`code ${code} does not come with ${status}`);
    }
  }
  return problems;
}

/** Throws, naming the request and every problem, when `res` does not conform. */
export async function expectConforms(req: Request, res: Response): Promise<void> {
  const problems = await conformanceProblems(req, res);
  if (problems.length > 0) {
    throw new Error(
      `OpenAPI: ${req.method} ${new URL(req.url).pathname} → ${res.status} is not what /openapi.json describes:\n  ${problems.join('\n  ')}`,
    );
  }
}
