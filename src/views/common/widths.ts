import INTER from './inter-widths.json';

/** Code point → advance width in em. */
export type Advances = Map<number, number>;

/**
 * Advance widths as scripts/font-widths.ts writes them from a font at build time: `runs` is a flat
 * list of triples (gap, count, advance): skip `gap` code points after the previous run, then
 * `count` consecutive code points all `advance` font units wide. Code points in no run have no glyph.
 */
export interface WidthTable {
  unitsPerEm: number;
  runs: number[];
}

/** One table per weight the images use. */
export interface FontWidths {
  400: WidthTable;
  700: WidthTable;
}

export function decodeWidths(table: WidthTable): Advances {
  const out: Advances = new Map();
  const { runs, unitsPerEm } = table;
  let cp = 0;
  for (let i = 0; i + 2 < runs.length; i += 3) {
    cp += runs[i] ?? 0;
    const count = runs[i + 1] ?? 0;
    const advance = (runs[i + 2] ?? 0) / unitsPerEm;
    for (let n = 0; n < count; n++) out.set(cp++, advance);
  }
  return out;
}

/** Advances of the bundled Inter faces, per weight, merged over its subsets. */
export interface Metrics {
  400: Advances;
  700: Advances;
}

let inter: Metrics | undefined;

/** Inter's advances, decoded on first use. */
export function interMetrics(): Metrics {
  return (inter ??= { 400: decodeWidths(INTER[400]), 700: decodeWidths(INTER[700]) });
}
