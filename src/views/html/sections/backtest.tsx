import { humanizeDimension } from '../../../present';
import { formatDelta, formatScore } from '../../common/format';
import { DataTable, JsonBlock, Section, compactJson, numCol } from './common';
import { formatNumber, formatSigned } from '../../common/format';

// backtest_results comes in two known shapes (see shared/upstream/facts.md):
//   holdout:   {"holdout": {train_improvement, holdout_score, …}}
//   per model: {"<model id>": {avg_total, avg_<dimension>…, count, individual_scores, _avg_confidence, …}}
//              or {"avg_total": 0, "error": "…"} for a model that failed.
// Both become tables; anything else, and any extra keys, are shown as JSON.

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v != null && typeof v === 'object' && !Array.isArray(v);
}

function isModelEntry(v: unknown): v is Obj {
  return isObj(v) && (Object.hasOwn(v, 'avg_total') || Object.hasOwn(v, 'error'));
}

export interface BacktestShape {
  holdout: Obj | null;
  models: [string, Obj][];
  /** Top-level entries that fit neither shape. */
  rest: Obj;
}

export function classifyBacktest(value: unknown): BacktestShape | null {
  if (!isObj(value)) return null;
  // `rest` has no prototype: its keys are job data, and `__proto__` must stay a key like any other.
  const shape: BacktestShape = { holdout: null, models: [], rest: Object.create(null) as Obj };
  for (const [k, v] of Object.entries(value)) {
    if (k === 'holdout' && isObj(v)) shape.holdout = v;
    else if (isModelEntry(v)) shape.models.push([k, v]);
    else shape.rest[k] = v;
  }
  if (!shape.holdout && shape.models.length === 0) return null;
  return shape;
}

const HOLDOUT_LABELS: Record<string, string> = {
  train_improvement: 'Train improvement',
  holdout_improvement: 'Holdout improvement',
  blended_improvement: 'Blended improvement',
  holdout_score: 'Holdout score',
  baseline_holdout_score: 'Baseline holdout score',
  overfit_gap: 'Overfit gap',
  holdout_weight: 'Holdout weight',
  reverted: 'Reverted to an earlier iteration',
  rollback_iteration: 'Rollback iteration',
};

function holdoutValue(key: string, v: unknown): string {
  if (v == null) return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') {
    if (/improvement|gap/.test(key)) return `${formatDelta(v)} pts`;
    if (/score/.test(key)) return formatScore(v);
    return formatNumber(v);
  }
  if (typeof v === 'string') return v;
  return compactJson(v);
}

function HoldoutTable({ holdout }: { holdout: Obj }) {
  const entries = Object.entries(holdout);
  return (
    <>
      <h3>Holdout check</h3>
      <DataTable label="Holdout results" class="kv" columns={['Metric', numCol('Value')]}>
        {entries.map(([k, v]) => (
          <tr>
            <th scope="row" dir="auto">
              {Object.hasOwn(HOLDOUT_LABELS, k) ? HOLDOUT_LABELS[k] : humanizeDimension(k)}
            </th>
            <td class="num" dir="auto">
              {holdoutValue(k, v)}
            </td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function errorText(m: Obj): string | null {
  const e = m.error ?? m.errors;
  if (e == null || e === '' || e === 0) return null;
  if (typeof e === 'string') return e;
  if (typeof e === 'number') return String(e);
  if (Array.isArray(e))
    return e.length === 0 ? null : e.map((x) => (typeof x === 'string' ? x : compactJson(x, 300))).join('; ');
  return compactJson(e, 500);
}

function ModelTable({ models }: { models: [string, Obj][] }) {
  const dims: string[] = [];
  for (const [, m] of models) {
    for (const [k, v] of Object.entries(m)) {
      if (
        k !== 'avg_total' &&
        k.startsWith('avg_') &&
        typeof v === 'number' &&
        !dims.includes(k) &&
        dims.length < 24
      )
        dims.push(k);
    }
  }
  const hasConfidence = models.some(([, m]) => num(m._avg_confidence) != null);
  return (
    <>
      <h3>Per model</h3>
      <DataTable
        label="Backtest results per model"
        columns={[
          'Model',
          numCol('Total'),
          ...dims.map((d) => ({ label: humanizeDimension(d), class: 'num', title: d })),
          hasConfidence && numCol('Confidence'),
          numCol('Count'),
          'Errors',
        ]}
      >
        {models.map(([id, m]) => {
          const err = errorText(m);
          const count =
            num(m.count) ?? (Array.isArray(m.individual_scores) ? m.individual_scores.length : null);
          return (
            <tr>
              <th scope="row" class="name" dir="auto">
                {id}
              </th>
              {/* A failed model reports avg_total 0: that is no score, not a score of zero. */}
              <td class="num">{err && !num(m.avg_total) ? '—' : formatScore(num(m.avg_total))}</td>
              {dims.map((d) => (
                <td class="num">{formatSigned(num(m[d]))}</td>
              ))}
              {hasConfidence ? <td class="num">{formatNumber(num(m._avg_confidence))}</td> : null}
              <td class="num">{formatNumber(count)}</td>
              <td class={err ? 'desc dir-down' : 'muted'} dir="auto">
                {err ?? '—'}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </>
  );
}

export function BacktestSection({ value }: { value: unknown }) {
  if (value == null) return null;
  const shape = classifyBacktest(value);
  const isEmptyObject = isObj(value) && Object.keys(value).length === 0;
  if (isEmptyObject) return null;
  return (
    <Section id="backtest" title="Backtest results">
      {shape ? (
        <>
          {shape.holdout ? <HoldoutTable holdout={shape.holdout} /> : null}
          {shape.models.length > 0 ? <ModelTable models={shape.models} /> : null}
          {Object.keys(shape.rest).length > 0 ? (
            <JsonBlock value={shape.rest} summary="Other fields" open />
          ) : null}
          <JsonBlock value={value} summary="Raw backtest results" />
        </>
      ) : (
        <JsonBlock value={value} summary="Backtest results" open />
      )}
    </Section>
  );
}
