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
import { interMetrics, type Advances, type Metrics } from './views/common/widths';
import {
  EMOJI,
  JOINERS,
  graphemes,
  hasRtl,
  paragraphDirection,
  planScripts,
  shapeArabic,
  visualOrder,
  type AssetSource,
  type ScriptFont,
  type ScriptPlan,
} from './scripts';
import { SERVICE_NAME, relativeImprovement } from './present';
import {
  DASH,
  direction,
  formatDelta,
  formatPercent,
  formatScore,
  type Direction,
} from './views/common/format';
import { bestSoFar, improvementPoints, progress } from './views/common/job';
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  cardElement,
  type CardTheme,
  type TextBox,
  type TextFn,
} from './views/image/card';
import {
  badgeSvg,
  safeHex,
  stripXmlInvalid,
  type BadgeStyle,
  type BadgeTheme,
  type MeasureText,
} from './views/badge/badge';
import { BRAND } from './views/common/brand';

// Score images: the Open Graph card (satori → SVG, resvg → PNG) and the badge
// (an SVG measured with the fonts' advances, from tables generated at build time). Pure functions of a job and
// of where other scripts' fonts come from (src/scripts.ts); routes, caching and ETags
// live elsewhere.

export type Theme = CardTheme;
export type { AssetSource };
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
// Cyrillic and Vietnamese; CJK, Hebrew, Arabic and emoji come from the assets
// when a card needs them (src/scripts.ts), and the rest through `drawable` below.
// The same subsets, in the same order, as the width table (INTER_SUBSETS in scripts/font-widths.ts).
const FACES: Face[] = (
  [
    ['Inter', interLatin400, interLatin700],
    ['Inter Latin Ext', interLatinExt400, interLatinExt700],
    ['Inter Greek', interGreek400, interGreek700],
    ['Inter Cyrillic', interCyrillic400, interCyrillic700],
    ['Inter Cyrillic Ext', interCyrillicExt400, interCyrillicExt700],
    ['Inter Vietnamese', interVietnamese400, interVietnamese700],
  ] as const
).flatMap(([name, regular, bold]): Face[] => [
  { name, weight: 400, data: regular },
  { name, weight: 700, data: bold },
]);

// The same array every call: satori caches parsed fonts by their ArrayBuffer.
const SATORI_FONTS = FACES.map((f) => ({
  name: f.name,
  data: f.data,
  weight: f.weight,
  style: 'normal' as const,
}));

/** Advance widths per weight, merged over the subsets (first wins). */
export type { Advances, Metrics };

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
// and nothing is fetched. Separate steps so a badge never waits for resvg's 2.4 MB; the badge
// needs neither, only Inter's advances (a table decoded on first use).
const satoriReady = once(async () => initSatori(yogaWasm));
const resvgReady = once(() => initResvg(resvgWasm));

/** Everything the renderers need; call it to warm an isolate. Resolves to the font metrics. */
export async function initImages(): Promise<Metrics> {
  await Promise.all([satoriReady(), resvgReady()]);
  return interMetrics();
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

const REPLACEMENT = '\uFFFD';

/** At most this many code points kept per grapheme: stops "zalgo" stacks from growing upwards. */
const MAX_MARKS = 3;

/**
 * The part of `s` the loaded fonts can draw: emoji with a picture in `emoji` are kept (satori
 * draws them as images), other emoji are dropped (decoration), and each run of other characters
 * the fonts lack (Thai, Indic…; CJK, Arabic and Hebrew too when their fonts are not loaded)
 * becomes one U+FFFD, so the layout never depends on glyphs that are not there.
 */
export function drawable(
  s: string,
  covered: (cp: number) => boolean,
  emoji?: ReadonlyMap<string, string>,
): string {
  let out = '';
  // After a placeholder, spaces wait: if more undrawable text follows (the next
  // word of the same phrase), they are dropped and the one placeholder stands for it all.
  let afterReplacement = false;
  let heldSpace = '';
  for (const g of graphemes(cleanText(s))) {
    if (EMOJI.test(g)) {
      if (emoji?.has(g)) {
        out += heldSpace + g;
        afterReplacement = false;
        heldSpace = '';
      }
      continue;
    }
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
 * drawable. All text is converted to paths by satori, so the SVG needs no font where it is shown.
 *
 * Without `assets`, or when the card's strings are all Inter's (Latin, Greek, Cyrillic,
 * Vietnamese), satori gets the bundled fonts only and no `loadAdditionalAsset`: today's path,
 * byte for byte. Otherwise the card's strings are read once to plan the extra font subsets and
 * emoji pictures it needs (src/scripts.ts); satori asks for them through `loadAdditionalAsset`.
 */
export async function renderElementSvg(
  build: (text: TextFn) => CardNode,
  assets?: AssetSource | null,
): Promise<string> {
  await satoriReady();
  const metrics = interMetrics();
  const inter = (cp: number) => metrics[400].has(cp);
  let plan: ScriptPlan | null = null;
  if (assets) {
    const strings: string[] = [];
    callComponents(
      build(
        textFn((s) => {
          strings.push(shapeArabic(cleanText(s)));
          return s;
        }, ltr),
      ),
    );
    plan = await planScripts(strings, inter, assets);
  }
  if (!plan) {
    return satori(build(textFn((s) => drawable(s, inter), ltr)), CARD_OPTIONS);
  }
  const svg = await satori(build(planText(plan, metrics)), {
    ...CARD_OPTIONS,
    // A new array is a new font set in satori (it caches them by array): the added faces stay
    // this card's, so what another card loaded earlier never changes which face draws a glyph.
    // Parsed fonts are cached by their bytes, so Inter is not parsed again.
    fonts: [...SATORI_FONTS],
    graphemeImages: { ...Object.fromEntries(plan.emoji), [REPLACEMENT]: PLACEHOLDER },
    loadAdditionalAsset: additionalAssets(plan),
  });
  return inlinePictures(svg, plan.pictures);
}

/**
 * satori places each emoji as an <image> of its data URI; resvg renders such an image through a
 * nested document of its own, which made an emoji card 3× slower than a Latin one. The picture's
 * own SVG, nested in place with the same box, draws the same and costs what its paths cost. Only
 * URIs of the plan's pictures are replaced (our assets); the strings of a job never become markup.
 */
function inlinePictures(svg: string, pictures: ReadonlyMap<string, string>): string {
  if (pictures.size === 0) return svg;
  return svg.replace(
    /<image href="(data:image\/svg\+xml;base64,[^"]*)"([^>]*)\/>/g,
    (whole, uri: string, rest: string) => {
      const inner = pictures.get(uri);
      if (inner == null) return whole;
      const attr = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(rest)?.[1];
      const [x, y, width, height] = [attr('x'), attr('y'), attr('width'), attr('height')];
      // Anything else satori put on the image (a clip path, an opacity) goes on a group around it.
      const other = rest.replace(/ (x|y|width|height)="[^"]*"/g, '').trim();
      if (x == null || y == null || width == null || height == null) return whole;
      const nested = inner.replace(/^<svg\b/, `<svg x="${x}" y="${y}" width="${width}" height="${height}"`);
      return other ? `<g ${other}>${nested}</g>` : nested;
    },
  );
}

const ltr = (): 'ltr' => 'ltr';

/**
 * Calls the tree's function components as satori will when it lays the tree out, so that every
 * `text` call of the card (the footer's too) has happened before the plan is made.
 */
function callComponents(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) callComponents(child);
    return;
  }
  if (node == null || typeof node !== 'object') return;
  const { type, props } = node as { type?: unknown; props?: { children?: unknown } };
  if (typeof type === 'function') callComponents((type as (p: unknown) => unknown)(props ?? {}));
  else callComponents(props?.children);
}

function textFn(draw: (s: string, box?: TextBox) => string, direction: (s: string) => 'ltr' | 'rtl'): TextFn {
  return Object.assign(draw, { direction });
}

/**
 * satori asks once per language it finds no glyph for, and once per emoji. Every face the card
 * needs goes with the first answer, in the plan's order, so the order satori tries faces in
 * never depends on which asset arrived first; emoji get their picture.
 */
function additionalAssets(plan: ScriptPlan) {
  let fontsGiven = false;
  return async (code: string, segment: string): Promise<string | ScriptFont[]> => {
    if (code === 'emoji') {
      const uri = plan.emoji.get(segment);
      if (uri != null) return uri;
    }
    if (fontsGiven) return [];
    fontsGiven = true;
    return plan.fonts;
  };
}

/** The card's `text` once its plan is loaded: drawable, Arabic joined, in visual order. */
function planText(plan: ScriptPlan, metrics: Metrics): TextFn {
  const covered = (cp: number) => metrics[400].has(cp) || plan.covers(cp);
  const measure = planMeasurer(plan, metrics);
  return textFn(
    (s, box) => {
      const shown = drawable(shapeArabic(cleanText(s)), covered, plan.emoji);
      if (!hasRtl(shown)) return shown;
      const dir = paragraphDirection(shown);
      if (!box) return visualOrder(shown, dir);
      // Broken and cut in logical order, then each line reordered: satori would break the
      // visual string into lines in the wrong order, and its ellipsis would cut the visual
      // right-hand end, which is the start of a right-to-left string.
      return fitLines(shown, box, measure)
        .map((line) => visualOrder(line, dir))
        .join('\n');
    },
    (s) => {
      const shown = drawable(shapeArabic(cleanText(s)), covered, plan.emoji);
      return hasRtl(shown) ? paragraphDirection(shown) : 'ltr';
    },
  );
}

/** Width in px of `s` as satori will set it: Inter, then the plan's faces; emoji are 1 em. */
function planMeasurer(plan: ScriptPlan, metrics: Metrics) {
  return (s: string, box: TextBox): number => {
    const weight = box.bold ? 700 : 400;
    const chain = [metrics[weight], ...plan.advances[weight]];
    let width = 0;
    for (const g of graphemes(s)) {
      if (plan.emoji.has(g) || g === REPLACEMENT) {
        width += box.size + box.letterSpacing;
        continue;
      }
      for (const ch of g.replace(JOINERS, '')) {
        const cp = ch.codePointAt(0) ?? 0;
        const adv = chain.find((a) => a.has(cp))?.get(cp);
        if (adv == null) continue;
        width += adv * box.size + box.letterSpacing;
      }
    }
    return width;
  };
}

/**
 * `s` broken into at most `box.lines` lines that fit the box's width, at spaces where it can
 * (anywhere in a word longer than a line), the last one cut with an ellipsis if `s` goes on.
 */
function fitLines(s: string, box: TextBox, measure: (s: string, box: TextBox) => number): string[] {
  const room = box.width * 0.97;
  const lines: string[] = [];
  let rest = s.trim();
  while (rest !== '') {
    if (lines.length === (box.lines ?? 1) - 1 || measure(rest, box) <= room) {
      lines.push(fitOneLine(rest, box, measure));
      break;
    }
    const gs = graphemes(rest);
    let fits = 0;
    let space = -1;
    while (fits < gs.length && measure(gs.slice(0, fits + 1).join(''), box) <= room) {
      if (gs[fits] === ' ') space = fits;
      fits++;
    }
    const at = space > 0 ? space : Math.max(1, fits);
    lines.push(gs.slice(0, at).join('').trimEnd());
    rest = gs.slice(at).join('').trimStart();
  }
  return lines;
}

/** `s` cut at its logical end, with an ellipsis, to fit one line of `box`. */
function fitOneLine(s: string, box: TextBox, measure: (s: string, box: TextBox) => number): string {
  // A little room for kerning, which the advances leave out.
  const room = box.width * 0.97;
  if (measure(s, box) <= room) return s;
  const gs = graphemes(s);
  let lo = 0;
  let hi = gs.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(`${gs.slice(0, mid).join('').trimEnd()}…`, box) <= room) lo = mid;
    else hi = mid - 1;
  }
  return `${gs.slice(0, lo).join('').trimEnd()}…`;
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

/** How a card is drawn: its theme, and where fonts and emoji beyond Inter come from (none: placeholders). */
export interface CardRenderOptions {
  theme: Theme;
  assets?: AssetSource | null | undefined;
}

/** The job's 1200×630 card as SVG. */
export async function renderCardSvg(job: Job, opts: CardRenderOptions): Promise<string> {
  return renderElementSvg((text) => cardElement(job, { theme: opts.theme, text }), opts.assets);
}

/** The card as a 1200×630 PNG. */
export async function renderCardPng(job: Job, opts: CardRenderOptions): Promise<Uint8Array> {
  // resvg's 2.4 MB initialises while satori lays out.
  const [svg] = await Promise.all([renderCardSvg(job, opts), resvgReady()]);
  return svgToPng(svg);
}

// ---------------------------------------------------------------------------
// The badge and the shields.io endpoint document: both say what badgeContent says.

export type BadgeColor = 'green' | 'red' | 'orange' | 'blue' | 'grey';

// All give white text a contrast of at least 4.5:1. `blue`, the neutral one, is the brand
// colour (src/views/common/brand.ts), the same in both themes: its dark-theme shade is too light for white text.
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

export async function renderBadgeSvg(
  job: Job,
  opts: BadgeOptions & { assets?: AssetSource | null | undefined },
): Promise<string> {
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
  opts: { style: BadgeStyle; theme: BadgeTheme; assets?: AssetSource | null | undefined },
): Promise<string> {
  const metrics = interMetrics();
  const spec = {
    label: badgeLabel(label),
    message: clip(cleanText(message), MAX_MESSAGE) || DASH,
    color: resolveColor(color, opts.theme),
    style: opts.style,
    theme: opts.theme,
  };
  // Characters Inter lacks are measured with the Noto face that covers them, loaded as for a card
  // (its advances only: the badge's text stays text, drawn by the viewer's fonts).
  const inter = (cp: number) => metrics[400].has(cp);
  const strings = [spec.label, spec.message]
    .flatMap((s) => [s, s.toUpperCase()])
    .map((s) => shapeArabic(s).replace(NOT_NOTO, ''));
  const plan = opts.assets
    ? await planScripts(strings, inter, opts.assets, { emoji: false, faces: false })
    : null;
  return badgeSvg(spec, measurer(metrics, plan));
}

// The scripts whose faces the badge measures with: those the Noto families exist for. Symbols
// (▲ ▼ in our own messages) keep the width of the viewer's usual fonts, not of a CJK face's.
const NOT_NOTO =
  /[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Hebrew}\p{Script=Arabic}]/gu;
const NOTO =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Hebrew}\p{Script=Arabic}]/u;

function measurer(metrics: Metrics, plan: ScriptPlan | null): MeasureText {
  return (text, font) => {
    const weight = font.bold ? 700 : 400;
    const inter = [metrics[weight]];
    const chain = [metrics[weight], ...(plan?.advances[weight] ?? [])];
    let width = 0;
    // Arabic is measured in its joined forms, which is how the viewer's renderer will set it.
    const gs = graphemes(shapeArabic(text));
    for (const g of gs) width += graphemeAdvance(g, NOTO.test(g) ? chain : inter) * font.size;
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
 * Advance of one grapheme in em: from the first face of `chain` (Inter, then the Noto faces
 * loaded for the badge) that has the character. Emoji take the advance of the common colour
 * emoji fonts (Noto Color Emoji's is 1.245 em), whose files the worker does not ship; what no face
 * covers gets a typical width (one em for East Asian wide characters); textLength absorbs the rest.
 */
function graphemeAdvance(g: string, chain: Advances[]): number {
  if (EMOJI.test(g)) return 1.25;
  let width = 0;
  for (const ch of g.replace(JOINERS, '')) {
    const cp = ch.codePointAt(0) ?? 0;
    const known = chain.find((a) => a.has(cp))?.get(cp);
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
