// The worst case per KB of each face, searched by fast-check: adversarial jobs
// (test/fixtures/hostile.ts) rendered in-process through the worker's own functions (bundle.ts),
// each face timed against the same face of an ordinary job of the same size, rendered in the same
// run. Used by `BENCH_ONLY=hostile npm run bench` (more runs, figures in the table) and by
// test/e2e/adversarial-cost.test.ts (fixed seed, few runs, a generous ratio as the pass mark).
//
//   node test/bench/hostile.ts [runs] [seed]     # prints one JSON line per face

import fc from 'fast-check';
import type { Comparison } from '../../src/comparison.ts';
import type { Job } from '../../src/schema.ts';
import { DEMO_JOBS } from '../../src/demo-data.ts';
import { hostileJob, hostileJobBody } from '../fixtures/hostile.ts';
import { bundleForNode } from './bundle.ts';
import type { Row } from './report.ts';

interface Module {
  renderReportPage(job: Job, ctx: { origin: string; now: number; version: string; stale: null }): string;
  renderCardSvg(job: Job, opts: { theme: 'light' }): Promise<string>;
  renderBadgeSvg(
    job: Job,
    opts: { label: string; metric: 'best'; style: 'flat'; theme: 'light' },
  ): Promise<string>;
  initImages(): Promise<unknown>;
  parseJob(raw: unknown): { ok: true; job: Job } | { ok: false; reason: string };
  renderMarkdownUncached(md: string): string;
  buildComment(input: { head: Job; headVersion: string; base: null; linkBase: string }): string;
  summarize(job: Job, version: string, base: string): unknown;
  compareJobs(base: Job, head: Job): Comparison;
  renderComparePage(
    base: Job,
    head: Job,
    cmp: Comparison,
    ctx: { base: string; baseVersion: string; headVersion: string; version: string; stale: null },
  ): string;
}

const EXTRA = `
export { buildComment } from './src/comment.ts';
export { summarize } from './src/summary.ts';
export { compareJobs } from './src/comparison.ts';
export { renderComparePage } from './src/views/html/compare.tsx';
`;

const ORIGIN = 'https://edge.example';
const V = '0123456789ab';

type Face = 'markdown' | 'page' | 'comment' | 'summary' | 'card' | 'badge' | 'compare';
export const FACES: readonly Face[] = ['markdown', 'page', 'comment', 'summary', 'card', 'badge', 'compare'];

function faces(m: Module): Record<Face, (job: Job) => unknown> {
  return {
    // The report's markdown without the page's memo, which would hide its cost after one view.
    markdown: (job) => m.renderMarkdownUncached(job.report_markdown ?? ''),
    page: (job) =>
      m.renderReportPage(job, { origin: ORIGIN, now: Date.parse(job.updated_at), version: V, stale: null }),
    comment: (job) => m.buildComment({ head: job, headVersion: V, base: null, linkBase: ORIGIN }),
    summary: (job) => JSON.stringify(m.summarize(job, V, ORIGIN)),
    card: (job) => m.renderCardSvg(job, { theme: 'light' }),
    badge: (job) => m.renderBadgeSvg(job, { label: 'score', metric: 'best', style: 'flat', theme: 'light' }),
    compare: (job) =>
      m.renderComparePage(job, job, m.compareJobs(job, job), {
        base: ORIGIN,
        baseVersion: V,
        headVersion: V,
        version: V,
        stale: null,
      }),
  };
}

/** Fastest of `n` timings: a noisy neighbour only ever adds time. */
async function fastest(fn: () => unknown, n: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = fn();
    if (r instanceof Promise) await r;
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The demo's longest report and agent code: what an ordinary job's text looks like. */
const ORDINARY = (() => {
  const jobs = DEMO_JOBS as { report_markdown?: string | null; best_agent_code?: string | null }[];
  const longest = (pick: (j: (typeof jobs)[number]) => string | null | undefined) =>
    jobs.map((j) => pick(j) ?? '').reduce((a, b) => (b.length > a.length ? b : a), '');
  return { markdown: longest((j) => j.report_markdown), code: longest((j) => j.best_agent_code) };
})();

/** `text` repeated to exactly `n` characters. */
const sized = (text: string, n: number) =>
  text.repeat(Math.ceil(n / Math.max(1, text.length)) + 1).slice(0, n);

/**
 * An ordinary job with strings of the same sizes as `hostile`'s: the demo's own report (headings,
 * tables, lists, emphasis, links) and agent code repeated to length, so a ratio compares a
 * hostile job with a realistic one of its size.
 */
function ordinaryTwin(hostile: Job, m: Module): Job {
  const words = 'Customer support triage agent v2';
  const body = hostileJobBody({
    markdown: sized(ORDINARY.markdown, (hostile.report_markdown ?? '').length),
    name: sized(words, Math.min(255, (hostile.prompt_slug ?? '').length)),
    model: sized(words, Math.min(128, (hostile.analyzer_model ?? '').length)),
    iteration: sized(words, Math.min(64, hostile.iterations[0]?.iteration_name.length ?? 0)),
    code: sized(ORDINARY.code, (hostile.best_agent_code ?? '').length),
  });
  const parsed = m.parseJob(JSON.parse(body));
  if (!parsed.ok) throw new Error(`ordinary twin refused: ${parsed.reason}`);
  return parsed.job;
}

export interface FaceWorst {
  face: Face;
  /** Worst ratio of a hostile job's time to its ordinary twin's, and that case's figures. */
  ratio: number;
  ms: number;
  ordinaryMs: number;
  kb: number;
  msPerKb: number;
  sample: string;
}

export interface HostileReport {
  runs: number;
  seed: number;
  refused: number;
  /** Faces that threw, with the error: each would have been a 500. */
  threw: string[];
  worst: FaceWorst[];
}

/** Render `runs` hostile jobs through every face; the worst ratio per face against ordinary twins. */
export async function hostileCost(runs: number, seed: number, maxChars = 60_000): Promise<HostileReport> {
  const bundle = await bundleForNode(EXTRA);
  try {
    const m = (await import(bundle.file)) as Module;
    await m.initImages();
    const fns = faces(m);
    const worst = new Map<Face, FaceWorst>();
    let refused = 0;
    const threw: string[] = [];
    const bodies = fc.sample(hostileJob(maxChars), { numRuns: runs, seed });
    for (const body of bodies) {
      const parsed = m.parseJob(JSON.parse(body));
      if (!parsed.ok) {
        refused++;
        continue;
      }
      const job = parsed.job;
      const twin = ordinaryTwin(job, m);
      const kb = body.length / 1024;
      for (const face of FACES) {
        const fn = fns[face];
        // A warm-up of each, then the fastest of three: the ratio compares like with like.
        await fastest(() => fn(twin), 1);
        // (The hostile job's own warm-up is the first of its three timings: most of its cost is
        // per input, and a face that throws must be caught on its first call.)
        const ordinaryMs = await fastest(() => fn(twin), 3);
        let ms: number;
        try {
          ms = await fastest(() => fn(job), 3);
        } catch (err) {
          // A face that throws would answer 500: the worst outcome of all.
          threw.push(`${face}: ${String(err).slice(0, 80)}`);
          continue;
        }
        // Sub-millisecond renders are timer noise either way: 1 ms is the floor of both.
        const ratio = Math.max(ms, 1) / Math.max(ordinaryMs, 1);
        const prev = worst.get(face);
        if (!prev || ratio > prev.ratio) {
          const md = job.report_markdown ?? '';
          worst.set(face, {
            face,
            ratio,
            ms,
            ordinaryMs,
            kb,
            msPerKb: ms / kb,
            sample: JSON.stringify(md.slice(0, 40)),
          });
        }
      }
    }
    return { runs, seed, refused, threw, worst: FACES.map((f) => worst.get(f)!).filter(Boolean) };
  } finally {
    bundle.dispose();
  }
}

/** Ratio of a hostile render to its ordinary twin's that counts as bounded. */
export const HOSTILE_MAX_RATIO = 10;

export async function hostileBench(runs = Number(process.env.HOSTILE_RUNS ?? 60)): Promise<Row[]> {
  const r = await hostileCost(runs, 20261206);
  const threwRows: Row[] = r.threw.map((t) => ({
    section: 'hostile',
    figure: 'a generated job made a face throw (a 500)',
    value: t,
    baseline: '—',
    ratio: '—',
    goal: 'never',
    met: false,
    data: { threw: t },
  }));
  return threwRows.concat(
    r.worst.map((w) => ({
      section: 'hostile',
      figure: `worst generated job for the ${w.face} (${r.runs} jobs, ${r.refused} refused by the schema, seed ${r.seed})`,
      value: `${w.ms.toFixed(1)} ms for ${w.kb.toFixed(0)} KB (${w.msPerKb.toFixed(3)} ms/KB), markdown ${w.sample}`,
      baseline: `ordinary job of the same sizes: ${w.ordinaryMs.toFixed(1)} ms`,
      ratio: `${w.ratio.toFixed(2)}×`,
      goal: `≤ ${HOSTILE_MAX_RATIO}× an ordinary render`,
      met: w.ratio <= HOSTILE_MAX_RATIO,
      data: { ...w },
    })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv[2] ?? 30);
  const seed = Number(process.argv[3] ?? 20261206);
  const r = await hostileCost(runs, seed, Number(process.argv[4] ?? 60_000));
  for (const t of r.threw) process.stdout.write(`${JSON.stringify({ threw: t })}\n`);
  for (const w of r.worst)
    process.stdout.write(`${JSON.stringify({ ...w, runs, seed, refused: r.refused })}\n`);
}
