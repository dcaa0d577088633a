import type { Child } from 'hono/jsx';
import { JOB_STATUS_LABELS, type JobStatus } from '../../common/status';
import { plural, type Direction } from '../../common/format';
import { BRAND } from '../../common/brand';
import { clipDepth, nestsDeeper } from '../../../json-depth';

// Small pieces shared by the page's sections: JSON display with a size cap, and the few
// repeated components. Numbers and dates are formatted by src/views/common/format.ts (shared
// with the cards, the PR comment and the live script).

/**
 * Deepest nesting printed in full. The schema already refuses free-form JSON nested past
 * MAX_JSON_NESTING (src/schema.ts); a page prints fewer levels still, deeper values as "…".
 */
export const MAX_JSON_DEPTH = 64;
const DEEPER = '…';

function boundedStringify(value: unknown, indent?: number): { text: string; deep: boolean } {
  const deep = nestsDeeper(value, MAX_JSON_DEPTH);
  const printable = deep ? clipDepth(value, MAX_JSON_DEPTH, DEEPER) : value;
  return { text: JSON.stringify(printable, null, indent) ?? String(printable), deep };
}

/**
 * Pretty JSON, cut at `max` characters so one huge field cannot dominate the page, and at
 * MAX_JSON_DEPTH levels (`deep`) so that no nesting can break the page.
 */
export function prettyJson(
  value: unknown,
  max = 200_000,
): { text: string; truncated: boolean; deep: boolean } {
  const { text, deep } = boundedStringify(value, 2);
  if (text.length <= max) return { text, truncated: false, deep };
  return { text: text.slice(0, max), truncated: true, deep };
}

/** Compact one-line JSON for table cells. */
export function compactJson(value: unknown, max = 2_000): string {
  const { text } = boundedStringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function StatusPill({ status }: { status: JobStatus | null | undefined }) {
  const key = status ?? 'unknown';
  const label = status ? JOB_STATUS_LABELS[status] : 'Unknown status';
  return (
    <span class={`pill pill-${key}`}>
      <span class="dot" aria-hidden="true"></span>
      {label}
    </span>
  );
}

const ARROWS: Record<Direction, string> = { up: '▲', down: '▼', flat: '', none: '' };
const DIRECTION_WORDS: Record<Direction, string> = {
  up: 'improved by',
  down: 'worse by',
  flat: 'unchanged',
  none: '',
};

/** A signed change coloured by direction; the arrow and hidden words say it without colour. */
export function Change({ dir, text }: { dir: Direction; text: string }) {
  const arrow = ARROWS[dir];
  return (
    <span class={`dir-${dir}`}>
      {arrow ? (
        <span class="arrow" aria-hidden="true">
          {arrow}
        </span>
      ) : null}
      {dir === 'none' ? null : <span class="sr-only">{DIRECTION_WORDS[dir]} </span>}
      {text}
    </span>
  );
}

export function Section(props: { id: string; title: string; lead?: Child; children?: Child }) {
  const headingId = `${props.id}-h`;
  return (
    <section class="block" id={props.id} aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      {props.lead ? <p class="lead">{props.lead}</p> : null}
      {props.children}
    </section>
  );
}

export function Empty({ children }: { children?: Child }) {
  return <p class="empty">{children}</p>;
}

/**
 * A scrollable table container; focusable so keyboard users can scroll it. Its region is named
 * "<label> table", so it never shares a name with the section around it (axe landmark-unique).
 */
export function TableWrap(props: { label: string; tall?: boolean; children?: Child }) {
  return (
    <div
      class={props.tall ? 'table-wrap tall' : 'table-wrap'}
      role="region"
      aria-label={`${props.label} table`}
      tabindex={0}
    >
      {props.children}
    </div>
  );
}

/** A header cell of a DataTable: its text, or the text with the cell's class and tooltip. */
export type Column = string | { label: Child; class?: string; title?: string };

/** A right-aligned (numeric) column. */
export function numCol(label: string): Column {
  return { label, class: 'num' };
}

/**
 * A data table in its scrollable TableWrap: a caption for screen readers, one header row of
 * `columns` (false and null leave a column out), and `children` as the body's rows.
 */
export function DataTable(props: {
  label: string;
  tall?: boolean;
  class?: string;
  caption?: Child;
  columns: readonly (Column | false | null)[];
  children?: Child;
}) {
  return (
    <TableWrap label={props.label} tall={props.tall ?? false}>
      <table class={props.class ? `data ${props.class}` : 'data'}>
        {props.caption ? <caption class="sr-only">{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.columns.map((c) =>
              c == null || c === false ? null : typeof c === 'string' ? (
                <th scope="col">{c}</th>
              ) : (
                <th scope="col" class={c.class} title={c.title}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </TableWrap>
  );
}

export function JsonBlock(props: { value: unknown; summary: string; open?: boolean }) {
  const { text, truncated, deep } = prettyJson(props.value);
  return (
    <details class="fold" open={props.open ?? false}>
      <summary>
        <span>{props.summary}</span>
        <span class="subtle">{plural(text.split('\n').length, 'line')} of JSON</span>
      </summary>
      <div class="body">
        <pre class="json" tabindex={0}>
          <code>{text}</code>
        </pre>
      </div>
      {deep ? (
        <p class="note">
          Nested more than {MAX_JSON_DEPTH} levels deep: deeper values are shown as “{DEEPER}”.
        </p>
      ) : null}
      {truncated ? <p class="note">Cut at {text.length.toLocaleString('en-US')} characters.</p> : null}
    </details>
  );
}

/** The brand mark (src/views/common/brand.ts), drawn inline so the page makes no request for it. */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 36 36" aria-hidden="true" focusable="false">
      <rect class="mark" width="36" height="36" rx="10" fill={BRAND.light} />
      <circle cx="18" cy="18" r="6" fill="none" stroke="#ffffff" stroke-width="4" />
    </svg>
  );
}
