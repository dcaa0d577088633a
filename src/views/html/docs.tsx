import { raw } from 'hono/html';
import type { oas32 } from 'zod-openapi';
import { renderMarkdown } from '../../markdown';
import type { CodeSample, OpenApiDocument } from '../../openapi';
import { SERVICE_NAME } from '../../present';
import { Layout, renderDocument } from './layout';
import { DataTable, Section, numCol } from './sections/common';

// /docs: the OpenAPI document (src/openapi.ts) as a page, rendered on the server in the site's
// style, without JavaScript. Everything shown comes from the document, so the page and
// /openapi.json cannot disagree. Descriptions are the document's own markdown, rendered by the
// report's sanitizing renderer (src/markdown.ts): the only raw() here is its output.

type Schema = oas32.SchemaObject | oas32.ReferenceObject;
/** A schema that is an object (JSON Schema also allows `true` and `false`). */
type SchemaValue = Exclude<oas32.SchemaObject, boolean>;
type Operation = oas32.OperationObject & { 'x-codeSamples'?: CodeSample[] };
type ErrorCodeRow = { code: string; status: number; meaning: string };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SHARED_TAG = 'Share links';

function Md({ text, inline }: { text: string | undefined; inline?: boolean }) {
  if (!text) return null;
  const html = renderMarkdown(text);
  // One paragraph shown inline: its <p> is dropped so it runs on after a label.
  const one = inline ? /^<p>([\s\S]*)<\/p>\s*$/.exec(html) : null;
  if (one && !one[1]?.includes('<p>')) return <span class="prose">{raw(one[1])}</span>;
  return <div class="prose">{raw(html)}</div>;
}

function isRef(x: unknown): x is oas32.ReferenceObject {
  return typeof x === 'object' && x !== null && '$ref' in x;
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** Follows a local `#/components/…` reference. */
function resolve<T>(doc: OpenApiDocument, x: unknown): T {
  if (!isRef(x)) return x as T;
  let node: unknown = doc;
  for (const part of x.$ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part];
  return node as T;
}

/** A schema in a few words: `string (uuid)`, `one of: light, dark`, `Summary`, `number or null`. */
function typeText(doc: OpenApiDocument, s: Schema | undefined): string {
  if (s === undefined || s === true) return 'any';
  if (s === false) return 'nothing';
  if (isRef(s)) {
    const name = refName(s.$ref);
    return doc.components?.schemas?.[name] ? name : typeText(doc, resolve(doc, s));
  }
  if (Array.isArray(s.enum)) return `one of: ${s.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  const parts = s.anyOf ?? s.oneOf;
  if (Array.isArray(parts)) return parts.map((p: Schema) => typeText(doc, p)).join(' or ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return 'any JSON';
  return types
    .map((t) => {
      if (t === 'array') return `array of ${typeText(doc, s.items as Schema | undefined)}`;
      if (t === 'string' && s.format) return `string (${s.format})`;
      return t;
    })
    .join(' or ');
}

function constraints(s: SchemaValue): string[] {
  const out: string[] = [];
  if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
  if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.pattern && !s.format) out.push(`matches ${s.pattern}`);
  return out;
}

function ParamRows(props: { doc: OpenApiDocument; params: oas32.ParameterObject[]; of: string }) {
  const { doc, params } = props;
  return (
    <DataTable label={`Parameters of ${props.of}`} columns={['Name', 'In', 'Type', 'Description']}>
      {params.map((p) => {
        const schema = p.schema ? resolve<SchemaValue>(doc, p.schema) : undefined;
        const extra = schema ? constraints(schema) : [];
        return (
          <tr>
            <th scope="row">
              <code>{p.name}</code>
              {p.required ? <span class="subtle"> required</span> : null}
            </th>
            <td>{p.in}</td>
            <td>{typeText(doc, p.schema)}</td>
            <td>
              {p.description ?? schema?.description ?? ''}
              {extra.length ? <span class="subtle"> ({extra.join('; ')})</span> : null}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

/** The named schema a body is, or narrows (`allOf` with a component first). */
function schemaName(schema: unknown): string | null {
  if (isRef(schema)) return refName(schema.$ref);
  const first = (schema as { allOf?: unknown[] } | undefined)?.allOf?.[0];
  return isRef(first) ? refName(first.$ref) : null;
}

function MediaTypes({ doc, content }: { doc: OpenApiDocument; content: [string, unknown][] }) {
  if (content.length === 0) return <>—</>;
  return (
    <>
      {content.map(([type, m], i) => {
        const media = resolve<oas32.MediaTypeObject>(doc, m);
        const name = schemaName(media.schema);
        return (
          <>
            {i > 0 ? ', ' : null}
            <code>{type}</code>
            {name ? (
              <>
                {' '}
                <a href={`#schema-${name}`}>{name}</a>
              </>
            ) : null}
          </>
        );
      })}
    </>
  );
}

function HeaderNames({ names }: { names: string[] }) {
  if (names.length === 0) return <>—</>;
  return (
    <>
      {names.map((name, i) => (
        <>
          {i > 0 ? ' ' : null}
          <code>{name}</code>
        </>
      ))}
    </>
  );
}

/** Successes and redirects one row each; the errors in one row, a line per status. */
function ResponseRows(props: { doc: OpenApiDocument; responses: oas32.ResponsesObject; of: string }) {
  const { doc } = props;
  const all = Object.entries(props.responses).map(
    ([status, r]) => [status, resolve<oas32.ResponseObject>(doc, r)] as const,
  );
  const ok = all.filter(([status]) => Number(status) < 400);
  const failed = all.filter(([status]) => Number(status) >= 400);
  const errorTypes = new Map<string, unknown>();
  const errorHeaders = new Set<string>();
  for (const [, res] of failed) {
    for (const [type, m] of Object.entries(res.content ?? {}))
      if (!errorTypes.has(type)) errorTypes.set(type, m);
    for (const h of Object.keys(res.headers ?? {})) errorHeaders.add(h);
  }
  return (
    <DataTable label={`Responses of ${props.of}`} columns={['Status', 'Body', 'Headers', 'Meaning']}>
      {ok.map(([status, res]) => (
        <tr>
          <th scope="row" class="num">
            {status}
          </th>
          <td>
            <MediaTypes doc={doc} content={Object.entries(res.content ?? {})} />
          </td>
          <td>
            <HeaderNames names={Object.keys(res.headers ?? {})} />
          </td>
          <td>
            <Md text={res.description} inline />
          </td>
        </tr>
      ))}
      {failed.length ? (
        <tr>
          <th scope="row" class="num">
            errors
          </th>
          <td>
            <MediaTypes doc={doc} content={[...errorTypes]} />
          </td>
          <td>
            <HeaderNames names={[...errorHeaders]} />
          </td>
          <td>
            <ul class="statuses">
              {failed.map(([status, res]) => (
                <li>
                  <strong>{status}</strong> <Md text={res.description} inline />
                </li>
              ))}
            </ul>
          </td>
        </tr>
      ) : null}
    </DataTable>
  );
}

function OperationBlock(props: { doc: OpenApiDocument; path: string; method: string; op: Operation }) {
  const { doc, path, method, op } = props;
  const params = (op.parameters ?? []).map((p) => resolve<oas32.ParameterObject>(doc, p));
  const body = op.requestBody ? resolve<oas32.RequestBodyObject>(doc, op.requestBody) : null;
  const id = op.operationId ?? `${method}-${path}`;
  return (
    <article class="op" id={id} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
      </h3>
      <p class="op-summary">{op.summary}</p>
      <Md text={op.description} />
      {params.length ? (
        <>
          <h4>Parameters</h4>
          <ParamRows doc={doc} params={params} of={`${method.toUpperCase()} ${path}`} />
        </>
      ) : null}
      {body ? (
        <>
          <h4>Request body</h4>
          {Object.entries(body.content ?? {}).map(([type, m]) => {
            const media = resolve<oas32.MediaTypeObject>(doc, m);
            const schema = media.schema ? resolve<SchemaValue>(doc, media.schema) : undefined;
            return (
              <>
                <p>
                  <code>{type}</code>
                  {body.required ? ', required' : ''}
                </p>
                {schema ? (
                  <PropertyTable
                    doc={doc}
                    schema={schema}
                    label={`Request body of ${method.toUpperCase()} ${path}`}
                  />
                ) : null}
              </>
            );
          })}
        </>
      ) : null}
      <h4>Responses</h4>
      <ResponseRows doc={doc} responses={op.responses ?? {}} of={`${method.toUpperCase()} ${path}`} />
      {(op['x-codeSamples'] ?? []).map((s) => (
        <>
          <h4>Example ({s.label})</h4>
          <pre
            class="snippet"
            tabindex={0}
            role="group"
            aria-label={`${s.label} example for ${method.toUpperCase()} ${path}`}
          >
            <code>{s.source}</code>
          </pre>
        </>
      ))}
    </article>
  );
}

function PropertyTable(props: { doc: OpenApiDocument; schema: SchemaValue; label: string }) {
  const { doc, schema, label } = props;
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {});
  if (rows.length === 0) return <p class="note">{typeText(doc, schema)}</p>;
  return (
    <DataTable label={label} columns={['Field', 'Type', 'Description']}>
      {rows.map(([name, s]) => {
        const resolved = resolve<SchemaValue>(doc, s);
        const extra = constraints(resolved);
        const nested = isRef(s) && doc.components?.schemas?.[refName(s.$ref)] ? refName(s.$ref) : null;
        return (
          <tr>
            <th scope="row">
              <code>{name}</code>
              {required.has(name) ? <span class="subtle"> required</span> : null}
            </th>
            <td>
              {nested ? <a href={`#schema-${nested}`}>{nested}</a> : typeText(doc, s)}
              {resolved.type === 'object' && resolved.properties ? (
                <span class="subtle">
                  {' '}
                  with{' '}
                  {Object.keys(resolved.properties)
                    .map((k) => k)
                    .join(', ')}
                </span>
              ) : null}
            </td>
            <td>
              {resolved.description ?? ''}
              {extra.length ? <span class="subtle"> ({extra.join('; ')})</span> : null}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}

interface Entry {
  path: string;
  method: string;
  op: Operation;
}

function entriesByTag(doc: OpenApiDocument): Map<string, Entry[]> {
  const byTag = new Map<string, Entry[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { path, method, op }]);
    }
  }
  return byTag;
}

export function DocsPage({ doc, origin }: { doc: OpenApiDocument; origin: string }) {
  const byTag = entriesByTag(doc);
  const tags = (doc.tags ?? []).filter((t) => byTag.has(t.name));
  const shared = byTag.get(SHARED_TAG) ?? [];
  const codes = (doc['x-error-codes'] ?? []) as ErrorCodeRow[];
  const schemas = Object.entries(doc.components?.schemas ?? {});
  const sectionId = (name: string) => `tag-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <Layout
      title={`API reference · ${SERVICE_NAME}`}
      description={doc.info.summary ?? doc.info.title}
      canonical={`${origin}/docs`}
      crumb="API reference"
    >
      <div class="hero">
        <h1>API reference</h1>
        <p>
          {doc.info.summary} Every route below, from the OpenAPI {doc.openapi} document at{' '}
          <a href="/openapi.json">
            <code>/openapi.json</code>
          </a>{' '}
          (version {doc.info.version}), which clients can be generated from.
        </p>
      </div>
      <nav aria-label="API sections">
        <ul class="toc">
          {tags.map((t) => (
            <li>
              <a href={`#${sectionId(t.name)}`}>{t.name}</a>
            </li>
          ))}
          <li>
            <a href="#errors">Errors</a>
          </li>
          <li>
            <a href="#schemas">Schemas</a>
          </li>
        </ul>
      </nav>
      <Section id="overview" title="Overview">
        <Md text={doc.info.description} />
      </Section>
      {tags
        .filter((t) => t.name !== SHARED_TAG)
        .map((t) => (
          <Section id={sectionId(t.name)} title={t.name} lead={t.description}>
            {(byTag.get(t.name) ?? []).map((e) => (
              <OperationBlock doc={doc} path={e.path} method={e.method} op={e.op} />
            ))}
          </Section>
        ))}
      {shared.length ? (
        <Section
          id={sectionId(SHARED_TAG)}
          title={SHARED_TAG}
          lead="In signed mode every job URL answers only under a share link: the same route, prefixed by /s/{token}, with the same parameters and answers, plus 410 for an expired link."
        >
          <DataTable label="Share-link paths" columns={['Path', 'Same as']}>
            {shared.map((e) => {
              const base = e.op.operationId?.replace(/Shared$/, '');
              return (
                <tr>
                  <th scope="row">
                    <code>
                      {e.method.toUpperCase()} {e.path}
                    </code>
                  </th>
                  <td>
                    {base ? (
                      <a href={`#${base}`}>{e.op.summary?.replace(/, under a share link$/, '')}</a>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        </Section>
      ) : null}
      <Section id="errors" title="Errors" lead="The code of every error, and the status it comes with.">
        <DataTable label="Error codes" columns={['Code', numCol('Status'), 'Meaning']}>
          {codes.map((c) => (
            <tr>
              <th scope="row">
                <code>{c.code}</code>
              </th>
              <td class="num">{c.status}</td>
              <td>
                <Md text={c.meaning} />
              </td>
            </tr>
          ))}
        </DataTable>
      </Section>
      <Section id="schemas" title="Schemas">
        {schemas.map(([name, s]) => {
          const schema = resolve<SchemaValue>(doc, s);
          return (
            <article class="op" id={`schema-${name}`} aria-labelledby={`schema-${name}-h`}>
              <h3 id={`schema-${name}-h`}>
                <code>{name}</code>
              </h3>
              {schema.description ? <p class="op-summary">{schema.description}</p> : null}
              <PropertyTable doc={doc} schema={schema} label={`Fields of ${name}`} />
            </article>
          );
        })}
      </Section>
    </Layout>
  );
}

export function renderDocsPage(doc: OpenApiDocument, origin: string): string {
  return renderDocument(<DocsPage doc={doc} origin={origin} />);
}
