// Render cost, in-process in Node 22: the worker's own render functions, bundled by
// esbuild (see bundle.ts), timed with performance.now() after a warm-up, each next
// to its baseline in interleaved blocks so that a noisy neighbour hurts both alike.
//
//   node test/bench/render.ts                     # all figures, JSON rows on stdout
//   node --cpu-prof --cpu-prof-dir=bench-results/prof test/bench/render.ts --only report-large
//
// `run.ts` starts this file as a child process and reads the rows from its stdout.

import { marked } from 'marked';
import type { Job } from '../../src/schema.ts';
import { fileAssets } from '../node/assets.ts';
import { bundleForNode, ROOT } from './bundle.ts';
import { largeJob } from './large-job.ts';
import type { Row } from './report.ts';
import { fmtMs, fmtRatio, summarize, type Summary } from './stats.ts';

type Theme = 'light' | 'dark';
type AssetSource = ReturnType<typeof fileAssets>;
interface Element {
  type: string;
  props: Record<string, unknown>;
}
interface SatoriFont {
  name: string;
  data: ArrayBuffer;
  weight: 400 | 700;
  style: 'normal';
}
interface ResvgImage {
  asPng(): Uint8Array;
  free(): void;
}

/** What bundle.ts re-exports from the worker's sources. */
interface RenderModule {
  renderReportPage(job: Job, ctx: { origin: string; now: number; version: string; stale: null }): string;
  renderCardSvg(job: Job, opts: { theme: Theme }): Promise<string>;
  renderCardPng(job: Job, opts: { theme: Theme; assets?: AssetSource }): Promise<Uint8Array>;
  renderBadgeSvg(
    job: Job,
    opts: { label: string; metric: 'best'; style: 'flat'; theme: Theme },
  ): Promise<string>;
  initImages(): Promise<unknown>;
  parseJob(raw: unknown): { ok: true; job: Job } | { ok: false; reason: string };
  redact(job: Job, fields: readonly string[]): Job;
  DEMO_JOBS: readonly unknown[];
  satori(element: Element, opts: { width: number; height: number; fonts: SatoriFont[] }): Promise<string>;
  Resvg: new (svg: string, opts: { fitTo: { mode: 'original' } }) => { render(): ResvgImage; free(): void };
  interLatin400: ArrayBuffer;
  interLatin700: ArrayBuffer;
  createApp(overrides: { openCache: () => Promise<null>; log: () => void }): {
    fetch(
      req: Request,
      env: Record<string, string>,
      ctx: { waitUntil(p: Promise<unknown>): void; passThroughOnException(): void },
    ): Promise<Response>;
  };
}

type Fn = (i: number) => unknown;

async function time(fn: Fn, i: number): Promise<number> {
  const t0 = performance.now();
  const r = fn(i);
  if (r instanceof Promise) await r;
  return performance.now() - t0;
}

/**
 * Interleave `a` and `b` in blocks, alternating which goes first, after `warmup`
 * calls of each; returns the per-call times of each.
 */
async function pair(
  a: Fn,
  b: Fn | null,
  opts: { warmup: number; rounds: number; block: number },
): Promise<{ a: number[]; b: number[] }> {
  let i = 0;
  for (let w = 0; w < opts.warmup; w++) {
    await time(a, i++);
    if (b) await time(b, i++);
  }
  const out = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < opts.rounds; r++) {
    const order: [Fn, number[]][] = [[a, out.a]];
    if (b) order[r % 2 === 0 ? 'push' : 'unshift']([b, out.b]);
    for (const [fn, into] of order) for (let k = 0; k < opts.block; k++) into.push(await time(fn, i++));
  }
  return out;
}

function stat(s: Summary) {
  return { n: s.n, median_ms: s.median, p95_ms: s.p95, min_ms: s.min, max_ms: s.max, mean_ms: s.mean };
}

function ratioRow(
  figure: string,
  a: number[],
  b: number[],
  baselineName: string,
  goal: { text: string; maxRatio: number },
  extra: Record<string, unknown> = {},
): Row {
  const sa = summarize(a);
  const sb = summarize(b);
  const ratio = sa.median / sb.median;
  return {
    section: 'render',
    figure,
    value: `median ${fmtMs(sa.median)} · p95 ${fmtMs(sa.p95)}`,
    baseline: `${baselineName}: median ${fmtMs(sb.median)} · p95 ${fmtMs(sb.p95)}`,
    ratio: fmtRatio(ratio),
    goal: goal.text,
    met: ratio <= goal.maxRatio,
    data: { value: stat(sa), baseline: stat(sb), ratio_of_medians: ratio, ...extra },
  };
}

export interface RenderOptions {
  /** Run only figures whose id contains this string (profiling). */
  only?: string;
  /** Fewer iterations, for a quick look. */
  quick?: boolean;
}

export async function renderBench(opts: RenderOptions = {}): Promise<Row[]> {
  const bundle = await bundleForNode();
  try {
    const m = (await import(bundle.file)) as RenderModule;
    return await measure(m, opts);
  } finally {
    bundle.dispose();
  }
}

async function measure(m: RenderModule, opts: RenderOptions): Promise<Row[]> {
  const want = (id: string) => !opts.only || id.includes(opts.only);
  const q = (n: number) => (opts.quick ? Math.max(1, Math.ceil(n / 4)) : n);
  const rows: Row[] = [];
  const REDACT = ['celery_task_id', 'triggered_by'];
  const asServed = (raw: unknown): Job => {
    const parsed = m.parseJob(raw);
    if (!parsed.ok) throw new Error(`bench job does not parse: ${parsed.reason}`);
    // The route renders from the cached public JSON: parse it back as app.ts does.
    return JSON.parse(JSON.stringify(m.redact(parsed.job, REDACT))) as Job;
  };
  const typicalRaw = m.DEMO_JOBS[0] as { id: string; iterations: Record<string, unknown>[] };
  const typical = asServed(typicalRaw);
  const ctx = {
    origin: 'https://bench.example',
    now: Date.parse('2026-11-30T12:00:00Z'),
    version: '0123456789ab',
    stale: null,
  } as const;
  await m.initImages();

  // --- report page, typical job -------------------------------------------------
  if (want('report-typical')) {
    const md = typical.report_markdown ?? '';
    const r = await pair(
      () => m.renderReportPage(typical, ctx),
      () => marked.parse(md, { async: false, gfm: true }),
      { warmup: q(50), rounds: q(30), block: 15 },
    );
    const s = summarize(r.a);
    const sb = summarize(r.b);
    rows.push({
      section: 'render',
      figure: `report page, typical job (${typical.iterations.length} iterations, ${(md.length / 1024).toFixed(1)} KiB markdown)`,
      value: `median ${fmtMs(s.median)} · p95 ${fmtMs(s.p95)}`,
      baseline: `marked.parse of its markdown: median ${fmtMs(sb.median)}`,
      ratio: fmtRatio(s.median / sb.median),
      goal: '≤ 5 ms median',
      met: s.median <= 5,
      data: { value: stat(s), baseline: stat(sb), markdown_chars: md.length, job: typical.id },
    });
  }

  // --- report page, 2,000 iterations and ~1 MB of markdown (cold: markdown memo defeated)
  if (want('report-large')) {
    const { job: raw, markdown } = largeJob(typicalRaw);
    const base = asServed(raw);
    // Each call gets a distinct final line, so renderMarkdown's memo never hits: the
    // cold render, as for the first view of a job. The baseline parses the same strings.
    const variant = (i: number) => `${markdown}\n\nRendered for run ${i}.\n`;
    const jobFor = (i: number): Job => ({ ...base, report_markdown: variant(i) });
    const r = await pair(
      (i) => m.renderReportPage(jobFor(i), ctx),
      (i) => marked.parse(variant(i), { async: false, gfm: true }),
      { warmup: q(3), rounds: q(8), block: 2 },
    );
    const html = m.renderReportPage(jobFor(-1), ctx);
    rows.push(
      ratioRow(
        `report page, large job (${base.iterations.length} iterations, ${(markdown.length / 1e6).toFixed(2)} MB markdown), cold`,
        r.a,
        r.b,
        'marked.parse of the same markdown',
        { text: '≤ 1.3× marked.parse', maxRatio: 1.3 },
        {
          markdown_chars: markdown.length,
          iterations: base.iterations.length,
          html_bytes: Buffer.byteLength(html),
        },
      ),
    );
    // For reading the served cost: the same page once the markdown memo holds the report.
    const warm = jobFor(-1);
    const w = await pair(() => m.renderReportPage(warm, ctx), null, { warmup: q(2), rounds: q(8), block: 2 });
    const sw = summarize(w.a);
    const sb = summarize(r.b);
    rows.push({
      section: 'render',
      figure: 'report page, large job, markdown memo warm (info)',
      value: `median ${fmtMs(sw.median)} · p95 ${fmtMs(sw.p95)}`,
      baseline: `marked.parse: median ${fmtMs(sb.median)}`,
      ratio: fmtRatio(sw.median / sb.median),
      goal: '—',
      met: null,
      data: { value: stat(sw), baseline: stat(sb) },
    });
  }

  // --- images -------------------------------------------------------------------
  const fonts: SatoriFont[] = [
    { name: 'Inter', data: m.interLatin400, weight: 400, style: 'normal' },
    { name: 'Inter', data: m.interLatin700, weight: 700, style: 'normal' },
  ];
  const reference: Element = {
    type: 'div',
    props: {
      style: {
        display: 'flex',
        flexDirection: 'column',
        justifyContent: 'center',
        width: '100%',
        height: '100%',
        padding: 80,
        backgroundColor: '#ffffff',
        color: '#0f1115',
        fontFamily: 'Inter',
      },
      children: [
        {
          type: 'div',
          props: { style: { fontSize: 72, fontWeight: 700 }, children: 'support-triage-agent' },
        },
        {
          type: 'div',
          props: { style: { fontSize: 44, fontWeight: 400 }, children: 'Best 84.2 · +21.1 over baseline' },
        },
      ],
    },
  };
  const refSvg = () => m.satori(reference, { width: 1200, height: 630, fonts });
  const refPng = async () => {
    const resvg = new m.Resvg(await refSvg(), { fitTo: { mode: 'original' } });
    try {
      const img = resvg.render();
      try {
        return img.asPng();
      } finally {
        img.free();
      }
    } finally {
      resvg.free();
    }
  };

  if (want('card-svg')) {
    const r = await pair(() => m.renderCardSvg(typical, { theme: 'light' }), refSvg, {
      warmup: q(10),
      rounds: q(16),
      block: 8,
    });
    rows.push(
      ratioRow(
        'SVG card (og.svg), typical job',
        r.a,
        r.b,
        'satori, 2-line reference card',
        {
          text: '≤ 2× reference satori',
          maxRatio: 2,
        },
        { svg_bytes: (await m.renderCardSvg(typical, { theme: 'light' })).length },
      ),
    );
  }

  if (want('card-png')) {
    const r = await pair(() => m.renderCardPng(typical, { theme: 'light' }), refPng, {
      warmup: q(5),
      rounds: q(8),
      block: 5,
    });
    rows.push(
      ratioRow(
        'PNG card (og.png), typical job',
        r.a,
        r.b,
        'satori+resvg, 2-line reference card',
        {
          text: '≤ 1.3× reference satori+resvg',
          maxRatio: 1.3,
        },
        { png_bytes: (await m.renderCardPng(typical, { theme: 'light' })).byteLength },
      ),
    );
  }

  // --- the served path of a cache hit, in-process: the worker's own CPU per request,
  // without runtime, proxy or socket (Node has no Cache API: the memory tier serves).
  if (want('inproc')) {
    const app = m.createApp({ openCache: async () => null, log: () => {} });
    const env = { UPSTREAM_URL: '', MISS_RATE_LIMIT: 'off' };
    const ectx = { waitUntil: (p: Promise<unknown>) => void p.catch(() => {}), passThroughOnException() {} };
    const hit = (path: string) => async () => {
      const res = await app.fetch(new Request(`http://bench.local${path}`), env, ectx);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    };
    const id = typical.id;
    for (const [name, path] of [
      ['JSON /api/jobs/{id}/', `/api/jobs/${id}/`],
      ['HTML /jobs/{id}', `/jobs/${id}`],
      ['PNG /jobs/{id}/og.png', `/jobs/${id}/og.png`],
      ['badge /jobs/{id}/badge.svg', `/jobs/${id}/badge.svg`],
    ] as const) {
      await hit(path)(); // load and render once: what follows are hits
      const r = await pair(hit(path), hit('/healthz'), { warmup: q(200), rounds: q(10), block: 100 });
      const sa = summarize(r.a);
      const sb = summarize(r.b);
      rows.push({
        section: 'render',
        figure: `cache hit ${name}, worker code in-process (app.fetch + body read; info)`,
        value: `median ${fmtMs(sa.median)} · p95 ${fmtMs(sa.p95)}`,
        baseline: `/healthz: median ${fmtMs(sb.median)}`,
        ratio: fmtRatio(sa.median / sb.median),
        goal: '—',
        met: null,
        data: { value: stat(sa), baseline: stat(sb) },
      });
    }
  }

  // --- other scripts: fonts and emoji from the assets, loaded only when a card needs them.
  // The assets are read from ./assets on disk (the binding's stand-in); a fresh source is a
  // fresh isolate as far as the fonts go (nothing read, nothing parsed), which is "cold".
  if (want('scripts')) {
    const warmAssets = fileAssets(ROOT);
    const latinPng = () => m.renderCardPng(typical, { theme: 'light', assets: warmAssets });
    const cjk: Job = { ...typical, prompt_slug: '客服分流与工单自动分类', analyzer_model: '通义千问-长文本' };
    const emoji: Job = { ...typical, prompt_slug: '🚀 launch-agent 👩🏽‍💻 ❤️‍🔥 🇯🇵', analyzer_model: 'model-✨' };

    const today = await pair(latinPng, () => m.renderCardPng(typical, { theme: 'light' }), {
      warmup: q(4),
      rounds: q(8),
      block: 4,
    });
    rows.push(
      ratioRow(
        'PNG card, Latin job, with the assets bound (plans, loads nothing)',
        today.a,
        today.b,
        "today's path (no assets)",
        { text: '≤ 1.1×', maxRatio: 1.1 },
      ),
    );

    const cold = await pair(
      () => m.renderCardPng(cjk, { theme: 'light', assets: fileAssets(ROOT) }),
      latinPng,
      {
        warmup: q(2),
        rounds: q(6),
        block: 3,
      },
    );
    const files = { read: 0 };
    const counting: AssetSource = {
      fetch: (input) => {
        files.read++;
        return fileAssets(ROOT).fetch(input);
      },
    };
    await m.renderCardPng(cjk, { theme: 'light', assets: counting });
    rows.push(
      ratioRow(
        'PNG card, CJK job, cold (index and font files not yet loaded)',
        cold.a,
        cold.b,
        'Latin card, same run',
        { text: '≤ 3× Latin', maxRatio: 3 },
        { files_read: files.read },
      ),
    );

    await m.renderCardPng(cjk, { theme: 'light', assets: warmAssets });
    const warm = await pair(() => m.renderCardPng(cjk, { theme: 'light', assets: warmAssets }), latinPng, {
      warmup: q(4),
      rounds: q(8),
      block: 4,
    });
    rows.push(
      ratioRow(
        'PNG card, CJK job, warm (fonts loaded in the isolate)',
        warm.a,
        warm.b,
        'Latin card, same run',
        {
          text: '≤ 1.5× Latin',
          maxRatio: 1.5,
        },
      ),
    );

    await m.renderCardPng(emoji, { theme: 'light', assets: warmAssets });
    const pics = await pair(() => m.renderCardPng(emoji, { theme: 'light', assets: warmAssets }), latinPng, {
      warmup: q(4),
      rounds: q(8),
      block: 4,
    });
    rows.push(
      ratioRow(
        'PNG card, emoji job, warm (pictures loaded in the isolate)',
        pics.a,
        pics.b,
        'Latin card, same run',
        {
          text: '≤ 1.5× Latin',
          maxRatio: 1.5,
        },
      ),
    );
  }

  if (want('badge')) {
    const r = await pair(
      () => m.renderBadgeSvg(typical, { label: 'overmind', metric: 'best', style: 'flat', theme: 'light' }),
      null,
      { warmup: q(500), rounds: q(30), block: 100 },
    );
    const s = summarize(r.a);
    rows.push({
      section: 'render',
      figure: 'badge (badge.svg), typical job',
      value: `median ${fmtMs(s.median)} · p95 ${fmtMs(s.p95)}`,
      baseline: '—',
      ratio: '—',
      goal: '≤ 1 ms median',
      met: s.median <= 1,
      data: { value: stat(s) },
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const rows = await renderBench({ only, quick: args.includes('--quick') });
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else
    for (const r of rows)
      console.log(`${r.figure}: ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.met}`);
}
