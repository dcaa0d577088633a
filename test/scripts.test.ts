import bidiFactory from 'bidi-js';
import { env } from 'cloudflare:test';
import { decode } from 'fast-png';
import { XMLValidator } from 'fast-xml-parser';
import pixelmatch from 'pixelmatch';
import { describe, expect, it, vi } from 'vitest';
import { compareJobs } from '../src/comparison';
import { DEMO_JOBS } from '../src/demo-data';
import {
  cleanText,
  drawable,
  initImages,
  renderBadgeSvg,
  renderCardPng,
  renderCardSvg,
  renderElementSvg,
} from '../src/images';
import { parseJob, type Job } from '../src/schema';
import {
  assetCacheBytes,
  FONT_CACHE_BYTES,
  WIDTHS_CACHE_BYTES,
  MAX_FILES_PER_CARD,
  graphemes,
  JOINERS,
  planScripts,
  shapeArabic,
  visualOrder,
  type AssetSource,
} from '../src/scripts';
import { compareCardElement } from '../src/views/image/compare-card';
import * as jobs from './fixtures/jobs';
import { LOADED_SCRIPTS, LONG_CJK, MIXED_RTL, SCRIPT_JOBS, type Script } from './fixtures/scripts';
import { XSS_JOBS } from './fixtures/xss-jobs';
import latinRef from './fixtures/cards/latin.png?inline';
import greekRef from './fixtures/cards/greek.png?inline';
import cyrillicRef from './fixtures/cards/cyrillic.png?inline';
import scRef from './fixtures/cards/chinese-simplified.png?inline';
import tcRef from './fixtures/cards/chinese-traditional.png?inline';
import jaRef from './fixtures/cards/japanese.png?inline';
import koRef from './fixtures/cards/korean.png?inline';
import heRef from './fixtures/cards/hebrew.png?inline';
import arRef from './fixtures/cards/arabic.png?inline';
import emojiRef from './fixtures/cards/emoji.png?inline';

// Every script the cards draw: each grapheme has a glyph of a loaded font or an emoji picture,
// the picture changes when the font files are withheld, and it matches its reference picture
// (test/fixtures/cards/, written by test/node/card-references.ts). Latin cards stay byte for
// byte what they were before other scripts could load.

const assets: AssetSource = env.ASSETS;

const REFERENCES: Record<Script, string> = {
  latin: latinRef,
  greek: greekRef,
  cyrillic: cyrillicRef,
  'chinese-simplified': scRef,
  'chinese-traditional': tcRef,
  japanese: jaRef,
  korean: koRef,
  hebrew: heRef,
  arabic: arRef,
  emoji: emojiRef,
};
const SCRIPTS = Object.keys(SCRIPT_JOBS) as Script[];

function pixels(png: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const img = decode(png);
  expect(img.channels, 'RGBA').toBe(4);
  expect(img.depth).toBe(8);
  return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer) };
}

/** Pixels that differ beyond anti-aliasing noise. */
function differingPixels(a: Uint8Array, b: Uint8Array): number {
  const pa = pixels(a);
  const pb = pixels(b);
  expect([pb.width, pb.height]).toEqual([pa.width, pa.height]);
  return pixelmatch(pa.data, pb.data, undefined, pa.width, pa.height, { threshold: 0.1 });
}

function fromDataUri(uri: string): Uint8Array {
  const bin = atob(uri.slice(uri.indexOf(',') + 1));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function sha256(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

/** A Twemoji picture nested in a card (images.ts inlines them). */
const TWEMOJI =
  /<svg x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 36 36">/g;

const cardStrings = (job: Job) => [job.prompt_slug ?? '', job.analyzer_model ?? ''];

describe('each script', () => {
  for (const script of SCRIPTS) {
    it(`${script}: every grapheme is a glyph of a loaded font or an emoji picture`, async () => {
      const metrics = await initImages();
      const inter = (cp: number) => metrics[400].has(cp);
      const shaped = cardStrings(SCRIPT_JOBS[script]).map((s) => shapeArabic(cleanText(s)));
      const plan = await planScripts(shaped, inter, assets);
      if (!LOADED_SCRIPTS.includes(script)) {
        // Inter's own: nothing is planned, nothing loaded.
        expect(plan).toBeNull();
      } else {
        expect(plan).not.toBeNull();
      }
      const covered = (cp: number) => inter(cp) || (plan?.covers(cp) ?? false);
      for (const s of shaped) {
        for (const g of graphemes(s)) {
          if (plan?.emoji.has(g)) {
            expect(plan.emoji.get(g), g).toMatch(/^data:image\/svg\+xml;base64,/);
            continue;
          }
          for (const ch of g.replace(JOINERS, '')) {
            expect(
              covered(ch.codePointAt(0) ?? 0),
              `${script}: U+${ch.codePointAt(0)?.toString(16)} in ${s}`,
            ).toBe(true);
          }
        }
        // Nothing of the string is replaced by the placeholder or dropped.
        expect(drawable(s, covered, plan?.emoji)).toBe(s);
      }
    });

    it(`${script}: the PNG matches its reference picture`, async () => {
      const png = await renderCardPng(SCRIPT_JOBS[script], { theme: 'light', assets });
      const diff = differingPixels(png, fromDataUri(REFERENCES[script]));
      // A few hundred pixels of 756,000: anti-aliasing differences between Node and workerd at most.
      expect(diff, `${script}: ${diff} pixels differ from test/fixtures/cards/${script}.png`).toBeLessThan(
        800,
      );
    });

    if (LOADED_SCRIPTS.includes(script)) {
      it(`${script}: the PNG differs when the font and emoji files are withheld`, async () => {
        const drawn = await renderCardPng(SCRIPT_JOBS[script], { theme: 'light', assets });
        const withheld = await renderCardPng(SCRIPT_JOBS[script], { theme: 'light' });
        expect(differingPixels(drawn, withheld)).toBeGreaterThan(2000);
      });
    }
  }

  it('loads nothing for a Latin card, and only its own subsets for a CJK card', async () => {
    const seen: string[] = [];
    const spy: AssetSource = {
      fetch: (input) => {
        seen.push(new URL(input).pathname);
        return assets.fetch(input);
      },
    };
    await renderCardSvg(SCRIPT_JOBS.latin, { theme: 'light', assets: spy });
    await renderCardSvg(jobs.completed, { theme: 'dark', assets: spy });
    expect(seen).toEqual([]);
    await renderCardSvg(SCRIPT_JOBS.korean, { theme: 'light', assets: spy });
    expect(seen).toContain('/fonts/index.json');
    const fonts = seen.filter((p) => p.endsWith('.woff'));
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((p) => p.startsWith('/fonts/noto-sans-kr-'))).toBe(true);
    // Once per isolate: a second Korean card reads nothing.
    const before = seen.length;
    await renderCardSvg(SCRIPT_JOBS.korean, { theme: 'dark', assets: spy });
    expect(seen.length).toBe(before);
  });

  it('an asset that cannot be read fails the render (nothing degraded gets cached), and is tried again', async () => {
    let broken = true;
    const flaky: AssetSource = {
      fetch: (input) =>
        broken ? Promise.resolve(new Response('nope', { status: 503 })) : assets.fetch(input),
    };
    await expect(renderCardSvg(SCRIPT_JOBS.hebrew, { theme: 'light', assets: flaky })).rejects.toThrow(
      /HTTP 503/,
    );
    broken = false;
    const svg = await renderCardSvg(SCRIPT_JOBS.hebrew, { theme: 'light', assets: flaky });
    expect(svg).toBe(await renderCardSvg(SCRIPT_JOBS.hebrew, { theme: 'light', assets }));
  });

  it('keeps at most FONT_CACHE_BYTES of fonts however many subsets the cards ask for', async () => {
    const own: AssetSource = { fetch: (input) => assets.fetch(input) };
    const first = await renderCardSvg(SCRIPT_JOBS['chinese-simplified'], { theme: 'light', assets: own });
    // Cards of 150 different common Han characters each: together they touch most subsets.
    for (let block = 0; block < 8; block++) {
      const chars = Array.from({ length: 150 }, (_, i) =>
        String.fromCodePoint(0x4e00 + block * 2500 + i * 16),
      );
      await renderCardSvg(
        { ...jobs.completed, prompt_slug: chars.join('') },
        { theme: 'light', assets: own },
      );
      expect(assetCacheBytes(own).fonts).toBeLessThanOrEqual(FONT_CACHE_BYTES);
    }
    expect(assetCacheBytes(own).fonts).toBeGreaterThan(FONT_CACHE_BYTES / 2);
    // Evicted files are read again when needed, and the card comes out the same.
    expect(await renderCardSvg(SCRIPT_JOBS['chinese-simplified'], { theme: 'light', assets: own })).toBe(
      first,
    );
  });

  it(`loads at most MAX_FILES_PER_CARD subsets for one card; the rest shows the placeholder`, async () => {
    const metrics = await initImages();
    const inter = (cp: number) => metrics[400].has(cp);
    // 400 Han characters spread over the whole block: far more subsets than the cap.
    const spread = Array.from({ length: 400 }, (_, i) => String.fromCodePoint(0x4e00 + i * 51)).join('');
    const plan = await planScripts([spread], inter, assets);
    expect(plan).not.toBeNull();
    expect((plan?.fonts.length ?? 0) / 2).toBeLessThanOrEqual(MAX_FILES_PER_CARD);
    const shown = drawable(spread, (cp) => inter(cp) || (plan?.covers(cp) ?? false));
    expect(shown).toContain('\uFFFD');
    expect(shown.replace(/\uFFFD/g, '').length).toBeGreaterThan(40);
  });

  it('fetches nothing from the network: every file comes through the ASSETS binding', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    for (const script of LOADED_SCRIPTS) await renderCardSvg(SCRIPT_JOBS[script], { theme: 'dark', assets });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });
});

describe('what still shows the placeholder', () => {
  it('Indic, Thai and other scripts with no shipped face become one placeholder per run', async () => {
    const metrics = await initImages();
    const inter = (cp: number) => metrics[400].has(cp);
    for (const [s, expected] of [
      ['हिन्दी सहायता v2', '\uFFFD v2'],
      ['ภาษาไทย triage', '\uFFFD triage'],
      ['বাংলা · தமிழ்', '\uFFFD · \uFFFD'],
      ['Հայերեն ქართული ok', '\uFFFD ok'],
    ] as const) {
      const plan = await planScripts([s], inter, assets);
      const covered = (cp: number) => inter(cp) || (plan?.covers(cp) ?? false);
      expect(drawable(s, covered, plan?.emoji), s).toBe(expected);
    }
  });
});

describe('emoji pictures', () => {
  it('are nested in the SVG in place of their image, one per emoji, ids kept apart', async () => {
    const job = { ...jobs.completed, prompt_slug: '🛜 wifi 🪇 🛜 ok', analyzer_model: 'm' };
    const svg = await renderCardSvg(job, { theme: 'light', assets });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.match(TWEMOJI)?.length).toBe(3);
    expect(svg).not.toMatch(/href="data:image\/svg\+xml;base64,/);
    // Pictures that define ids (clip paths) get them prefixed with their own name.
    const ids = Array.from(svg.matchAll(/ id="(tw-[^"]+)"/g), (m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => /^tw-(1f6dc|1fa87)-/.test(id ?? ''))).toBe(true);
    expect(svg).not.toMatch(/url\(#(?!tw-|satori|fill)[^)]*\)/);
  });
});

describe('demo', () => {
  it('one demo job has a non-Latin name with an emoji, and its card draws all of it', async () => {
    const named = DEMO_JOBS.map((raw) => parseJob(raw)).flatMap((r) => (r.ok ? [r.job] : []));
    const job = named.find((j) => /\p{Script=Katakana}|\p{Script=Han}/u.test(j.prompt_slug ?? ''));
    expect(job).toBeDefined();
    if (!job) return;
    const slug = cleanText(job.prompt_slug ?? '');
    expect(slug).toMatch(/\p{Extended_Pictographic}/u);
    const metrics = await initImages();
    const inter = (cp: number) => metrics[400].has(cp);
    const plan = await planScripts([slug], inter, assets);
    expect(drawable(slug, (cp) => inter(cp) || (plan?.covers(cp) ?? false), plan?.emoji)).toBe(slug);
    const svg = await renderCardSvg(job, { theme: 'light', assets });
    // The emoji's Twemoji picture, nested in place; no placeholder picture.
    expect(svg).toMatch(TWEMOJI);
    expect(svg).not.toMatch(/href="data:image\/svg\+xml;base64,/);
  });
});

describe('Latin cards', () => {
  // SHA-256 of each card as rendered before other scripts could load (commit a6c5d6a).
  const BEFORE: Record<string, string> = {
    'completed.light.png': 'cfc78613b1143afb0204ecbbdcfae11a8a7796d29614b7b5ea36d72986f4a74f',
    'completed.dark.png': '477ea7ee9d3949af374f2149a2de88d84b5d58f81c412401f8dbe5905f6b5ff9',
    'completed.light.svg': '2e5839058a7958f11598656e67b9d99637b3221fb89468bffaa826f60778eccf',
    'running.light.png': '3b59f8bcf13538b7da6e1deaba7ba042f0f1c6016fbb186a65decf20252a50a0',
    'failed.dark.png': '63f64f474e09d7dd3ff31f982983e81b9cb86665dad2d8e7945328213a9a8fb5',
    'longSlug.light.png': 'd12625a196cfb201598e8d14950fb59f9e0ad92a6c81a757b67eec110400db15',
    'hostile.dark.png': '48007b810350433664e02d31184143dd274b63397499a4b15e06bac21a9f3eb8',
    'manyIterations.dark.svg': 'd33dfe65eb4bc19bc3921029d0d2e1fd150a0d587a1559fc627a21f09ae40a54',
    'pending.light.png': 'b9e2402090d83a6917efd215f70b1ed15d73dcc8280fe3a308fd33aad430faed',
  };

  async function current(key: string): Promise<string> {
    const [name = '', theme, ext] = key.split('.') as [string, 'light' | 'dark', 'png' | 'svg'];
    const job = jobs.ALL[name];
    if (!job) throw new Error(`no fixture ${name}`);
    const opts = { theme, assets };
    return sha256(ext === 'png' ? await renderCardPng(job, opts) : await renderCardSvg(job, opts));
  }

  it("are byte-identical to today's, with the assets bound", async () => {
    for (const key of Object.keys(BEFORE)) expect(await current(key), key).toBe(BEFORE[key]);
  });

  it('stay byte-identical after the isolate has drawn CJK, Arabic and emoji cards', async () => {
    for (const script of LOADED_SCRIPTS) await renderCardPng(SCRIPT_JOBS[script], { theme: 'light', assets });
    for (const key of Object.keys(BEFORE)) expect(await current(key), key).toBe(BEFORE[key]);
  });

  it('the comparison card too', async () => {
    const cmp = compareJobs(jobs.worse, jobs.completed);
    const { svgToPng } = await import('../src/images');
    const svg = await renderElementSvg(
      (text) => compareCardElement(jobs.worse, jobs.completed, cmp, { theme: 'light', text }),
      assets,
    );
    expect(await sha256(await svgToPng(svg))).toBe(
      '16ca65930a1e109d6603c1e040516e296571980739f0e21863c5d2bba8c98cb7',
    );
  });
});

describe('right to left', () => {
  const bidi = bidiFactory();

  it('puts mixed strings in the order bidi-js gives', () => {
    for (const s of MIXED_RTL) {
      const expected = bidi.getReorderedString(s, bidi.getEmbeddingLevels(s));
      expect(visualOrder(s), s).toBe(expected);
      expect(visualOrder(s)).not.toBe(s);
    }
    // Left-to-right strings are left alone.
    expect(visualOrder('support-triage v2 (beta)')).toBe('support-triage v2 (beta)');
  });

  it('keeps marks with their letter and emoji whole while reordering', () => {
    const s = 'שָׁלוֹם 👩🏽‍💻 עולם';
    const out = visualOrder(s);
    expect(graphemes(out).sort()).toEqual(graphemes(s).sort());
    const reversed = (w: string) => graphemes(w).reverse().join('');
    // The first logical word is the rightmost, its letters (with their points) right to left.
    expect(out.endsWith(reversed('שָׁלוֹם'))).toBe(true);
    expect(out.startsWith(reversed('עולם'))).toBe(true);
    expect(out).toContain('👩🏽‍💻');
  });

  it('joins Arabic letters: contextual forms on the shaped code points', () => {
    const hex = (s: string) => Array.from(s, (c) => c.codePointAt(0)?.toString(16).toUpperCase());
    // TEH initial, SAD medial, NOON medial, YEH medial, FEH final.
    expect(hex(shapeArabic('تصنيف'))).toEqual(['FE97', 'FEBC', 'FEE8', 'FEF4', 'FED2']);
    // LAM + ALEF become the one lam-alef ligature.
    expect(hex(shapeArabic('لا'))).toEqual(['FEFB']);
    // A letter that does not join to the left leaves the next one isolated: DAL, then TEH MARBUTA.
    expect(hex(shapeArabic('دة'))).toEqual(['FEA9', 'FE93']);
    // Hebrew and Latin pass through.
    expect(shapeArabic('שלום abc')).toBe('שלום abc');
  });

  it('an Arabic card carries only joined forms, right-aligned in the title box', async () => {
    const svg = await renderCardSvg(SCRIPT_JOBS.arabic, { theme: 'light', assets });
    const plain = await renderCardSvg(SCRIPT_JOBS.arabic, { theme: 'light' });
    expect(svg).not.toBe(plain);
    // The title's glyphs end at the right edge of its box (x 64 + 1048), not the left.
    const title = svg.slice(svg.indexOf('width="1048"'));
    const xs = Array.from(title.slice(0, title.indexOf('</g>')).matchAll(/[ML](\d+(?:\.\d+)?) /g), (m) =>
      Number(m[1]),
    );
    expect(Math.max(...xs)).toBeGreaterThan(1080);
    expect(Math.min(...xs)).toBeGreaterThan(400);
  });
});

describe('layout', () => {
  // The full-width rows below the title (scores and chart, footer): a title that grew past its
  // two lines would push them down. And the title box itself: two lines of 58 px at 1.1.
  const rowsBelow = (svg: string) =>
    Array.from(svg.matchAll(/<rect x="64" y="(\d+(?:\.\d+)?)" width="1072" height="(\d+(?:\.\d+)?)"/g), (m) =>
      Number(m[1]),
    ).filter((y) => y > 250);
  const titleHeight = (svg: string) =>
    Number(/<rect x="64" y="120" width="1048" height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? NaN);

  it('long CJK, Hebrew and Arabic titles take two lines at most; nothing moves, in either theme', async () => {
    const long = [
      { ...jobs.completed, prompt_slug: LONG_CJK },
      SCRIPT_JOBS.hebrew,
      { ...SCRIPT_JOBS.arabic, prompt_slug: `${SCRIPT_JOBS.arabic.prompt_slug ?? ''} `.repeat(6) },
    ];
    for (const [theme, job] of (['light', 'dark'] as const).flatMap((t) =>
      long.map((j) => [t, j] as const),
    )) {
      const latin = await renderCardSvg(jobs.completed, { theme, assets });
      const cjk = await renderCardSvg(job, { theme, assets });
      expect(rowsBelow(latin).length).toBeGreaterThan(0);
      expect(rowsBelow(cjk), theme).toEqual(rowsBelow(latin));
      expect(titleHeight(cjk)).toBeGreaterThan(100);
      expect(titleHeight(cjk)).toBeLessThanOrEqual(2 * 58 * 1.1 + 1);
      expect(XMLValidator.validate(cjk)).toBe(true);
    }
  });

  it('a failure reason in Arabic or CJK moves nothing either', async () => {
    for (const reason of ['تعذر الاتصال بخادم النموذج بعد ثلاث محاولات', '模型服务连接超时，已重试三次']) {
      const latin = await renderCardSvg(jobs.failed, { theme: 'light', assets });
      const other = await renderCardSvg(
        { ...jobs.failed, report_markdown: `Run failed: ${reason}` },
        { theme: 'light', assets },
      );
      expect(other).not.toBe(latin);
      expect(rowsBelow(other), reason).toEqual(rowsBelow(latin));
      // Every box of the left column (score, pill, reason) starts where it did.
      const left = (svg: string) =>
        Array.from(svg.matchAll(/<rect x="64" y="([\d.]+)"/g), (m) => Number(m[1]));
      expect(left(other), reason).toEqual(left(latin));
    }
  });

  it('long CJK, RTL and emoji titles render on the comparison card, PNG and SVG', async () => {
    const { svgToPng } = await import('../src/images');
    for (const slug of [LONG_CJK, MIXED_RTL[0] ?? '', '🚀👩🏽‍💻🇯🇵 launch'.repeat(8)]) {
      const head = { ...jobs.completed, prompt_slug: slug };
      const cmp = compareJobs(jobs.worse, head);
      for (const theme of ['light', 'dark'] as const) {
        const svg = await renderElementSvg(
          (text) => compareCardElement(jobs.worse, head, cmp, { theme, text }),
          assets,
        );
        expect(XMLValidator.validate(svg)).toBe(true);
        expect(svg).toMatch(/^<svg width="1200" height="630"/);
        const png = pixels(await svgToPng(svg));
        expect([png.width, png.height]).toEqual([1200, 630]);
      }
    }
  });
});

describe('hostile strings', () => {
  it('the XSS corpus still renders with the assets bound, and no markup escapes into the SVG', async () => {
    for (const raw of XSS_JOBS) {
      const parsed = parseJob(raw);
      if (!parsed.ok) throw new Error(parsed.reason);
      for (const theme of ['light', 'dark'] as const) {
        const svg = await renderCardSvg(parsed.job, { theme, assets });
        expect(XMLValidator.validate(svg)).toBe(true);
        expect(svg).not.toMatch(/<script|onerror|javascript:|<foreignObject|<iframe/i);
      }
    }
    for (const job of [jobs.hostile, jobs.emojiTitle, jobs.rtlTitle, jobs.cjkTitle, jobs.mixedScripts]) {
      const svg = await renderCardSvg(job, { theme: 'dark', assets });
      expect(XMLValidator.validate(svg)).toBe(true);
      expect(svg).not.toMatch(/<script/i);
      // Pictures are inline SVG data URIs only (Twemoji's base64, satori's own icons percent-encoded).
      for (const m of svg.matchAll(/href="([^"]*)"/g)) {
        expect(m[1]).toMatch(/^data:image\/svg\+xml;(base64,|utf8,)/);
        expect(m[1]).not.toMatch(/[<>]/);
      }
    }
  });
});

describe('badge', () => {
  const badge = (label: string, withAssets: boolean) =>
    renderBadgeSvg(jobs.completed, {
      label,
      metric: 'best',
      style: 'flat',
      theme: 'light',
      assets: withAssets ? assets : null,
    });
  const labelWidth = (svg: string) =>
    Number(/<rect width="(\d+)" height="20" fill="#555555"\/>/.exec(svg)?.[1]);

  it('measures each character with the advances of the face that draws it, CJK, Hebrew and Arabic too', async () => {
    const metrics = await initImages();
    const inter = (cp: number) => metrics[400].has(cp);
    for (const label of [
      '客服分流',
      'カスタマー対応',
      '고객지원',
      'סיווג פניות',
      'تصنيف التذاكر',
      'Ops 客服 v2',
    ]) {
      const shaped = shapeArabic(label);
      const plan = await planScripts([shaped], inter, assets, { emoji: false });
      expect(plan, label).not.toBeNull();
      let em = 0;
      for (const ch of shaped) {
        const cp = ch.codePointAt(0) ?? 0;
        const adv = [metrics[400], ...(plan?.advances[400] ?? [])].find((a) => a.has(cp))?.get(cp);
        expect(adv, `${label}: U+${cp.toString(16)}`).toBeDefined();
        em += adv ?? 0;
      }
      // flat: 11 px text, 6 px padding each side.
      const svg = await badge(label, true);
      expect(labelWidth(svg), label).toBe(Math.ceil(em * 11 + 12));
      // The text stays text: the label as written, for the viewer's fonts to draw.
      expect(svg).toContain(`>${label}</text>`);
    }
  });

  it('measures from the width tables beside the subsets: a CJK, Hebrew or Arabic badge reads no font file', async () => {
    const seen: string[] = [];
    const spy: AssetSource = {
      fetch: (input) => {
        seen.push(new URL(input).pathname);
        return assets.fetch(input);
      },
    };
    const label = '客服分流 סיווג تصنيف';
    const svg = await renderBadgeSvg(jobs.completed, {
      label,
      metric: 'best',
      style: 'flat',
      theme: 'light',
      assets: spy,
    });
    expect(seen).toContain('/fonts/index.json');
    expect(
      seen.filter((p) => /^\/fonts\/noto-sans-(sc|hebrew|arabic)-.*\.json$/.test(p)).length,
    ).toBeGreaterThan(2);
    expect(seen.filter((p) => p.endsWith('.woff'))).toEqual([]);
    // The same widths as when a card has loaded the faces through the shared loader.
    await renderCardSvg({ ...jobs.completed, prompt_slug: label }, { theme: 'light', assets });
    expect(svg).toBe(await badge(label, true));
  });

  it('keeps at most WIDTHS_CACHE_BYTES of width tables however many subsets the badges measure', async () => {
    const own: AssetSource = { fetch: (input) => assets.fetch(input) };
    const measure = (label: string) =>
      renderBadgeSvg(jobs.completed, { label, metric: 'best', style: 'flat', theme: 'light', assets: own });
    const first = await measure('客服分流');
    // Labels of 40 Han characters spread over the block: together they touch most subsets.
    for (let block = 0; block < 30; block++) {
      const chars = Array.from({ length: 40 }, (_, i) => String.fromCodePoint(0x4e00 + block * 700 + i * 17));
      await measure(chars.join(''));
      expect(assetCacheBytes(own).widths).toBeLessThanOrEqual(WIDTHS_CACHE_BYTES);
    }
    expect(assetCacheBytes(own).widths).toBeGreaterThan(WIDTHS_CACHE_BYTES / 2);
    // No font file was read for any of them, and an evicted table is read again to the same widths.
    expect(assetCacheBytes(own).fonts).toBe(0);
    expect(await measure('客服分流')).toBe(first);
  });

  it('a Latin badge is the same with or without the assets', async () => {
    expect(await badge('coverage', true)).toBe(await badge('coverage', false));
  });
});
