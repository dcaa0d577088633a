// Advance widths of the fonts the images measure with, read at build time by fontkit so that no
// font is parsed in the worker:
//
// - Inter (the faces src/images.ts bundles, in the same order) → src/views/common/inter-widths.json,
//   committed. `node scripts/font-widths.ts` rewrites it; test/e2e/font-widths.test.ts fails when
//   the committed table is not what this script reads from the installed @fontsource/inter.
// - Each Noto subset copied into ./assets by scripts/assets.ts → a `<file>.json` beside its WOFF
//   files, generated on npm install with the assets themselves.
//
// Kerning is left out, as shields.io does: the badge's textLength absorbs the few tenths of a pixel
// it would change. The encoding is described in src/views/common/widths.ts.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';
import type { FontWidths, WidthTable } from '../src/views/common/widths.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The @fontsource/inter subsets src/images.ts bundles, in its order (the first face with a glyph wins). */
export const INTER_SUBSETS = [
  'latin',
  'latin-ext',
  'greek',
  'cyrillic',
  'cyrillic-ext',
  'vietnamese',
] as const;
export const WEIGHTS = [400, 700] as const;
export const INTER_TABLE = join(root, 'src', 'views', 'common', 'inter-widths.json');

interface Glyphs {
  unitsPerEm: number;
  /** Code point → advance in font units, for every code point the cmap maps to a glyph but .notdef. */
  advances: Map<number, number>;
}

/** What one font file maps, by fontkit. */
export function readGlyphs(path: string): Glyphs {
  const font = fontkit.openSync(path);
  if (!('characterSet' in font)) throw new Error(`${path}: a collection, not one font`);
  const advances = new Map<number, number>();
  for (const cp of font.characterSet) {
    const glyph = font.glyphForCodePoint(cp);
    if (glyph.id !== 0) advances.set(cp, glyph.advanceWidth);
  }
  return { unitsPerEm: font.unitsPerEm, advances };
}

/** Faces of one weight merged in order, the first with a glyph winning, as runs of one advance. */
export function encode(faces: Glyphs[]): WidthTable {
  const unitsPerEm = faces[0]?.unitsPerEm ?? 1000;
  const merged = new Map<number, number>();
  for (const face of faces) {
    if (face.unitsPerEm !== unitsPerEm) throw new Error('faces of one table must share unitsPerEm');
    for (const [cp, adv] of face.advances) if (!merged.has(cp)) merged.set(cp, adv);
  }
  const runs: number[] = [];
  let end = -1;
  let advance = -1;
  for (const cp of Array.from(merged.keys()).sort((a, b) => a - b)) {
    const adv = merged.get(cp) ?? 0;
    if (cp === end + 1 && adv === advance) {
      runs[runs.length - 2] = (runs[runs.length - 2] ?? 0) + 1;
    } else {
      runs.push(cp - end - 1, 1, adv);
      advance = adv;
    }
    end = cp;
  }
  return { unitsPerEm, runs };
}

function interFile(subset: string, weight: number): string {
  return join(root, 'node_modules', '@fontsource', 'inter', 'files', `inter-${subset}-${weight}-normal.woff`);
}

/** The Inter table as this script writes it, from the installed @fontsource/inter. */
export function interWidths(): FontWidths & { source: string } {
  const pkg = JSON.parse(
    readFileSync(join(root, 'node_modules', '@fontsource', 'inter', 'package.json'), 'utf8'),
  ) as { version: string };
  const table = (weight: number) => encode(INTER_SUBSETS.map((s) => readGlyphs(interFile(s, weight))));
  return { source: `@fontsource/inter ${pkg.version}`, 400: table(400), 700: table(700) };
}

/** The table of one Noto subset, both weights (scripts/assets.ts). */
export function subsetWidths(file400: string, file700: string): FontWidths {
  return { 400: encode([readGlyphs(file400)]), 700: encode([readGlyphs(file700)]) };
}

/** JSON as prettier formats it, so that `npm run lint` passes on the committed table. */
export async function formatJson(value: unknown): Promise<string> {
  // Loaded here: scripts/assets.ts (npm install) imports this module and needs no formatter.
  const prettier = await import('prettier');
  const options = await prettier.resolveConfig(INTER_TABLE);
  return prettier.format(JSON.stringify(value), { ...options, parser: 'json' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = interWidths();
  writeFileSync(INTER_TABLE, await formatJson(table));
  const glyphs = (t: WidthTable) => t.runs.filter((_, i) => i % 3 === 1).reduce((a, b) => a + b, 0);
  console.log(
    `${INTER_TABLE}: ${table.source}, ${glyphs(table[400])} code points at 400, ${glyphs(table[700])} at 700`,
  );
}
