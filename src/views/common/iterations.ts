import type { Iteration } from '../../schema';
import { DASH, direction, formatDelta, formatScore } from './format';
import { ITERATION_STATUS_LABELS } from './status';
import { h, type El } from './tree';

// The iterations table's markup (the chart's accessible alternative), as element trees: the
// report page renders them with hono/jsx (src/views/html/sections/iterations.tsx) and the live
// page's script (src/client/live.ts) builds them as DOM nodes, so a live update draws the
// same rows.

/** Above this many rows a table scrolls inside its own box with a sticky header. */
export const TALL_ROWS = 25;

/** The caption and the header row. */
export function iterationsHead(): El[] {
  const col = (label: string, cls?: string) => h('th', { scope: 'col', class: cls }, label);
  return [
    h(
      'caption',
      { class: 'sr-only' },
      "Each iteration's order, name, average score, change against the baseline, whether it was kept, and what it tried.",
    ),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        col('#', 'num'),
        col('Name'),
        col('Score', 'num'),
        col('Δ vs baseline', 'num'),
        col('Status'),
        col('Description'),
      ),
    ),
  ];
}

export function iterationRow(it: Iteration, baseline: number | null | undefined, best: boolean): El {
  const delta = it.avg_score != null && baseline != null ? it.avg_score - baseline : null;
  const muted = () => h('span', { class: 'muted' }, DASH);
  return h(
    'tr',
    { class: best ? 'is-best' : null },
    h('td', { class: 'num' }, it.order != null ? String(it.order) : DASH),
    h(
      'th',
      { scope: 'row', class: 'name', dir: 'auto' },
      it.iteration_name,
      best ? ' ' : null,
      best ? h('span', { class: 'tag tag-best' }, 'best') : null,
    ),
    h('td', { class: 'num' }, formatScore(it.avg_score)),
    // Sign and colour, no arrow or hidden words: the column header says what it is, and 2,000 rows stay light.
    h('td', { class: `num dir-${direction(delta)}` }, formatDelta(delta)),
    h(
      'td',
      null,
      it.status
        ? h('span', { class: `pill pill-${it.status}` }, ITERATION_STATUS_LABELS[it.status])
        : muted(),
    ),
    h('td', { class: 'desc', dir: 'auto' }, it.description || muted()),
  );
}
