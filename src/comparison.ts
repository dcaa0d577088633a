import { hex, sha256 } from './lib/bytes';
import { humanizeDimension, numericDimensions } from './present';
import { bestKept, headline } from './views/common/job';
import { direction, type Direction } from './views/common/format';
import type { Iteration, Job } from './schema';

// Two runs compared, the base branch's (`base`) and this branch's (`head`): what the comment,
// the comparison page and the comparison card all say, from the same numbers the report uses
// (present.headline() and the best kept iteration).

/** Dimension rows compared; a job with more keys than this is malformed anyway. */
export const MAX_DIMENSIONS = 40;

export interface Figure {
  base: number | null;
  head: number | null;
  /** head − base, in points; null when either side has none. */
  change: number | null;
  dir: Direction;
}

export interface DimensionChange extends Figure {
  key: string;
  label: string;
}

export interface Comparison {
  baseline: Figure;
  best: Figure;
  improvement: Figure;
  /** Dimensions of each side's best kept iteration: the head's in its order, then the base's others. */
  dimensions: DimensionChange[];
  /** Dimension keys left out past MAX_DIMENSIONS. */
  dimensionsOmitted: number;
  /** Dimensions both sides have, and of them how many went up, down or stayed. */
  compared: number;
  improved: number;
  regressed: number;
  unchanged: number;
  baseBest: Iteration | null;
  headBest: Iteration | null;
}

const finite = (n: number | null | undefined): number | null => (n != null && Number.isFinite(n) ? n : null);

export function figure(base: number | null | undefined, head: number | null | undefined): Figure {
  const b = finite(base);
  const h = finite(head);
  const change = b != null && h != null ? h - b : null;
  return { base: b, head: h, change, dir: direction(change) };
}

export function compareJobs(base: Job, head: Job): Comparison {
  const hb = headline(base);
  const hh = headline(head);
  const baseBest = bestKept(base.iterations);
  const headBest = bestKept(head.iterations);
  const baseDims = numericDimensions(baseBest?.dimension_scores) ?? new Map<string, number>();
  const headDims = numericDimensions(headBest?.dimension_scores) ?? new Map<string, number>();
  const keys = [...headDims.keys(), ...[...baseDims.keys()].filter((k) => !headDims.has(k))];
  const dimensions = keys.slice(0, MAX_DIMENSIONS).map((key) => ({
    key,
    label: humanizeDimension(key),
    ...figure(baseDims.get(key), headDims.get(key)),
  }));
  // Penalties are contributions too (≤ 0): a higher value is better for every dimension.
  const count = (d: Direction) => dimensions.filter((x) => x.dir === d).length;
  return {
    baseline: figure(base.baseline_score, head.baseline_score),
    best: figure(hb.best, hh.best),
    improvement: figure(hb.points, hh.points),
    dimensions,
    dimensionsOmitted: Math.max(0, keys.length - MAX_DIMENSIONS),
    compared: dimensions.filter((d) => d.change != null).length,
    improved: count('up'),
    regressed: count('down'),
    unchanged: count('flat'),
    baseBest,
    headBest,
  };
}

/**
 * The comparison card's content version: it changes when either job does, and only then, so
 * its versioned URL can be immutable like a job card's.
 */
export async function comparisonVersion(baseVersion: string, headVersion: string): Promise<string> {
  const digest = await sha256(`${baseVersion}:${headVersion}`);
  return hex(digest.subarray(0, 6));
}
