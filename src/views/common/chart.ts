import type { Iteration } from '../../schema';
import { formatScore, formatTick } from './format';
import { h, type El, type Kid } from './tree';

// The one chart geometry: scales, ticks and points, for the report page's chart
// (src/views/html/chart.tsx), the compare page's (src/views/html/compare.tsx), the job card's
// and the compare card's sparklines (src/views/image/) and the live page's script
// (src/client/live.ts). Runtime-free. The pages' SVG is also built here, as an element tree
// (./tree.ts), so the live script redraws exactly what the server drew.
//
// Each series is a single <path> whatever the number of iterations (markers are zero-length
// segments with round or square caps), so 2,000 iterations cost one path per series, not
// thousands of elements. Colours and strokes come from the page stylesheet (dark mode, and no
// style attributes for the CSP).

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
 * (1, 3, 5, 7, 8, 10, 12).
 */
export function xTickIndexes(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  let step = 1;
  for (let k = 1; Math.floor((n - 1) / step) + 1 > count; k++)
    step = [1, 2, 5][k % 3]! * 10 ** Math.floor(k / 3);
  return Array.from({ length: Math.floor((n - 1) / step) + 1 }, (_, i) => i * step);
}

/** An iteration's average score when it is a finite number, else null (a gap in the line). */
export function scoreOf(it: Pick<Iteration, 'avg_score'>): number | null {
  return it.avg_score != null && Number.isFinite(it.avg_score) ? it.avg_score : null;
}

/** Smallest and largest of `values`; [0, 100] when there are none. */
export function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 100] : [lo, hi];
}

/** A page chart's score axis: the values' extent padded by 8 %, widened to nice ticks. */
export function axisDomain(values: readonly number[]): { min: number; max: number; ticks: number[] } {
  const [lo, hi] = extent(values);
  const pad = (hi - lo) * 0.08;
  return niceTicks(lo - pad, hi + pad);
}

/** A card sparkline's score range: the values' extent, at least 2 points tall. */
export function sparkDomain(values: readonly number[]): { min: number; max: number } {
  const [lo, hi] = extent(values);
  return hi - lo < 2 ? { min: lo - 1, max: hi + 1 } : { min: lo, max: hi };
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Position i of `slots` and score v, in a box: one slot sits in the middle. */
export interface Scale {
  x(i: number): number;
  y(v: number): number;
}

export function scale(box: Box, slots: number, min: number, max: number): Scale {
  return {
    x: (i) => (slots <= 1 ? box.left + box.width / 2 : box.left + (i / (slots - 1)) * box.width),
    y: (v) => box.top + box.height - ((v - min) / (max - min)) * box.height,
  };
}

export interface Point {
  /** Position on the x axis. */
  i: number;
  v: number;
  x: number;
  y: number;
}

/** The scored positions of `scores`, placed on `s`. */
export function points(scores: readonly (number | null)[], s: Scale): Point[] {
  const out: Point[] = [];
  scores.forEach((v, i) => {
    if (v != null) out.push({ i, v, x: s.x(i), y: s.y(v) });
  });
  return out;
}

/**
 * Path data of a line through the points. `bridge`: one line over unscored positions (the
 * cards); otherwise an unscored position breaks it (the pages). `sep` goes between commands
 * (the cards' SVG keeps the spaces it has always had, byte for byte).
 */
export function linePath(pts: readonly Point[], { bridge = false, sep = '' } = {}): string {
  return pts
    .map((p, k) => {
      const joined = k > 0 && (bridge || pts[k - 1]!.i === p.i - 1);
      return `${joined ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`;
    })
    .join(sep);
}

/** Zero-length segments, one per point: round or square caps make them markers. */
export function markerPath(pts: readonly Point[]): string {
  return pts.map((p) => `M${r(p.x)} ${r(p.y)}h0`).join('');
}

// ---------------------------------------------------------------------------
// The pages' chart. An SVG scales its text with its width, so one drawing cannot be legible
// both at 1,100 px and at 340 px: it is drawn twice, wide and narrow, the stylesheet shows one,
// and only the visible one is in the accessibility tree.

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

export type Variant = keyof typeof GEOMETRY;

/** Above this many positions the markers shrink (class "dense"). */
export const DENSE = 120;

export interface Frame {
  g: Geometry;
  variant: Variant;
  /** Prefix of the title's and description's ids, e.g. "chart" → chart-title-wide. */
  idPrefix: string;
  title: string;
  desc: string;
  /** Positions on the x axis. */
  xn: number;
  domain: { min: number; max: number; ticks: number[] };
  xLabel: (i: number) => string;
  xTitle: string;
  /** The series, drawn over the grid and axes, given their scale. */
  series: (s: Scale, plot: Box) => Kid[];
}

/** A page chart: grid, axes, tick labels and axis titles, then the series. */
export function chartSvg(f: Frame): El {
  const { g, variant, xn, domain } = f;
  const plot: Box = {
    left: g.m.left,
    top: g.m.top,
    width: g.w - g.m.left - g.m.right,
    height: g.h - g.m.top - g.m.bottom,
  };
  const s = scale(plot, xn, domain.min, domain.max);
  const axisY = plot.top + plot.height;
  const titleId = `${f.idPrefix}-title-${variant}`;
  const descId = `${f.idPrefix}-desc-${variant}`;
  const marks: Kid[] = [];
  for (const t of domain.ticks) {
    const y = r(s.y(t));
    marks.push(h('line', { class: 'grid', x1: g.m.left, x2: g.w - g.m.right, y1: y, y2: y }));
    marks.push(h('text', { x: g.m.left - 8, y: r(s.y(t) + 4), 'text-anchor': 'end' }, formatTick(t)));
  }
  marks.push(h('line', { class: 'axis', x1: g.m.left, x2: g.w - g.m.right, y1: axisY, y2: axisY }));
  for (const i of xTickIndexes(xn, g.xTicks)) {
    const x = r(s.x(i));
    const anchor = xn === 1 ? 'middle' : i === 0 ? 'start' : i === xn - 1 ? 'end' : 'middle';
    marks.push(h('line', { class: 'axis', x1: x, x2: x, y1: axisY, y2: axisY + 5 }));
    marks.push(h('text', { x, y: axisY + 19, 'text-anchor': anchor }, f.xLabel(i)));
  }
  const midY = plot.top + plot.height / 2;
  marks.push(
    h(
      'text',
      { class: 'axis-title', x: plot.left + plot.width / 2, y: g.h - 5, 'text-anchor': 'middle' },
      f.xTitle,
    ),
    h(
      'text',
      { class: 'axis-title', x: 13, y: midY, 'text-anchor': 'middle', transform: `rotate(-90 13 ${midY})` },
      'Score',
    ),
    ...f.series(s, plot),
  );
  return h(
    'svg',
    {
      class: `chart chart-${variant}${xn > DENSE ? ' dense' : ''}`,
      viewBox: `0 0 ${g.w} ${g.h}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
    },
    h('title', { id: titleId }, f.title),
    h('desc', { id: descId }, f.desc),
    h('g', { 'aria-hidden': 'true' }, ...marks),
  );
}

/** A horizontal line across the plot at score v (the baseline). */
export function levelPath(s: Scale, plot: Box, v: number): string {
  return `M${plot.left} ${r(s.y(v))}H${plot.left + plot.width}`;
}

// ---------------------------------------------------------------------------
// The report page's chart: one job's iterations, kept and discarded, best so far and baseline.

export interface ReportChartInput {
  /** Iterations already sorted by order. */
  iterations: readonly Iteration[];
  baseline: number | null | undefined;
  /** Iterations the run will have (num_iterations) while it runs: the x axis leaves room for them. */
  slots?: number | null | undefined;
  /** The name of the table that is the chart's accessible alternative. */
  tableLabel: string;
}

/** The report chart, wide and narrow. */
export function reportChart({ iterations, baseline, slots, tableLabel }: ReportChartInput): El[] {
  const n = iterations.length;
  const xn = Math.max(n, Math.min(slots ?? 0, 10_000));
  const base = baseline != null && Number.isFinite(baseline) ? baseline : null;
  const scores = iterations.map(scoreOf);
  const scored = scores.filter((v): v is number => v != null);
  let kept = 0;
  let best: number | null = base;
  let bestName: string | null = null;
  for (const it of iterations) {
    if (it.status !== 'keep') continue;
    kept++;
    const v = scoreOf(it);
    if (v != null && (best == null || v > best)) {
      best = v;
      bestName = it.iteration_name;
    }
  }
  const domain = axisDomain(base != null ? [...scored, base] : scored);
  const [sMin, sMax] = extent(scored);
  const range = scored.length
    ? `${scored.length} of ${n} iterations scored, from ${formatScore(sMin)} to ${formatScore(sMax)}`
    : `${n} iterations, none scored yet`;
  const summary =
    `${range}; ${kept} kept. Baseline ${formatScore(base)}; best kept so far ${formatScore(best)}` +
    (bestName != null ? ` (${bestName})` : '') +
    '.';
  const lastOrder = iterations[n - 1]?.order;
  const xLabel = (i: number): string => {
    const it = iterations[i];
    if (it) return it.order != null ? String(it.order) : String(i + 1);
    // Planned positions continue the numbering after the last iteration.
    return String(lastOrder != null ? lastOrder + (i - n + 1) : i + 1);
  };
  const series = (s: Scale, plot: Box): Kid[] => {
    const pts = points(scores, s);
    const status = (p: Point) => iterations[p.i]!.status;
    const keep = markerPath(pts.filter((p) => status(p) === 'keep'));
    const discard = markerPath(pts.filter((p) => status(p) === 'discard'));
    const other = markerPath(pts.filter((p) => status(p) !== 'keep' && status(p) !== 'discard'));
    // Best so far starts at the baseline and steps up at each kept iteration that beats it.
    let bestLine = '';
    let bestValue = base;
    if (bestValue != null) bestLine = `M${r(xn === 1 ? plot.left : s.x(0))} ${r(s.y(bestValue))}`;
    for (const p of pts) {
      if (status(p) !== 'keep') continue;
      if (bestValue == null) {
        bestValue = p.v;
        bestLine = `M${r(p.x)} ${r(p.y)}`;
      } else if (p.v > bestValue) {
        bestValue = p.v;
        bestLine += `H${r(p.x)}V${r(p.y)}`;
      }
    }
    if (bestLine) bestLine += `H${r(xn === 1 ? plot.left + plot.width : s.x(Math.max(0, n - 1)))}`;
    const line = linePath(pts);
    return [
      bestLine ? h('path', { class: 's-best', d: bestLine }) : null,
      // Drawn over best-so-far: until a kept iteration beats it, the two coincide.
      base != null ? h('path', { class: 's-base', d: levelPath(s, plot, base) }) : null,
      line ? h('path', { class: 's-score', d: line }) : null,
      discard ? h('path', { class: 'm-discard', d: discard }) : null,
      other ? h('path', { class: 'm-other', d: other }) : null,
      keep ? h('path', { class: 'm-keep', d: keep }) : null,
    ];
  };
  return (['wide', 'narrow'] as const).map((variant) =>
    chartSvg({
      g: GEOMETRY[variant],
      variant,
      idPrefix: 'chart',
      title: 'Average score per iteration',
      desc: `${summary} Every value is listed in the ${tableLabel} table below.`,
      xn,
      domain,
      xLabel,
      xTitle: 'Iteration (order)',
      series,
    }),
  );
}

/** The report chart's legend (the series are told apart by colour and marker shape). */
export function reportLegend(baseline: number | null | undefined): El {
  const item = (cls: string, label: string) => h('li', null, h('span', { class: cls }), label);
  return h(
    'ul',
    { class: 'legend', 'aria-hidden': 'true' },
    item('sw', 'Average score'),
    item('sw sw-keep', 'Kept'),
    item('sw sw-discard', 'Discarded'),
    item('sw sw-best', 'Best so far'),
    baseline != null ? item('sw sw-base', `Baseline ${formatScore(baseline)}`) : null,
  );
}

/** The report chart's figure: both drawings, the legend and the caption that points to the table. */
export function reportFigure(input: ReportChartInput): El {
  return h(
    'figure',
    { class: 'chart' },
    ...reportChart(input),
    reportLegend(input.baseline),
    h(
      'figcaption',
      null,
      'Average score of each iteration by order. The ',
      h('a', { href: '#iterations' }, 'Iterations table'),
      ' lists every value.',
    ),
  );
}
