import bidiFactory from 'bidi-js';
import reshaper from 'arabic-persian-reshaper';
import { ByteLru } from './store';
import { decodeWidths, type Advances, type FontWidths } from './views/common/widths';

// Scripts beyond what the bundled Inter draws: CJK, Hebrew, Arabic and emoji. Their fonts (Noto
// Sans SC/TC/JP/KR/Hebrew/Arabic, split by @fontsource into Unicode-range subsets) and the Twemoji
// SVGs are Static Assets (wrangler.toml [assets], built by scripts/assets.ts), read through the
// ASSETS binding only when a card's strings need them, each file once per isolate; their advance
// widths come from a table generated beside each subset at build time (scripts/font-widths.ts), so a
// badge, which only measures, never reads a font. Nothing is
// fetched from a third party. satori does not reorder right-to-left text or join Arabic letters,
// so strings are shaped (Arabic presentation forms) and put in visual order (the Unicode
// Bidirectional Algorithm) before satori sees them.

/** Where the asset files are read from: the ASSETS binding, or a stand-in in tests and the bench. */
export interface AssetSource {
  fetch(input: string): Promise<Response>;
}

/** A font face as satori takes it. */
export interface ScriptFont {
  name: string;
  weight: 400 | 700;
  style: 'normal';
  data: ArrayBuffer;
}

/** What one card needs beyond Inter, loaded. */
export interface ScriptPlan {
  /** The faces satori adds to Inter, in the order it should try them. */
  fonts: ScriptFont[];
  /** Emoji grapheme → `data:image/svg+xml` URI of its Twemoji picture. */
  emoji: Map<string, string>;
  /** That URI → the picture's own SVG markup, its ids made unique, for inlining (see images.ts). */
  pictures: Map<string, string>;
  /** Advance widths of the loaded faces, per weight, in the same order as `fonts`. */
  advances: { 400: Advances[]; 700: Advances[] };
  /** Whether a loaded face has a glyph for this code point. */
  covers(cp: number): boolean;
}

type Family = 'sc' | 'tc' | 'jp' | 'kr' | 'hebrew' | 'arabic';

// ---------------------------------------------------------------------------
// The asset files, once per isolate

const ORIGIN = 'https://assets.invalid';

async function fetchAsset(assets: AssetSource, path: string): Promise<Response | null> {
  const res = await assets.fetch(`${ORIGIN}${path}`);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`asset ${path}: HTTP ${res.status}`);
  }
  return res;
}

/**
 * Loaded per key, once per isolate while it stays within `maxBytes` (least recently used go
 * first: job names are untrusted, and a few cards could otherwise ask for every subset there
 * is); concurrent asks share one load, and a failure is forgotten so the next card tries again.
 */
function cached<T>(
  load: (key: string) => Promise<T>,
  bytesOf: (value: T) => number,
  maxBytes: number,
): { get: (key: string) => Promise<T>; bytes: () => number } {
  const done = new ByteLru<T>(maxBytes);
  const inflight = new Map<string, Promise<T>>();
  const get = (key: string): Promise<T> => {
    const hit = done.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    let p = inflight.get(key);
    if (!p) {
      p = load(key)
        .then((value) => {
          done.set(key, value, bytesOf(value));
          return value;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
  return { get, bytes: () => done.bytes };
}

/** Bytes of font files kept per isolate (WOFF as read; satori's parsed faces go with them). */
export const FONT_CACHE_BYTES = 8 * 1024 * 1024;
/** Bytes of decoded width tables kept per isolate (as estimated by WIDTH_ENTRY_BYTES). */
export const WIDTHS_CACHE_BYTES = 2 * 1024 * 1024;
// What one code point's entry costs in a Map, roughly: the cache's bound, not an exact count.
const WIDTH_ENTRY_BYTES = 40;
/** Font subsets one card may load (each is two files, 400 and 700); a CJK title needs a few. */
export const MAX_FILES_PER_CARD = 40;
/** Bytes of emoji pictures kept per isolate. */
export const EMOJI_CACHE_BYTES = 1024 * 1024;

interface Subset {
  family: Family;
  file: string;
}

/** Per family: sorted range starts, their ends, and the subset each range belongs to. */
interface FamilyIndex {
  starts: Uint32Array;
  ends: Uint32Array;
  subsets: Subset[];
}

interface LoadedFile {
  /** Empty when only the widths were asked for (a badge). */
  faces: ScriptFont[];
  advances: [Advances, Advances];
}

interface Loader {
  index: () => Promise<Map<Family, FamilyIndex>>;
  widths: (file: string) => Promise<[Advances, Advances]>;
  faces: (file: string) => Promise<[ScriptFont, ScriptFont]>;
  emoji: (name: string) => Promise<Picture | null>;
  bytes: () => { fonts: number; widths: number; emoji: number };
}

interface Picture {
  uri: string;
  svg: string;
}

// One loader per asset source (in production, the one ASSETS binding of the isolate).
const loaders = new WeakMap<AssetSource, Loader>();

function loaderFor(assets: AssetSource): Loader {
  let l = loaders.get(assets);
  if (l) return l;
  let indexPromise: Promise<Map<Family, FamilyIndex>> | undefined;
  const loadIndex = async () => {
    const res = await fetchAsset(assets, '/fonts/index.json');
    if (!res) throw new Error('asset /fonts/index.json missing: run `npm install` (scripts/assets.ts)');
    const rows = (await res.json()) as { family: Family; file: string; ranges: [number, number][] }[];
    return buildIndex(rows);
  };
  const index = () =>
    (indexPromise ??= loadIndex().catch((err: unknown) => {
      indexPromise = undefined;
      throw err;
    }));
  const faces = cached(
    async (name: string): Promise<[ScriptFont, ScriptFont]> => {
      const load = async (weight: 400 | 700): Promise<ScriptFont> => {
        const res = await fetchAsset(assets, `/fonts/${name}-${weight}.woff`);
        if (!res) throw new Error(`asset /fonts/${name}-${weight}.woff missing`);
        return { name, weight, style: 'normal', data: await res.arrayBuffer() };
      };
      return Promise.all([load(400), load(700)]);
    },
    (f) => f[0].data.byteLength + f[1].data.byteLength,
    FONT_CACHE_BYTES,
  );
  const widths = cached(
    async (name: string): Promise<[Advances, Advances]> => {
      const res = await fetchAsset(assets, `/fonts/${name}.json`);
      if (!res) throw new Error(`asset /fonts/${name}.json missing: run \`npm install\` (scripts/assets.ts)`);
      const table = (await res.json()) as FontWidths;
      return [decodeWidths(table[400]), decodeWidths(table[700])];
    },
    (w) => (w[0].size + w[1].size) * WIDTH_ENTRY_BYTES,
    WIDTHS_CACHE_BYTES,
  );
  const emoji = cached(
    async (name: string): Promise<Picture | null> => {
      const res = await fetchAsset(assets, `/emoji/${name}.svg`);
      if (!res) return null;
      const svg = await res.text();
      // A few pictures define ids (clip paths): prefixed, so two inlined pictures never share one.
      const own = svg.replace(
        /\b(id="|url\(#|href="#)([^")]+)/g,
        (_m, before: string, id: string) => `${before}tw-${name}-${id}`,
      );
      return { uri: `data:image/svg+xml;base64,${base64(svg)}`, svg: own };
    },
    (p) => (p ? p.uri.length + p.svg.length : 64),
    EMOJI_CACHE_BYTES,
  );
  l = {
    index,
    widths: widths.get,
    faces: faces.get,
    emoji: emoji.get,
    bytes: () => ({ fonts: faces.bytes(), widths: widths.bytes(), emoji: emoji.bytes() }),
  };
  loaders.set(assets, l);
  return l;
}

/** Bytes the isolate keeps for this source's fonts, width tables and emoji (for tests and the bench). */
export function assetCacheBytes(assets: AssetSource): { fonts: number; widths: number; emoji: number } {
  return loaderFor(assets).bytes();
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function buildIndex(
  rows: { family: Family; file: string; ranges: [number, number][] }[],
): Map<Family, FamilyIndex> {
  const byFamily = new Map<Family, [number, number, Subset][]>();
  for (const row of rows) {
    const subset: Subset = { family: row.family, file: row.file };
    const list = byFamily.get(row.family) ?? [];
    for (const [a, b] of row.ranges) list.push([a, b, subset]);
    byFamily.set(row.family, list);
  }
  const out = new Map<Family, FamilyIndex>();
  for (const [family, list] of byFamily) {
    list.sort((x, y) => x[0] - y[0]);
    out.set(family, {
      starts: Uint32Array.from(list, (r) => r[0]),
      ends: Uint32Array.from(list, (r) => r[1]),
      subsets: list.map((r) => r[2]),
    });
  }
  return out;
}

function subsetOf(index: FamilyIndex, cp: number): Subset | null {
  let lo = 0;
  let hi = index.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((index.starts[mid] ?? 0) > cp) hi = mid - 1;
    else if ((index.ends[mid] ?? 0) < cp) lo = mid + 1;
    else return index.subsets[mid] ?? null;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Planning a card: which files its strings need

const graphemeSegmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
export function graphemes(s: string): string[] {
  return Array.from(graphemeSegmenter.segment(s), (g) => g.segment);
}

/** A grapheme drawn as a picture when it is an emoji: pictographs, flags, keycaps. */
export const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
// Joiners and variation selectors have no glyph of their own.
export const JOINERS = /\u200C|\u200D|\p{Variation_Selector}/gu;

/**
 * Twemoji's file name for an emoji: its code points in hex joined by "-", without U+FE0F unless
 * the sequence has a zero-width joiner (the rule of twemoji's own parser).
 */
export function twemojiName(g: string): string {
  const cps = Array.from(g, (c) => c.codePointAt(0) ?? 0);
  const kept = g.includes('\u200D') ? cps : cps.filter((c) => c !== 0xfe0f);
  return kept.map((c) => c.toString(16)).join('-');
}

/** Whether the grapheme is an emoji the fonts would not draw as text (a bare © stays text). */
function wantsPicture(g: string, inter: (cp: number) => boolean): boolean {
  if (!EMOJI.test(g)) return false;
  if (g.includes('\uFE0F') || g.includes('\u200D')) return true;
  return !Array.from(g).every((c) => inter(c.codePointAt(0) ?? 0));
}

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HANGUL = /\p{Script=Hangul}/u;
const HAN = /\p{Script=Han}/u;

/**
 * Which CJK face draws Han characters: Japanese beside kana, Korean beside Hangul, Traditional
 * when the text has characters only the Traditional face covers, else Simplified. One choice per
 * card, so a title and its subtitle agree.
 */
function familyOrder(text: string, index: Map<Family, FamilyIndex>): Family[] {
  if (KANA.test(text)) return ['jp', 'sc', 'tc', 'kr', 'hebrew', 'arabic'];
  if (HANGUL.test(text)) return ['kr', 'sc', 'tc', 'jp', 'hebrew', 'arabic'];
  const sc = index.get('sc');
  const tc = index.get('tc');
  if (sc && tc && HAN.test(text)) {
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      if (HAN.test(ch) && !subsetOf(sc, cp) && subsetOf(tc, cp))
        return ['tc', 'sc', 'jp', 'kr', 'hebrew', 'arabic'];
    }
  }
  return ['sc', 'tc', 'jp', 'kr', 'hebrew', 'arabic'];
}

/**
 * Loads what the strings need beyond Inter (`inter` says what Inter covers). Null when they need
 * nothing: a Latin card takes today's path and never reads the index. Code points no shipped face
 * covers, and emoji Twemoji lacks, stay out of the plan; the card shows its placeholder for them.
 */
export async function planScripts(
  strings: readonly string[],
  inter: (cp: number) => boolean,
  assets: AssetSource,
  opts: { emoji?: boolean; faces?: boolean } = {},
): Promise<ScriptPlan | null> {
  const wantEmoji = opts.emoji ?? true;
  // Without faces (a badge, which measures only), `fonts` stays empty and no WOFF is read.
  const wantFaces = opts.faces ?? true;
  const missing = new Set<number>();
  const pictures = new Set<string>();
  for (const s of strings) {
    for (const g of graphemes(s)) {
      if (wantsPicture(g, inter)) {
        if (wantEmoji) pictures.add(g);
        continue;
      }
      for (const ch of g.replace(JOINERS, '')) {
        const cp = ch.codePointAt(0) ?? 0;
        if (!inter(cp)) missing.add(cp);
      }
    }
  }
  if (missing.size === 0 && pictures.size === 0) return null;

  const loader = loaderFor(assets);
  const emojiEntries = Promise.all(
    Array.from(pictures, async (g) => {
      let uri = await loader.emoji(twemojiName(g));
      // A few sequences are named with their U+FE0F dropped even with a joiner.
      if (uri == null && g.includes('\uFE0F'))
        uri = await loader.emoji(twemojiName(g.replace(/\uFE0F/g, '')));
      return [g, uri] as const;
    }),
  );

  const chosen: LoadedFile[] = [];
  const chosenNames = new Set<string>();
  const covered = new Set<number>();
  if (missing.size > 0) {
    const index = await loader.index();
    const order = familyOrder(strings.join(' '), index);
    // Each round loads, per code point still missing, the next family's subset that claims it;
    // a subset whose font lacks the glyph after all sends the code point on to the next family.
    let pending = Array.from(missing);
    for (const family of order) {
      const fam = index.get(family);
      if (!fam || pending.length === 0) continue;
      const wanted = new Map<string, Subset>();
      for (const cp of pending) {
        const sub = subsetOf(fam, cp);
        if (!sub || chosenNames.has(sub.file)) continue;
        // A card's characters spread over many subsets cost a read and a parse each: past the
        // cap, the rest of them show the placeholder.
        if (chosenNames.size + wanted.size >= MAX_FILES_PER_CARD && !wanted.has(sub.file)) continue;
        wanted.set(sub.file, sub);
      }
      const files = await Promise.all(
        Array.from(wanted.keys(), async (name): Promise<LoadedFile> => {
          const [advances, fonts] = await Promise.all([
            loader.widths(name),
            wantFaces ? loader.faces(name) : [],
          ]);
          return { faces: fonts, advances };
        }),
      );
      files.forEach((f, i) => {
        const name = Array.from(wanted.keys())[i] ?? '';
        chosenNames.add(name);
        chosen.push(f);
      });
      pending = pending.filter((cp) => {
        if (chosen.some((f) => f.advances[0].has(cp))) {
          covered.add(cp);
          return false;
        }
        return true;
      });
    }
  }

  const emoji = new Map<string, string>();
  const markup = new Map<string, string>();
  for (const [g, picture] of await emojiEntries) {
    if (picture == null) continue;
    emoji.set(g, picture.uri);
    markup.set(picture.uri, picture.svg);
  }

  // Only the files that cover something: a subset loaded in vain does not join the card.
  const used = chosen.filter((f) => Array.from(covered).some((cp) => f.advances[0].has(cp)));
  return {
    fonts: used.flatMap((f) => f.faces),
    emoji,
    pictures: markup,
    advances: { 400: used.map((f) => f.advances[0]), 700: used.map((f) => f.advances[1]) },
    covers: (cp) => covered.has(cp),
  };
}

// ---------------------------------------------------------------------------
// Right to left

// Built on first use: bidi-js unpacks its character tables when the factory runs, a cost a
// Latin-only isolate should not pay at start-up.
let bidiInstance: ReturnType<typeof bidiFactory> | undefined;
const bidi = () => (bidiInstance ??= bidiFactory());

const RTL = /[\p{Script=Hebrew}\p{Script=Arabic}]/u;
const ARABIC = /\p{Script=Arabic}/u;

/** Whether a string has any right-to-left letter. */
export function hasRtl(s: string): boolean {
  return RTL.test(s);
}

/** Direction of a paragraph, as `dir="auto"` decides it: its first strong character. */
export function paragraphDirection(s: string): 'ltr' | 'rtl' {
  const { paragraphs } = bidi().getEmbeddingLevels(s);
  return (paragraphs[0]?.level ?? 0) & 1 ? 'rtl' : 'ltr';
}

/** Arabic letters in their contextual (joined) forms, as presentation-form code points. */
export function shapeArabic(s: string): string {
  return ARABIC.test(s) ? reshaper.ArabicShaper.convertArabic(s) : s;
}

/**
 * A logical string in visual (left-to-right display) order by the Unicode Bidirectional
 * Algorithm (bidi-js), with mirrored brackets. bidi-js reorders UTF-16 code units; this applies
 * its reversals to whole graphemes, so a base letter keeps its marks and an emoji its halves.
 */
export function visualOrder(s: string, direction?: 'ltr' | 'rtl'): string {
  if (!hasRtl(s)) return s;
  const levels = bidi().getEmbeddingLevels(s, direction);
  const segments = bidi().getReorderSegments(s, levels);
  const gs = graphemes(s);
  // Level of each grapheme: that of its first code unit.
  const gLevels: number[] = [];
  let at = 0;
  for (const g of gs) {
    gLevels.push(levels.levels[at] ?? 0);
    at += g.length;
  }
  const order = gs.map((_, i) => i);
  for (const [start = 0, end = -1] of segments) {
    // Code-unit positions in the current arrangement → grapheme positions.
    let unit = 0;
    let from = -1;
    let to = -1;
    for (let i = 0; i < order.length; i++) {
      const len = gs[order[i] ?? 0]?.length ?? 0;
      if (from < 0 && unit >= start) from = i;
      if (unit + len - 1 <= end) to = i;
      unit += len;
    }
    if (from < 0 || to < from) continue;
    const slice = order.slice(from, to + 1).reverse();
    order.splice(from, slice.length, ...slice);
  }
  return order
    .map((i) => {
      const g = gs[i] ?? '';
      return (gLevels[i] ?? 0) & 1 && g.length === 1 ? (bidi().getMirroredCharacter(g) ?? g) : g;
    })
    .join('');
}
