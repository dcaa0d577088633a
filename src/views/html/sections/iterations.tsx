import type { Iteration, Job } from '../../../schema';
import { isTerminal } from '../../common/status';
import { humanizeDimension, numericDimensions } from '../../../present';
import { bestKept } from '../../common/job';
import { formatScore } from '../../common/format';
import { reportFigure } from '../../common/chart';
import { TALL_ROWS, iterationRow, iterationsHead } from '../../common/iterations';
import { fromTree } from '../tree';
import { DataTable, Empty, Section, TableWrap, compactJson, numCol } from './common';
import { formatSigned } from '../../common/format';

// The chart, the iterations table (the chart's accessible alternative) and the
// dimension matrix.

/** Dimension columns shown; a job with more keys than this is malformed anyway. */
const MAX_DIMENSIONS = 40;

function orderLabel(it: Iteration): string {
  return it.order != null ? String(it.order) : '—';
}

export function ChartSection({ job, iterations }: { job: Job; iterations: Iteration[] }) {
  return (
    <Section id="chart" title="Score per iteration">
      {iterations.length === 0 ? (
        <Empty>
          No iterations yet
          {job.baseline_score != null ? ` · baseline ${formatScore(job.baseline_score)}` : ''}.
        </Empty>
      ) : (
        fromTree(
          reportFigure({
            iterations,
            baseline: job.baseline_score,
            slots: isTerminal(job.status) ? null : job.num_iterations,
            tableLabel: 'Iterations',
          }),
        )
      )}
    </Section>
  );
}

export function IterationsSection({ job, iterations }: { job: Job; iterations: Iteration[] }) {
  const best = bestKept(iterations);
  return (
    <Section id="iterations" title="Iterations">
      {iterations.length === 0 ? (
        <Empty>No iterations have been recorded yet.</Empty>
      ) : (
        <TableWrap label="Iterations" tall={iterations.length > TALL_ROWS}>
          <table class="data">
            {iterationsHead().map(fromTree)}
            <tbody>
              {iterations.map((it) => fromTree(iterationRow(it, job.baseline_score, it === best)))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Section>
  );
}

export interface Column {
  key: string;
  label: string;
  penalty: boolean;
  /** Range of the column's positive values, and its most negative value, for shading. */
  lowPositive: number;
  max: number;
  min: number;
}

/**
 * Shading class of a cell: four blue levels by where a positive value sits within
 * its column's positive range (contributions cluster near their maximum, so a
 * share-of-maximum scale would shade every cell the same), three red levels for
 * negative values by size, and a muted zero.
 */
export function cellClass(v: number, col: Column): string {
  if (v < 0) {
    const level = col.min < 0 ? Math.min(3, Math.max(1, Math.ceil((v / col.min) * 3))) : 1;
    return `num neg${level}`;
  }
  if (v === 0 || col.max <= 0) return 'num zero';
  const span = col.max - col.lowPositive;
  const level = span <= 0 ? 4 : 1 + Math.min(3, Math.floor(((v - col.lowPositive) / span) * 4));
  return `num lvl${level}`;
}

export function DimensionsSection({ iterations }: { iterations: Iteration[] }) {
  const rows = iterations.filter((it) => it.dimension_scores != null);
  if (rows.length === 0) return null;

  const numeric = new Map<Iteration, Map<string, number> | null>();
  const columns = new Map<string, Column>();
  for (const it of rows) {
    const dims = numericDimensions(it.dimension_scores);
    numeric.set(it, dims);
    if (!dims) continue;
    for (const [key, v] of dims) {
      let col = columns.get(key);
      if (!col) {
        if (columns.size >= MAX_DIMENSIONS) continue;
        col = {
          key,
          label: humanizeDimension(key),
          penalty: /penalt/i.test(key),
          lowPositive: Infinity,
          max: 0,
          min: 0,
        };
        columns.set(key, col);
      }
      if (v > col.max) col.max = v;
      if (v < col.min) col.min = v;
      if (v > 0 && v < col.lowPositive) col.lowPositive = v;
    }
  }
  const cols = [...columns.values()];
  // A column that only ever takes away is a penalty whatever it is called.
  for (const c of cols) if (c.max <= 0 && c.min < 0) c.penalty = true;
  const span = Math.max(1, cols.length);
  let extra = 0;
  for (const it of rows) {
    const dims = numeric.get(it);
    if (dims) for (const k of dims.keys()) if (!columns.has(k)) extra++;
  }

  return (
    <Section
      id="dimensions"
      title="Dimensions"
      lead="What each iteration's score is made of. Darker cells are higher within their column; penalties (≤ 0) are red."
    >
      <DataTable
        label="Dimension scores"
        tall={rows.length > TALL_ROWS}
        class="matrix"
        caption="Dimension scores per iteration; penalties are zero or negative."
        columns={[
          numCol('#'),
          'Iteration',
          numCol('Score'),
          ...(cols.length === 0
            ? ['Dimension scores']
            : cols.map((c) => ({ label: c.label, class: c.penalty ? 'num pen' : 'num', title: c.key }))),
        ]}
      >
        {rows.map((it) => {
          const dims = numeric.get(it);
          return (
            <tr>
              <td class="num">{orderLabel(it)}</td>
              <th scope="row" class="name" dir="auto">
                {it.iteration_name}
              </th>
              <td class="num">{formatScore(it.avg_score)}</td>
              {dims && cols.length === 0 ? (
                <td class="muted" colspan={span}>
                  —
                </td>
              ) : dims ? (
                cols.map((c) => {
                  const v = dims.get(c.key);
                  return v === undefined ? (
                    <td class="num muted">—</td>
                  ) : (
                    <td class={cellClass(v, c)}>{formatSigned(v)}</td>
                  );
                })
              ) : (
                <td class="json" colspan={span}>
                  <span class="sr-only">Not a map of numbers: </span>
                  <code>{compactJson(it.dimension_scores)}</code>
                </td>
              )}
            </tr>
          );
        })}
      </DataTable>
      {cols.length > 0 ? (
        <div class="scale" aria-hidden="true">
          <span>
            Lower to higher in column: <span class="chip lvl1"></span>
            <span class="chip lvl2"></span>
            <span class="chip lvl3"></span>
            <span class="chip lvl4"></span>
          </span>
          <span>
            <span class="chip neg2"></span> Penalty
          </span>
        </div>
      ) : null}
      {extra > 0 ? (
        <p class="note">
          {extra} values of dimensions beyond the first {MAX_DIMENSIONS} are not shown.
        </p>
      ) : null}
    </Section>
  );
}
