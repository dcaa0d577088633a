import type { Iteration } from '../../schema';
import { formatScore } from '../../present';

// The score chart: server-rendered SVG, no script. Each series is a single <path>
// whatever the number of iterations (markers are zero-length segments with round
// or square caps), so 2,000 iterations cost one path per series, not thousands of
// elements. Colours and stroke widths come from the page stylesheet, so the chart
// follows dark mode and the CSP needs no style attributes.
//
// An SVG scales its text with its width, so one drawing cannot be legible both at
// 1,100 px and at 340 px. The chart is drawn twice, wide and narrow, and the
// stylesheet shows one of them; only the visible one is in the accessibility tree.

export interface Geometry {
  w: number;
  h: number;
  m: { top: number; right: number; bottom: number; left: number };
  xTicks: number;
}

export const GEOMETRY: Record<'wide' | 'narrow', Geometry> = {
  wide: { w: 720, h: 300, m: { top: 16, right: 18, bottom: 44, left: 52 }, xTicks: 7 },
  narrow: { w: 400, h: 300, m: { top: 14, right: 14, bottom: 44, left: 46 }, xTicks: 4 },
};

/** Above this many positions the markers shrink (class "dense"). */
export const DENSE = 120;

export interface ChartProps {
  /** Iterations already sorted by order. */
  iterations: Iteration[];
  baseline: number | null | undefined;
  /** Iterations the run will have (num_iterations) while it runs: the x axis leaves room for them. */
  slots?: number | null | undefined;
  /** The name of the table that is the chart's accessible alternative. */
  tableLabel: string;
}

function finite(n: number | null | undefined): n is number {
  return n != null && Number.isFinite(n);
}

/** Round coordinates to 0.1 units: plenty at these sizes, and short paths. */
export function r(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** "Nice" ticks (1, 2, 2.5, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): { min: number; max: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(hi - lo))
    return { min: 0, max: 100, ticks: [0, 25, 50, 75, 100] };
  if (!(hi > lo)) {
    const pad = Math.max(5, Math.abs(lo) * 0.05);
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / target;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * pow).find((s) => s >= rough) ?? 10 * pow;
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let k = 0; k <= target * 3; k++) {
    const v = min + k * step;
    if (v > max + step / 2) break;
    ticks.push(Math.round(v * 1e6) / 1e6);
  }
  return { min, max, ticks };
}

/**
 * Up to `count` indexes in [0, n), a "nice" step apart (1, 2, 5 × 10^k), from the first: evenly
 * spaced labels (1, 3, 5 … 11 for 12 iterations) rather than rounded fractions of the range
 * (1, 3, 5, 7, 8, 10, 12). The live script (src/views/html/live.ts) draws the same.
 */
export function xTickIndexes(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  let step = 1;
  for (let k = 1; Math.floor((n - 1) / step) + 1 > count; k++)
    step = [1, 2, 5][k % 3]! * 10 ** Math.floor(k / 3);
  return Array.from({ length: Math.floor((n - 1) / step) + 1 }, (_, i) => i * step);
}

export function formatTick(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

interface Model {
  iterations: Iteration[];
  n: number;
  /** Positions on the x axis: one per iteration, or per planned iteration while running. */
  xn: number;
  base: number | null;
  min: number;
  max: number;
  ticks: number[];
  summary: string;
}

function model({ iterations, baseline, slots }: ChartProps): Model {
  const n = iterations.length;
  const xn = Math.max(n, Math.min(slots ?? 0, 10_000));
  const base = finite(baseline) ? baseline : null;
  let scoreMin = Infinity;
  let scoreMax = -Infinity;
  let scoredCount = 0;
  let kept = 0;
  let best: number | null = base;
  let bestName: string | null = null;
  for (const it of iterations) {
    if (it.status === 'keep') kept++;
    if (!finite(it.avg_score)) continue;
    scoredCount++;
    const v = it.avg_score;
    if (v < scoreMin) scoreMin = v;
    if (v > scoreMax) scoreMax = v;
    if (it.status === 'keep' && (best == null || v > best)) {
      best = v;
      bestName = it.iteration_name;
    }
  }
  let lo = Math.min(scoreMin, base ?? Infinity);
  let hi = Math.max(scoreMax, base ?? -Infinity);
  if (lo === Infinity) {
    lo = 0;
    hi = 100;
  }
  const pad = (hi - lo) * 0.08;
  const { min, max, ticks } = niceTicks(lo - pad, hi + pad);
  const range = scoredCount
    ? `${scoredCount} of ${n} iterations scored, from ${formatScore(scoreMin)} to ${formatScore(scoreMax)}`
    : `${n} iterations, none scored yet`;
  const summary =
    `${range}; ${kept} kept. Baseline ${formatScore(base)}; best kept so far ${formatScore(best)}` +
    (bestName != null ? ` (${bestName})` : '') +
    '.';
  return { iterations, n, xn, base, min, max, ticks, summary };
}

function ChartSvg({
  md,
  g,
  variant,
  tableLabel,
}: {
  md: Model;
  g: Geometry;
  variant: 'wide' | 'narrow';
  tableLabel: string;
}) {
  const { iterations, n, xn, base, min, max, ticks } = md;
  const pw = g.w - g.m.left - g.m.right;
  const ph = g.h - g.m.top - g.m.bottom;
  const yOf = (v: number) => g.m.top + ph - ((v - min) / (max - min)) * ph;
  const xOf = (i: number) => (xn === 1 ? g.m.left + pw / 2 : g.m.left + (i / (xn - 1)) * pw);

  // One pass builds every series as path data.
  let line = '';
  let pen = false;
  let keep = '';
  let discard = '';
  let other = '';
  let best = '';
  let bestValue = base;
  if (bestValue != null) best = `M${r(xn === 1 ? g.m.left : xOf(0))} ${r(yOf(bestValue))}`;
  for (let i = 0; i < n; i++) {
    const it = iterations[i]!;
    if (!finite(it.avg_score)) {
      // A null score breaks the line rather than bridging it.
      pen = false;
      continue;
    }
    const x = r(xOf(i));
    const y = r(yOf(it.avg_score));
    line += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
    const marker = `M${x} ${y}h0`;
    if (it.status === 'keep') {
      keep += marker;
      // Best so far starts at the baseline and steps up at each kept iteration that beats it.
      if (bestValue == null) {
        bestValue = it.avg_score;
        best = `M${x} ${y}`;
      } else if (it.avg_score > bestValue) {
        bestValue = it.avg_score;
        best += `H${x}V${y}`;
      }
    } else if (it.status === 'discard') discard += marker;
    else other += marker;
  }
  if (best) best += `H${r(xn === 1 ? g.m.left + pw : xOf(Math.max(0, n - 1)))}`;

  const lastOrder = iterations[n - 1]?.order;
  const tickLabel = (i: number): string => {
    const it = iterations[i];
    if (it) return it.order != null ? String(it.order) : String(i + 1);
    // Planned positions continue the numbering after the last iteration.
    return String(lastOrder != null ? lastOrder + (i - n + 1) : i + 1);
  };
  const titleId = `chart-title-${variant}`;
  const descId = `chart-desc-${variant}`;
  const axisY = g.m.top + ph;
  return (
    <svg
      class={`chart chart-${variant}${xn > DENSE ? ' dense' : ''}`}
      viewBox={`0 0 ${g.w} ${g.h}`}
      role="img"
      aria-labelledby={`${titleId} ${descId}`}
    >
      <title id={titleId}>Average score per iteration</title>
      <desc id={descId}>
        {md.summary} Every value is listed in the {tableLabel} table below.
      </desc>
      <g aria-hidden="true">
        {ticks.map((t) => (
          <>
            <line class="grid" x1={g.m.left} x2={g.w - g.m.right} y1={r(yOf(t))} y2={r(yOf(t))} />
            <text x={g.m.left - 8} y={r(yOf(t) + 4)} text-anchor="end">
              {formatTick(t)}
            </text>
          </>
        ))}
        <line class="axis" x1={g.m.left} x2={g.w - g.m.right} y1={axisY} y2={axisY} />
        {xTickIndexes(xn, g.xTicks).map((i) => {
          const x = r(xOf(i));
          const anchor = xn === 1 ? 'middle' : i === 0 ? 'start' : i === xn - 1 ? 'end' : 'middle';
          return (
            <>
              <line class="axis" x1={x} x2={x} y1={axisY} y2={axisY + 5} />
              <text x={x} y={axisY + 19} text-anchor={anchor}>
                {tickLabel(i)}
              </text>
            </>
          );
        })}
        <text class="axis-title" x={g.m.left + pw / 2} y={g.h - 5} text-anchor="middle">
          Iteration (order)
        </text>
        <text
          class="axis-title"
          x={13}
          y={g.m.top + ph / 2}
          text-anchor="middle"
          transform={`rotate(-90 13 ${g.m.top + ph / 2})`}
        >
          Score
        </text>
        {best ? <path class="s-best" d={best} /> : null}
        {/* Drawn over best-so-far: until a kept iteration beats it, the two coincide. */}
        {base != null ? <path class="s-base" d={`M${g.m.left} ${r(yOf(base))}H${g.w - g.m.right}`} /> : null}
        {line ? <path class="s-score" d={line} /> : null}
        {discard ? <path class="m-discard" d={discard} /> : null}
        {other ? <path class="m-other" d={other} /> : null}
        {keep ? <path class="m-keep" d={keep} /> : null}
      </g>
    </svg>
  );
}

export function ScoreChart(props: ChartProps) {
  const md = model(props);
  return (
    <>
      <ChartSvg md={md} g={GEOMETRY.wide} variant="wide" tableLabel={props.tableLabel} />
      <ChartSvg md={md} g={GEOMETRY.narrow} variant="narrow" tableLabel={props.tableLabel} />
    </>
  );
}
