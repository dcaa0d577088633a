import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  badgeContent,
  badgeEndpoint,
  cleanText,
  drawable,
  initImages,
  messageEndpoint,
  renderBadgeSvg,
  renderCardPng,
  renderCardSvg,
  renderMessageBadge,
  type BadgeOptions,
} from '../src/images';
import type { Job } from '../src/schema';
import { JobSchema } from '../src/schema';
import * as jobs from './fixtures/jobs';

// Images are checked as files a client receives: PNG header, well-formed SVG, and
// what the badge says. Rendered PNGs are not written here (workerd has no file
// system); the preview script described in the summary writes them for a person.

const THEMES = ['light', 'dark'] as const;
const STYLES = ['flat', 'flat-square', 'for-the-badge'] as const;

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

function svgRoot(svg: string): Record<string, string> {
  const valid = XMLValidator.validate(svg);
  expect(valid, JSON.stringify(valid)).toBe(true);
  const doc = parser.parse(svg) as { svg?: Record<string, string> };
  expect(doc.svg).toBeDefined();
  return doc.svg ?? {};
}

function pngSize(png: Uint8Array): { width: number; height: number } {
  expect(Array.from(png.slice(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // The first chunk must be IHDR: length 13, type, then width and height.
  expect(view.getUint32(8)).toBe(13);
  expect(String.fromCharCode(...png.slice(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function badgeWidth(svg: string): number {
  return Number(svgRoot(svg).width);
}

const badge = (job: Job, o: Partial<BadgeOptions> = {}) =>
  renderBadgeSvg(job, { label: 'overmind', metric: 'best', style: 'flat', theme: 'light', ...o });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('fixtures', () => {
  it('are jobs the schema accepts', () => {
    for (const [name, job] of Object.entries(jobs.ALL)) {
      expect(JobSchema.safeParse(job).success, name).toBe(true);
    }
  });
});

describe('card', () => {
  it('renders a 1200×630 PNG for every kind of job, in both themes', async () => {
    const names = [
      'completed',
      'running',
      'pending',
      'failed',
      'cjkTitle',
      'emojiTitle',
      'rtlTitle',
      'longSlug',
      'hostile',
    ];
    for (const name of names) {
      for (const theme of THEMES) {
        const png = await renderCardPng(jobs.ALL[name]!, { theme });
        expect(pngSize(png), `${name} ${theme}`).toEqual({ width: 1200, height: 630 });
        expect(png.byteLength).toBeGreaterThan(10_000);
      }
    }
  });

  it('renders well-formed 1200×630 SVG for every fixture, with no script', async () => {
    for (const [name, job] of Object.entries(jobs.ALL)) {
      for (const theme of THEMES) {
        const svg = await renderCardSvg(job, { theme });
        const root = svgRoot(svg);
        expect([root.width, root.height], `${name} ${theme}`).toEqual(['1200', '630']);
        expect(svg).not.toMatch(/<script/i);
        expect(svg).not.toContain('alert(1)');
      }
    }
  });

  it('differs between themes and between jobs', async () => {
    const light = await renderCardSvg(jobs.completed, { theme: 'light' });
    const dark = await renderCardSvg(jobs.completed, { theme: 'dark' });
    const running = await renderCardSvg(jobs.running, { theme: 'light' });
    expect(light).not.toEqual(dark);
    expect(light).not.toEqual(running);
    expect(await renderCardSvg(jobs.completed, { theme: 'light' })).toEqual(light);
  });

  it('asks the network for nothing (no fonts, no emoji images)', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    for (const job of [jobs.cjkTitle, jobs.emojiTitle, jobs.rtlTitle, jobs.mixedScripts]) {
      await renderCardPng(job, { theme: 'dark' });
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('stays fast enough to render on a request', async () => {
    await renderCardPng(jobs.completed, { theme: 'light' });
    const t0 = performance.now();
    await renderCardSvg(jobs.manyIterations, { theme: 'light' });
    const t1 = performance.now();
    await renderCardPng(jobs.manyIterations, { theme: 'dark' });
    const t2 = performance.now();
    // workerd freezes timers during synchronous work, so these may read 0; that is fine.
    expect(t1 - t0).toBeLessThan(2000);
    expect(t2 - t1).toBeLessThan(4000);
  });
});

describe('untrusted text', () => {
  it('cleanText strips what XML forbids, controls, bidi overrides and lone surrogates', () => {
    expect(cleanText('a\u0000b\u0007c\u001b\uD800d\uFFFE\u202Ee\u200Bf\n\tg')).toBe('abcdef g');
    expect(cleanText('  e\u0301  ')).toBe('é');
    expect(cleanText('👩‍💻 ok')).toBe('👩‍💻 ok');
  });

  it('drawable keeps what Inter covers and stands one placeholder for each undrawable run', async () => {
    const metrics = await initImages();
    const covered = (cp: number) => metrics[400].has(cp);
    expect(drawable('Résumé для HR Ελληνικά Tiếng Việt', covered)).toBe('Résumé для HR Ελληνικά Tiếng Việt');
    expect(drawable('客服工单 bot v2', covered)).toBe('\uFFFD bot v2');
    expect(drawable('تصنيف تذاكر الدعم — triage', covered)).toBe('\uFFFD — triage');
    expect(drawable('🚀 launch ✨👩‍💻🇯🇵', covered)).toBe('launch');
    expect(drawable(jobs.HOSTILE, covered)).toBe(jobs.HOSTILE);
  });
});

describe('badge', () => {
  it('is well-formed, labelled SVG in every style and theme', async () => {
    for (const style of STYLES) {
      for (const theme of THEMES) {
        const svg = await badge(jobs.completed, { style, theme });
        const root = svgRoot(svg);
        expect(root.role).toBe('img');
        expect(root['aria-label']).toBe('overmind: 87.5 ▲ +12.3');
        expect(Number(root.height)).toBe(style === 'for-the-badge' ? 28 : 20);
        expect(svg).toContain('<title>overmind: 87.5 ▲ +12.3</title>');
        expect(svg).toMatch(/<text [^>]*>87\.5 ▲ \+12\.3<\/text>/);
      }
    }
  });

  it('escapes a hostile label and message and stays well-formed', async () => {
    const nasty = `${jobs.HOSTILE} & "q" 'a' \u0000\uD800\uFFFF`;
    for (const style of STYLES) {
      const svgs = [
        await badge(jobs.completed, { label: nasty, style }),
        await renderMessageBadge(nasty, nasty, '"/><script>', { style, theme: 'dark' }),
      ];
      for (const svg of svgs) {
        svgRoot(svg);
        expect(svg).not.toMatch(/<script/i);
        expect(svg).toContain('&lt;/svg&gt;&lt;script&gt;');
      }
    }
  });

  it('keeps a label with quotes, ampersands and angle brackets as text, character for character', async () => {
    const label = `O'Reilly & "Sons" <b>x</b>`;
    const texts = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true });
    for (const style of STYLES) {
      const svg = await badge(jobs.completed, { label, style });
      const doc = texts.parse(svg) as { svg: { 'aria-label': string; title: string } };
      expect(doc.svg['aria-label']).toBe(`${label}: 87.5 ▲ +12.3`);
      expect(doc.svg.title).toBe(`${label}: 87.5 ▲ +12.3`);
      // Two of them on `flat` (the shadow and the text), one otherwise.
      const shown = style === 'for-the-badge' ? label.toUpperCase() : label;
      const escaped = shown.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(svg.split(`>${escaped.replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</text>`).length - 1).toBe(
        style === 'flat' ? 2 : 1,
      );
    }
  });

  it('grows with the label, by the glyphs actually in it', async () => {
    const short = badgeWidth(await badge(jobs.completed, { label: 'a' }));
    const long = badgeWidth(await badge(jobs.completed, { label: 'a much longer label' }));
    const wide = badgeWidth(await badge(jobs.completed, { label: 'WWWWWWWW' }));
    const narrow = badgeWidth(await badge(jobs.completed, { label: 'iiiiiiii' }));
    expect(long).toBeGreaterThan(short + 60);
    expect(wide).toBeGreaterThan(narrow + 40);
  });

  it('differs between styles', async () => {
    const widths = await Promise.all(
      STYLES.map(async (style) => badgeWidth(await badge(jobs.completed, { style }))),
    );
    const [flat, square, forTheBadge] = widths;
    expect(flat).toBe(square);
    expect(forTheBadge).toBeGreaterThan(flat! + 20);
    const flatSvg = await badge(jobs.completed, { style: 'flat' });
    const squareSvg = await badge(jobs.completed, { style: 'flat-square' });
    const ftbSvg = await badge(jobs.completed, { style: 'for-the-badge' });
    expect(flatSvg).toContain('rx="3"');
    expect(flatSvg).toContain('linearGradient');
    expect(squareSvg).not.toContain('rx=');
    expect(ftbSvg).toContain('>OVERMIND</text>');
    expect(ftbSvg).toContain('font-weight="bold"');
  });

  it('has a darker label in the dark theme', async () => {
    const light = await badge(jobs.completed, { theme: 'light' });
    const dark = await badge(jobs.completed, { theme: 'dark' });
    expect(light).toContain('fill="#555555"');
    expect(dark).toContain('fill="#2d333b"');
  });

  it('draws a message-only badge for an empty label', async () => {
    const svg = await badge(jobs.completed, { label: '' });
    expect(svgRoot(svg)['aria-label']).toBe('87.5 ▲ +12.3');
    expect(svg).not.toContain('#555555');
    expect(svg.match(/<text /g)?.length).toBe(2); // the message and its shadow
  });

  it('says what the job state is', () => {
    expect(badgeContent(jobs.completed, 'best')).toEqual({ message: '87.5 ▲ +12.3', color: 'green' });
    expect(badgeContent(jobs.completed, 'improvement')).toEqual({
      message: '▲ +12.3 (+16.4%)',
      color: 'green',
    });
    expect(badgeContent(jobs.completed, 'baseline')).toEqual({ message: '75.2', color: 'blue' });
    expect(badgeContent(jobs.worse, 'best')).toEqual({ message: '79.0 ▼ −2.0', color: 'orange' });
    expect(badgeContent(jobs.unchanged, 'best')).toEqual({ message: '90.0 ±0.0', color: 'blue' });
    expect(badgeContent(jobs.unchanged, 'improvement')).toEqual({ message: '±0.0', color: 'blue' });
    expect(badgeContent(jobs.running, 'best')).toEqual({
      message: 'running 4/10 · best 71.4',
      color: 'blue',
    });
    expect(badgeContent(jobs.running, 'improvement').message).toBe('running 4/10 · +9.4');
    expect(badgeContent(jobs.nullScoresRunning, 'best').message).toBe('running 2/10');
    expect(badgeContent(jobs.pending, 'best')).toEqual({ message: 'pending', color: 'grey' });
    expect(badgeContent(jobs.failed, 'best')).toEqual({ message: 'failed', color: 'red' });
    expect(badgeContent(jobs.cancelled, 'improvement')).toEqual({ message: 'cancelled', color: 'grey' });
    expect(badgeContent(jobs.noSlugNoScores, 'best')).toEqual({ message: '—', color: 'grey' });
    expect(badgeContent(jobs.noSlugNoScores, 'improvement').message).toBe('—');
    expect(badgeContent(jobs.statusless, 'best').message).toBe('pending');
  });
});

describe('badge endpoint', () => {
  it('is a shields.io endpoint document saying what the SVG says', async () => {
    const doc = badgeEndpoint(jobs.completed, { label: 'overmind', metric: 'best', cacheSeconds: 300 });
    expect(doc).toEqual({
      schemaVersion: 1,
      label: 'overmind',
      message: '87.5 ▲ +12.3',
      color: '1a7f37',
      cacheSeconds: 300,
    });
    const svg = await badge(jobs.completed);
    expect(svg).toContain(`>${doc.message}</text>`);
  });

  it('leaves cacheSeconds out unless given, and never has an empty message', () => {
    const doc = badgeEndpoint(jobs.running, { label: 'score', metric: 'improvement' });
    expect(Object.keys(doc).sort()).toEqual(['color', 'label', 'message', 'schemaVersion']);
    expect(doc.message).toBe('running 4/10 · +9.4');
    expect(messageEndpoint('overmind', '', 'grey').message).toBe('—');
  });

  it('carries errors with isError and a sanitised label', () => {
    const doc = messageEndpoint('over\u0000mind\u202E', 'job not found', 'red', { isError: true });
    expect(doc).toEqual({
      schemaVersion: 1,
      label: 'overmind',
      message: 'job not found',
      color: 'cf222e',
      isError: true,
    });
    expect(messageEndpoint('x', 'y', 'not a colour').color).toBe('6e7781');
    expect(messageEndpoint('x', 'y', '#ABC').color).toBe('aabbcc');
  });
});
