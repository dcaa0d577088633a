import satori, { init as initSatori } from 'satori/standalone';
import yogaWasm from 'satori/yoga.wasm';
import { Resvg, initWasm as initResvg } from '@resvg/resvg-wasm';
import resvgWasm from '@resvg/resvg-wasm/index_bg.wasm';
import interLatin400 from '@fontsource/inter/files/inter-latin-400-normal.woff';
import interLatin700 from '@fontsource/inter/files/inter-latin-700-normal.woff';
import interLatinExt400 from '@fontsource/inter/files/inter-latin-ext-400-normal.woff';
import interLatinExt700 from '@fontsource/inter/files/inter-latin-ext-700-normal.woff';
import interGreek400 from '@fontsource/inter/files/inter-greek-400-normal.woff';
import interGreek700 from '@fontsource/inter/files/inter-greek-700-normal.woff';
import interCyrillic400 from '@fontsource/inter/files/inter-cyrillic-400-normal.woff';
import interCyrillic700 from '@fontsource/inter/files/inter-cyrillic-700-normal.woff';
import interCyrillicExt400 from '@fontsource/inter/files/inter-cyrillic-ext-400-normal.woff';
import interCyrillicExt700 from '@fontsource/inter/files/inter-cyrillic-ext-700-normal.woff';
import interVietnamese400 from '@fontsource/inter/files/inter-vietnamese-400-normal.woff';
import interVietnamese700 from '@fontsource/inter/files/inter-vietnamese-700-normal.woff';
import type { Job } from './schema';
import {
  DASH,
  SERVICE_NAME,
  bestSoFar,
  direction,
  formatDelta,
  formatPercent,
  formatScore,
  improvementPoints,
  progress,
  relativeImprovement,
  type Direction,
} from './present';
import { CARD_HEIGHT, CARD_WIDTH, cardElement, type CardTheme } from '../templates/card';
import {
  badgeSvg,
  safeHex,
  stripXmlInvalid,
  type BadgeStyle,
  type BadgeTheme,
  type MeasureText,
} from '../templates/badge';
import { BRAND } from '../templates/brand';

// Score images: the Open Graph card (satori → SVG, resvg → PNG) and the badge
// (hand-written SVG measured with the bundled font). Pure functions of a job;
// routes, caching and ETags live elsewhere.

export type Theme = CardTheme;
export type BadgeMetric = 'best' | 'improvement' | 'baseline';
export type { BadgeStyle };

export interface BadgeOptions {
  /** Left-hand text; default "overmind". An empty string draws a message-only badge. */
  label?: string | undefined;
  metric: BadgeMetric;
  style: BadgeStyle;
  theme: BadgeTheme;
}

// ---------------------------------------------------------------------------
// Fonts and one-time initialisation

type Weight = 400 | 700;
interface Face {
  /** One family per subset: satori keeps one face per (family, weight) and falls back across families. */
  name: string;
  weight: Weight;
  data: ArrayBuffer;
}

// Inter as split by @fontsource: Latin first (satori's default face), then the
// other subsets it ships, ~250 KB in all. Together they draw Latin, Greek,
// Cyrillic and Vietnamese; anything else goes through `drawable` below.
const FACES: Face[] = [
  { name: 'Inter', weight: 400, data: interLatin400 },
  { name: 'Inter', weight: 700, data: interLatin700 },
  { name: 'Inter Latin Ext', weight: 400, data: interLatinExt400 },
  { name: 'Inter Latin Ext', weight: 700, data: interLatinExt700 },
  { name: 'Inter Greek', weight: 400, data: interGreek400 },
  { name: 'Inter Greek', weight: 700, data: interGreek700 },
  { name: 'Inter Cyrillic', weight: 400, data: interCyrillic400 },
  { name: 'Inter Cyrillic', weight: 700, data: interCyrillic700 },
  { name: 'Inter Cyrillic Ext', weight: 400, data: interCyrillicExt400 },
  { name: 'Inter Cyrillic Ext', weight: 700, data: interCyrillicExt700 },
  { name: 'Inter Vietnamese', weight: 400, data: interVietnamese400 },
  { name: 'Inter Vietnamese', weight: 700, data: interVietnamese700 },
];

// The same array every call: satori caches parsed fonts by their ArrayBuffer.
const SATORI_FONTS = FACES.map((f) => ({
  name: f.name,
  data: f.data,
  weight: f.weight,
  style: 'normal' as const,
}));

/** Code point → advance width in em, per weight, merged over the subsets (first wins). */
export type Advances = Map<number, number>;
export interface Metrics {
  400: Advances;
  700: Advances;
}

/** Memoise an async step; a failure is forgotten so that the next call tries again. */
function once<T>(step: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () =>
    (promise ??= step().catch((err: unknown) => {
      promise = undefined;
      throw err;
    }));
}

// Each step once per isolate, from imported modules: nothing is compiled from bytes
// and nothing is fetched. Separate steps so a badge never waits for resvg's 2.4 MB.
const satoriReady = once(async () => initSatori(yogaWasm));
const resvgReady = once(() => initResvg(resvgWasm));
const metricsReady = once(async (): Promise<Metrics> => {
  const tables = await Promise.all(FACES.map((f) => readWoffAdvances(f.data)));
  const metrics: Metrics = { 400: new Map(), 700: new Map() };
  FACES.forEach((face, i) => {
    const into = metrics[face.weight];
    for (const [cp, adv] of tables[i] ?? []) if (!into.has(cp)) into.set(cp, adv);
  });
  return metrics;
});

/** Everything the renderers need; call it to warm an isolate. Resolves to the font metrics. */
export async function initImages(): Promise<Metrics> {
  const [, , metrics] = await Promise.all([satoriReady(), resvgReady(), metricsReady()]);
  return metrics;
}

// ---------------------------------------------------------------------------
// Reading advance widths from a WOFF (1.0) file: its table directory, then
// head (unitsPerEm), hhea (numberOfHMetrics), hmtx (advances) and cmap
// (formats 4 and 12). Kerning is left out, as shields.io does: the badge's
// textLength absorbs the few tenths of a pixel it would change.

async function readWoffAdvances(data: ArrayBuffer): Promise<Advances> {
  const dir = new DataView(data);
  if (dir.getUint32(0) !== 0x774f4646) throw new Error('font: not a WOFF file');
  const numTables = dir.getUint16(12);
  const wanted = new Map<string, Promise<DataView>>();
  for (let i = 0; i < numTables; i++) {
    const at = 44 + i * 20;
    const tag = String.fromCharCode(
      dir.getUint8(at),
      dir.getUint8(at + 1),
      dir.getUint8(at + 2),
      dir.getUint8(at + 3),
    );
    if (tag !== 'head' && tag !== 'hhea' && tag !== 'hmtx' && tag !== 'cmap') continue;
    const offset = dir.getUint32(at + 4);
    const compLength = dir.getUint32(at + 8);
    const origLength = dir.getUint32(at + 12);
    const bytes = new Uint8Array(data, offset, compLength);
    wanted.set(
      tag,
      compLength < origLength
        ? inflate(bytes).then((b) => new DataView(b.buffer, b.byteOffset, b.byteLength))
        : Promise.resolve(new DataView(data, offset, compLength)),
    );
  }
  const table = async (tag: string) => {
    const t = wanted.get(tag);
    if (!t) throw new Error(`font: no ${tag} table`);
    return t;
  };
  const [head, hhea, hmtx, cmap] = await Promise.all([
    table('head'),
    table('hhea'),
    table('hmtx'),
    table('cmap'),
  ]);
  const unitsPerEm = head.getUint16(18);
  const numberOfHMetrics = hhea.getUint16(34);
  const advanceOf = (glyph: number) => hmtx.getUint16(4 * Math.min(glyph, numberOfHMetrics - 1));

  const out: Advances = new Map();
  for (const [cp, glyph] of readCmap(cmap)) out.set(cp, advanceOf(glyph) / unitsPerEm);
  return out;
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  // WOFF tables are zlib streams, which is what DecompressionStream calls "deflate".
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readCmap(cmap: DataView): Map<number, number> {
  const map = new Map<number, number>();
  const count = cmap.getUint16(2);
  for (let i = 0; i < count; i++) {
    const platform = cmap.getUint16(4 + i * 8);
    const encoding = cmap.getUint16(6 + i * 8);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode) continue;
    const at = cmap.getUint32(8 + i * 8);
    const format = cmap.getUint16(at);
    if (format === 4) readCmap4(cmap, at, map);
    else if (format === 12) readCmap12(cmap, at, map);
  }
  return map;
}

function readCmap4(v: DataView, at: number, map: Map<number, number>): void {
  const segX2 = v.getUint16(at + 6);
  const ends = at + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  for (let s = 0; s < segX2; s += 2) {
    const end = v.getUint16(ends + s);
    const start = v.getUint16(starts + s);
    const delta = v.getUint16(deltas + s);
    const ro = v.getUint16(rangeOffsets + s);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (ro === 0) glyph = (c + delta) & 0xffff;
      else {
        const g = v.getUint16(rangeOffsets + s + ro + 2 * (c - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      if (glyph !== 0 && !map.has(c)) map.set(c, glyph);
    }
  }
}

function readCmap12(v: DataView, at: number, map: Map<number, number>): void {
  const groups = v.getUint32(at + 12);
  for (let i = 0; i < groups; i++) {
    const g = at + 16 + i * 12;
    const start = v.getUint32(g);
    const end = Math.min(v.getUint32(g + 4), 0x10ffff);
    const first = v.getUint32(g + 8);
    for (let c = start; c <= end; c++) if (!map.has(c)) map.set(c, first + c - start);
  }
}

// ---------------------------------------------------------------------------
// Untrusted text

// Invisible characters that reorder or hide text (bidi overrides and isolates,
// zero-width spaces, soft hyphen): they let a slug read differently from what it is.
const INVISIBLE = /[\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** XML-safe, visible, NFC, one line, trimmed. */
export function cleanText(s: string): string {
  return stripXmlInvalid(s).replace(INVISIBLE, '').normalize('NFC').replace(/\s+/gu, ' ').trim();
}

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
function graphemes(s: string): string[] {
  return Array.from(graphemeSegmenter.segment(s), (g) => g.segment);
}

const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
// Joiners and variation selectors have no glyph of their own in Inter.
const JOINERS = /\u200C|\u200D|\p{Variation_Selector}/gu;
const REPLACEMENT = '\uFFFD';

/** At most this many code points kept per grapheme: stops "zalgo" stacks from growing upwards. */
const MAX_MARKS = 3;

/**
 * The part of `s` the bundled fonts can draw: emoji are dropped (decoration), each
 * run of other characters the fonts lack (CJK, Arabic, Hebrew, Thai, Indic…) becomes
 * one U+FFFD, so the layout never depends on glyphs that are not there.
 */
export function drawable(s: string, covered: (cp: number) => boolean): string {
  let out = '';
  // After a placeholder, spaces wait: if more undrawable text follows (the next
  // word of the same phrase), they are dropped and the one placeholder stands for it all.
  let afterReplacement = false;
  let heldSpace = '';
  for (const g of graphemes(cleanText(s))) {
    if (EMOJI.test(g)) continue;
    const cps = Array.from(g.replace(JOINERS, ''));
    if (cps.length === 0) continue;
    if (cps.every((c) => covered(c.codePointAt(0) ?? 0))) {
      if (afterReplacement && g === ' ') {
        heldSpace = ' ';
        continue;
      }
      out += heldSpace + cps.slice(0, MAX_MARKS).join('');
      afterReplacement = false;
      heldSpace = '';
    } else if (!afterReplacement) {
      out += heldSpace + REPLACEMENT;
      afterReplacement = true;
      heldSpace = '';
    } else {
      heldSpace = '';
    }
  }
  return (out + heldSpace).replace(/ {2,}/g, ' ').trim();
}

/** Cut to `max` graphemes with an ellipsis, never splitting a grapheme. */
export function clip(s: string, max: number): string {
  const gs = graphemes(s);
  return gs.length <= max
    ? s
    : `${gs
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

// ---------------------------------------------------------------------------
// The card

// Inter has no glyph for U+FFFD (its .notdef reads "NO GLYPH"), so satori draws the
// replacement character as this inline image: a neutral, rounded placeholder box
// sitting on the baseline like a capital letter, the same on both themes.
const PLACEHOLDER = `data:image/svg+xml;base64,${btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">' +
    '<rect x="16" y="27" width="68" height="66" rx="12" fill="#8b919c" fill-opacity=".22" stroke="#8b919c" stroke-width="6" stroke-dasharray="10 7"/>' +
    '</svg>',
)}`;

const CARD_OPTIONS = {
  width: CARD_WIDTH,
  height: CARD_HEIGHT,
  fonts: SATORI_FONTS,
  graphemeImages: { [REPLACEMENT]: PLACEHOLDER },
};

/** A satori element tree, as the card templates build it. */
export type CardNode = Parameters<typeof satori>[0];

/**
 * Any 1200×630 card as SVG, from a template given `text`, which makes an untrusted string
 * drawable with the bundled fonts. All text is converted to paths by satori, so the SVG needs no
 * font where it is shown. No `loadAdditionalAsset` is given: satori then asks for nothing and
 * draws only with the bundled fonts (and `drawable` keeps it to what they cover).
 */
export async function renderElementSvg(build: (text: (s: string) => string) => CardNode): Promise<string> {
  const [metrics] = await Promise.all([metricsReady(), satoriReady()]);
  const covered = (cp: number) => metrics[400].has(cp);
  return satori(
    build((s) => drawable(s, covered)),
    CARD_OPTIONS,
  );
}

/** An SVG card as a PNG of its own size. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  await resvgReady();
  const resvg = new Resvg(svg, { fitTo: { mode: 'original' } });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** The job's 1200×630 card as SVG. */
export async function renderCardSvg(job: Job, opts: { theme: Theme }): Promise<string> {
  return renderElementSvg((text) => cardElement(job, { theme: opts.theme, text }));
}

/** The card as a 1200×630 PNG. */
export async function renderCardPng(job: Job, opts: { theme: Theme }): Promise<Uint8Array> {
  // resvg's 2.4 MB initialises while satori lays out.
  const [svg] = await Promise.all([renderCardSvg(job, opts), resvgReady()]);
  return svgToPng(svg);
}

// ---------------------------------------------------------------------------
// The badge and the shields.io endpoint document: both say what badgeContent says.

export type BadgeColor = 'green' | 'red' | 'orange' | 'blue' | 'grey';

// All give white text a contrast of at least 4.5:1. `blue`, the neutral one, is the brand
// colour (templates/brand.ts), the same in both themes: its dark-theme shade is too light for white text.
const BADGE_COLORS: Record<BadgeTheme, Record<BadgeColor, string>> = {
  light: {
    green: '#1a7f37',
    red: '#cf222e',
    orange: '#bc4c00',
    blue: BRAND.light,
    grey: '#6e7781',
  },
  dark: {
    green: '#1f7a35',
    red: '#b62324',
    orange: '#a24400',
    blue: BRAND.light,
    grey: '#545d68',
  },
};

export interface BadgeContent {
  message: string;
  color: BadgeColor;
}

const ARROWS: Record<Direction, string> = { up: '▲ ', down: '▼ ', flat: '', none: '' };
const DIRECTION_COLORS: Record<Direction, BadgeColor> = {
  up: 'green',
  down: 'orange',
  flat: 'blue',
  none: 'blue',
};

/** What a badge says about a job for one metric, and in which colour. */
export function badgeContent(job: Job, metric: BadgeMetric): BadgeContent {
  const status = job.status ?? (job.iterations.length > 0 ? 'running' : 'pending');
  switch (status) {
    case 'pending':
      return { message: 'pending', color: 'grey' };
    case 'failed':
      return { message: 'failed', color: 'red' };
    case 'cancelled':
      return { message: 'cancelled', color: 'grey' };
    case 'running': {
      const p = progress(job);
      let message = `running ${p.done}${p.total != null ? `/${p.total}` : ''}`;
      const best = bestSoFar(job);
      const base = job.baseline_score;
      if (metric === 'best' && best != null) message += ` · best ${formatScore(best)}`;
      if (metric === 'improvement' && best != null && base != null && Number.isFinite(base)) {
        message += ` · ${formatDelta(best - base)}`;
      }
      if (metric === 'baseline' && base != null && Number.isFinite(base)) {
        message += ` · base ${formatScore(base)}`;
      }
      return { message, color: 'blue' };
    }
    case 'completed':
      return completedContent(job, metric);
  }
}

function completedContent(job: Job, metric: BadgeMetric): BadgeContent {
  const pts = improvementPoints(job);
  const dir = direction(pts);
  if (metric === 'baseline') {
    const base = formatScore(job.baseline_score);
    return { message: base, color: base === DASH ? 'grey' : 'blue' };
  }
  if (metric === 'improvement') {
    if (pts == null) return { message: DASH, color: 'grey' };
    const pct = relativeImprovement(job);
    const rel = pct == null || dir === 'flat' ? '' : ` (${formatPercent(pct)})`;
    return { message: `${ARROWS[dir]}${formatDelta(pts)}${rel}`, color: DIRECTION_COLORS[dir] };
  }
  const best = formatScore(job.best_score);
  if (best === DASH) return { message: DASH, color: 'grey' };
  if (dir === 'none') return { message: best, color: 'blue' };
  return {
    message: `${best} ${ARROWS[dir]}${formatDelta(pts)}`,
    color: DIRECTION_COLORS[dir],
  };
}

const MAX_LABEL = 40;
const MAX_MESSAGE = 60;

function badgeLabel(label: string | undefined): string {
  return clip(cleanText(label ?? SERVICE_NAME), MAX_LABEL);
}

function resolveColor(color: string, theme: BadgeTheme): string {
  const named = BADGE_COLORS[theme] as Record<string, string | undefined>;
  const key = color === 'lightgrey' || color === 'gray' ? 'grey' : color;
  return named[key] ?? safeHex(color) ?? BADGE_COLORS[theme].grey;
}

export async function renderBadgeSvg(job: Job, opts: BadgeOptions): Promise<string> {
  const { message, color } = badgeContent(job, opts.metric);
  return renderMessageBadge(opts.label, message, color, opts);
}

/**
 * A badge with a given message, in the same look: for errors such as "job not found".
 * `color` is a BadgeColor name or a hex colour; anything else is grey.
 */
export async function renderMessageBadge(
  label: string | undefined,
  message: string,
  color: BadgeColor | string,
  opts: { style: BadgeStyle; theme: BadgeTheme },
): Promise<string> {
  const metrics = await metricsReady();
  return badgeSvg(
    {
      label: badgeLabel(label),
      message: clip(cleanText(message), MAX_MESSAGE) || DASH,
      color: resolveColor(color, opts.theme),
      style: opts.style,
      theme: opts.theme,
    },
    measurer(metrics),
  );
}

function measurer(metrics: Metrics): MeasureText {
  return (text, font) => {
    const advances = metrics[font.bold ? 700 : 400];
    let width = 0;
    const gs = graphemes(text);
    for (const g of gs) width += graphemeAdvance(g, advances) * font.size;
    return width + Math.max(0, gs.length - 1) * font.letterSpacing;
  };
}

// East Asian wide and fullwidth ranges: one em in every CJK font.
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;
const MARK = /^\p{M}$/u;
// Arrows and geometric shapes (▲ ▼ in our own messages): about 0.8 em in Arial,
// Helvetica, Verdana and DejaVu, none of which is as narrow as the 0.6 em default.
const SYMBOL = /[\u2190-\u21FF\u25A0-\u25FF]/u;

/**
 * Advance of one grapheme in em. Characters Inter lacks are drawn by some other
 * font on the viewer's side; they get that font's typical width, and textLength
 * makes up the difference.
 */
function graphemeAdvance(g: string, advances: Advances): number {
  if (EMOJI.test(g)) return 1.25;
  let width = 0;
  for (const ch of g.replace(JOINERS, '')) {
    const known = advances.get(ch.codePointAt(0) ?? 0);
    if (known != null) width += known;
    else if (MARK.test(ch)) continue;
    else if (WIDE.test(ch)) width += 1;
    else if (SYMBOL.test(ch)) width += 0.8;
    else width += 0.6;
  }
  return width;
}

/** A shields.io endpoint-badge document (https://shields.io/badges/endpoint-badge). */
export interface EndpointBadge {
  schemaVersion: 1;
  label: string;
  message: string;
  color: string;
  isError?: boolean;
  cacheSeconds?: number;
}

export function badgeEndpoint(
  job: Job,
  opts: { label?: string | undefined; metric: BadgeMetric; cacheSeconds?: number | undefined },
): EndpointBadge {
  const { message, color } = badgeContent(job, opts.metric);
  return messageEndpoint(opts.label, message, color, { cacheSeconds: opts.cacheSeconds });
}

/** The endpoint document for a given message, e.g. an error with `isError: true`. */
export function messageEndpoint(
  label: string | undefined,
  message: string,
  color: BadgeColor | string,
  opts: { cacheSeconds?: number | undefined; isError?: boolean } = {},
): EndpointBadge {
  const doc: EndpointBadge = {
    schemaVersion: 1,
    label: badgeLabel(label),
    // shields.io rejects an empty message.
    message: clip(cleanText(message), MAX_MESSAGE) || DASH,
    // Without '#': the form shields.io documents for hex colours.
    color: resolveColor(color, 'light').slice(1),
  };
  if (opts.isError) doc.isError = true;
  if (opts.cacheSeconds != null && Number.isFinite(opts.cacheSeconds)) {
    doc.cacheSeconds = Math.max(0, Math.round(opts.cacheSeconds));
  }
  return doc;
}
