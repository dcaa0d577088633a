// Builds the Static Assets directory (wrangler.toml [assets]) the cards draw other scripts from:
// Noto Sans SC/TC/JP/KR/Hebrew/Arabic as @fontsource ships them (WOFF, one file per Unicode-range
// subset, weights 400 and 700), the Twemoji SVGs, and an index saying which file covers which
// code points. Run by `npm install` (postinstall); the directory is generated, never committed.
// Beside each subset's WOFF files, `<file>.json` holds their advance widths (scripts/font-widths.ts),
// so that the worker measures text without parsing a font.
//
// The files are far too large for the script (≈ 36 MB of fonts, 3,700 emoji) and a Latin card needs
// none of them, so they are assets read on demand through the binding, never part of start-up.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subsetWidths } from './font-widths.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'assets');
const modules = join(root, 'node_modules');

/** Families in the order the index lists them; `subsets` picks the @fontsource subsets shipped. */
const FAMILIES = [
  { family: 'sc', subsets: (name: string) => /^\[\d+\]$/.test(name) },
  { family: 'tc', subsets: (name: string) => /^\[\d+\]$/.test(name) },
  { family: 'jp', subsets: (name: string) => /^\[\d+\]$/.test(name) },
  { family: 'kr', subsets: (name: string) => /^\[\d+\]$/.test(name) },
  { family: 'hebrew', subsets: (name: string) => name === 'hebrew' },
  { family: 'arabic', subsets: (name: string) => name === 'arabic' },
] as const;
const WEIGHTS = [400, 700] as const;

/** "U+4e00-4e05,U+4e07" → [[0x4e00, 0x4e05], [0x4e07, 0x4e07]] */
function parseRanges(css: string): [number, number][] {
  return css.split(',').map((part) => {
    const [a, b] = part.trim().replace(/^U\+/i, '').split('-');
    const start = parseInt(a ?? '', 16);
    const end = b == null ? start : parseInt(b, 16);
    if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error(`bad unicode-range part: ${part}`);
    return [start, end];
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'fonts'), { recursive: true });
mkdirSync(join(out, 'emoji'), { recursive: true });

const index: { family: string; file: string; ranges: [number, number][] }[] = [];
let fontFiles = 0;
for (const { family, subsets } of FAMILIES) {
  const pkg = join(modules, '@fontsource', `noto-sans-${family}`);
  const unicode = JSON.parse(readFileSync(join(pkg, 'unicode.json'), 'utf8')) as Record<string, string>;
  for (const [subset, ranges] of Object.entries(unicode)) {
    if (!subsets(subset)) continue;
    const file = `noto-sans-${family}-${subset.replace(/[[\]]/g, '')}`;
    for (const weight of WEIGHTS) {
      const from = join(
        pkg,
        'files',
        `noto-sans-${family}-${subset.replace(/[[\]]/g, '')}-${weight}-normal.woff`,
      );
      if (!existsSync(from)) throw new Error(`missing ${from}`);
      copyFileSync(from, join(out, 'fonts', `${file}-${weight}.woff`));
      fontFiles++;
    }
    const [w400, w700] = WEIGHTS.map((weight) => join(out, 'fonts', `${file}-${weight}.woff`));
    writeFileSync(join(out, 'fonts', `${file}.json`), JSON.stringify(subsetWidths(w400 ?? '', w700 ?? '')));
    index.push({ family, file, ranges: parseRanges(ranges) });
  }
}
writeFileSync(join(out, 'fonts', 'index.json'), JSON.stringify(index));

const twemoji = join(modules, '@twemoji', 'svg');
let emojiFiles = 0;
for (const name of readdirSync(twemoji)) {
  if (!name.endsWith('.svg')) continue;
  copyFileSync(join(twemoji, name), join(out, 'emoji', name));
  emojiFiles++;
}

console.log(`assets/: ${fontFiles} font files, ${emojiFiles} emoji, index of ${index.length} subsets`);
