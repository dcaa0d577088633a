// A large but realistic job for the render benchmarks: 2,000 iterations cycled from
// the demo's typical completed job (its codes, descriptions and dimension scores,
// varied per iteration) and ~1 MB of report markdown shaped like the demo's report
// (header, results table, an iteration log table, per-iteration detail sections
// with dimension tables, a backtesting table).

export const LARGE_ITERATIONS = 2000;
export const LARGE_MARKDOWN_CHARS = 1_000_000;

type RawJob = Record<string, unknown> & { id: string; iterations: Record<string, unknown>[] };

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const f1 = (n: number) => n.toFixed(1);

/** Deterministic pseudo-random in [0, 1), so every run renders the same bytes. */
function rng(seed: number): () => number {
  let h = seed | 0;
  return () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), 1 | h);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(r: () => number): string {
  let hex = '';
  while (hex.length < 32) hex += Math.floor(r() * 16).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function largeJob(template: RawJob): { job: RawJob; markdown: string } {
  const r = rng(2000);
  const src = template.iterations;
  const jobId = '0b0e0c0d-2000-4000-8000-000000002000';
  const start = Date.parse(String(template.created_at));
  const baseline = Number(template.baseline_score ?? 55);
  let best = baseline;
  let bestIndex = -1;
  const iterations = Array.from({ length: LARGE_ITERATIONS }, (_, i) => {
    const t = src[i % src.length] as Record<string, unknown>;
    const drift = Math.min(25, (i / LARGE_ITERATIONS) * 25);
    const score = Math.round((baseline + drift + (r() - 0.6) * 8) * 10) / 10;
    const keep = score > best;
    if (keep) {
      best = score;
      bestIndex = i;
    }
    const dims: Record<string, number> = {};
    for (const [k, v] of Object.entries((t.dimension_scores as Record<string, number>) ?? {})) {
      dims[k] = Math.round((v + (r() - 0.5) * 2) * 10) / 10;
    }
    return {
      ...t,
      id: uuidFrom(r),
      created_at: new Date(start + (i + 1) * 60_000).toISOString(),
      iteration_name: `iter_${pad(i + 1, 4)}`,
      job: jobId,
      avg_score: score,
      dimension_scores: dims,
      order: i + 1,
      status: keep ? 'keep' : 'discard',
    };
  });
  const job: RawJob = {
    ...template,
    id: jobId,
    iterations,
    updated_at: new Date(start + (LARGE_ITERATIONS + 5) * 60_000).toISOString(),
    num_iterations: LARGE_ITERATIONS,
    best_score: best,
    improvement: Math.round((best - baseline) * 10) / 10,
    best_agent_code: (iterations[bestIndex] ?? iterations[0])?.agent_code ?? null,
  };
  const markdown = largeMarkdown(job, template);
  job.report_markdown = markdown;
  return { job, markdown };
}

function largeMarkdown(job: RawJob, template: RawJob): string {
  // The demo report's change summaries, reused for the log's "Change" column.
  const summaries = String(template.report_markdown ?? '')
    .split('\n')
    .map((l) => /^\| iter_\d+ \| [^|]+ \| [^|]+ \| (.+) \|$/.exec(l)?.[1])
    .filter((s): s is string => Boolean(s));
  if (summaries.length === 0) summaries.push('Tightened the system prompt and the JSON contract.');
  const baseline = Number(job.baseline_score);
  const best = Number(job.best_score);
  const head = [
    `# ${String(job.prompt_slug)} Optimization Report`,
    '',
    '**Agent:** `agents/support_triage/agent.py`',
    `**Iterations:** ${job.iterations.length}`,
    `**Candidates per iteration:** ${String(job.candidates_per_iteration ?? 4)}`,
    `**Analyzer model:** ${String(job.analyzer_model ?? 'claude-sonnet-4-5')}`,
    '',
    '## Results',
    '',
    '| Baseline | Best | Improvement |',
    '|---:|---:|---:|',
    `| ${f1(baseline)} | ${f1(best)} | +${f1(best - baseline)} (+${f1(((best - baseline) / baseline) * 100)}%) |`,
    '',
    '## Iteration Log',
    '',
    '| Iteration | Score | Status | Change |',
    '|---|---:|---|---|',
    `| baseline | ${f1(baseline)} | — | Original agent |`,
    ...job.iterations.map(
      (it, i) =>
        `| ${String(it.iteration_name)} | ${f1(Number(it.avg_score))} | ${String(it.status)} | ${summaries[i % summaries.length]} |`,
    ),
    '',
    '## Model Backtesting',
    '',
    '| Model | Score | vs. current |',
    '|---|---:|---:|',
    '| gpt-4o-mini (current) | 84.2 | ±0.0 |',
    '| gpt-4.1-mini | 86.0 | +1.8 |',
    '| claude-haiku-4-5 | 85.1 | +0.9 |',
    '| gemini-2.5-flash | 82.7 | −1.5 |',
    '',
    '## Iteration Details',
    '',
  ].join('\n');
  const parts = [head];
  let length = head.length;
  for (let i = 0; length < LARGE_MARKDOWN_CHARS; i++) {
    const it = job.iterations[i % job.iterations.length] as Record<string, unknown>;
    const dims = Object.entries((it.dimension_scores as Record<string, number>) ?? {});
    const section = [
      `### ${String(it.iteration_name)}${i >= job.iterations.length ? ` (rerun ${Math.floor(i / job.iterations.length)})` : ''}`,
      '',
      `**Score:** ${f1(Number(it.avg_score))} · **Status:** ${String(it.status)} · *${summaries[i % summaries.length]}*`,
      '',
      String(it.description ?? ''),
      '',
      '| Dimension | Score | Δ vs baseline |',
      '|---|---:|---:|',
      ...dims.map(([k, v]) => `| \`${k}\` | ${f1(v)} | ${v >= 0 ? '+' : '−'}${f1(Math.abs(v / 10))} |`),
      '',
      '- Candidates: 4, selected by average score',
      `- Failures: ${(i * 7) % 5} parse errors, ${(i * 3) % 4} tool errors`,
      '',
    ].join('\n');
    parts.push(section);
    length += section.length + 1;
  }
  return parts.join('\n');
}
