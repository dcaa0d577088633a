import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INTER_SUBSETS,
  INTER_TABLE,
  encode,
  interWidths,
  readGlyphs,
  subsetWidths,
} from '../../scripts/font-widths.ts';
import { decodeWidths, type FontWidths } from '../../src/views/common/widths.ts';

// The width tables are data generated from the fonts by fontkit (scripts/font-widths.ts): these
// fail when a table is not what the script reads from the installed fonts, e.g. after a font update
// without `node scripts/font-widths.ts`, or assets built by an older scripts/assets.ts.

const root = join(import.meta.dirname, '..', '..');
const fonts = join(root, 'assets', 'fonts');

describe('font width tables', () => {
  it('the committed Inter table is what the script reads from the installed @fontsource/inter', () => {
    const committed = JSON.parse(readFileSync(INTER_TABLE, 'utf8')) as unknown;
    expect(committed).toEqual(interWidths());
  });

  it('decodes to each code point fontkit maps, in em, the first subset with a glyph winning', () => {
    const table = interWidths();
    for (const weight of [400, 700] as const) {
      const decoded = decodeWidths(table[weight]);
      const expected = new Map<number, number>();
      for (const subset of INTER_SUBSETS) {
        const file = join(
          root,
          'node_modules/@fontsource/inter/files',
          `inter-${subset}-${weight}-normal.woff`,
        );
        const { unitsPerEm, advances } = readGlyphs(file);
        for (const [cp, adv] of advances) if (!expected.has(cp)) expected.set(cp, adv / unitsPerEm);
      }
      expect(decoded).toEqual(expected);
      // Inter 4's own advance for A (2048 units per em): a reader that misreads both sides fails here.
      expect(decoded.get('A'.codePointAt(0) ?? 0)).toBe(weight === 400 ? 1413 / 2048 : 1529 / 2048);
      expect(decoded.has(0x4e00)).toBe(false);
    }
  });

  it('encodes runs of one advance, and gaps between them', () => {
    const table = encode([
      {
        unitsPerEm: 1000,
        advances: new Map([
          [65, 600],
          [66, 600],
          [67, 500],
          [70, 500],
        ]),
      },
      {
        unitsPerEm: 1000,
        advances: new Map([
          [65, 999],
          [68, 500],
        ]),
      },
    ]);
    expect(table).toEqual({ unitsPerEm: 1000, runs: [65, 2, 600, 0, 2, 500, 1, 1, 500] });
    expect(decodeWidths(table)).toEqual(
      new Map([
        [65, 0.6],
        [66, 0.6],
        [67, 0.5],
        [68, 0.5],
        [70, 0.5],
      ]),
    );
  });

  it('each Noto subset in assets/ carries the table of its own WOFF files', () => {
    const index = JSON.parse(readFileSync(join(fonts, 'index.json'), 'utf8')) as { file: string }[];
    expect(index.length).toBeGreaterThan(100);
    for (const { file } of index) {
      const path = join(fonts, `${file}.json`);
      expect(existsSync(path), `${file}.json: run \`npm install\``).toBe(true);
      const table = JSON.parse(readFileSync(path, 'utf8')) as FontWidths;
      expect(table, file).toEqual(
        subsetWidths(join(fonts, `${file}-400.woff`), join(fonts, `${file}-700.woff`)),
      );
    }
    expect(readdirSync(fonts).filter((f) => f.endsWith('.json')).length).toBe(index.length + 1);
  });
});
