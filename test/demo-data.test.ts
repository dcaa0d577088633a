import { describe, expect, it } from 'vitest';
import { DEMO_JOB_IDS, DEMO_JOBS, DEMO_LIVE, demoLiveJob, demoLivePhase } from '../src/demo-data';
import { IterationSchema, JOB_TYPES, JobSchema, type Job } from '../src/schema';
import { JOB_STATUSES } from '../src/views/common/status';

// The demo set stands in for the upstream, so it is held to what the upstream's reference and
// observed behaviour promise (../shared/upstream/*.md), not just to what the schema accepts.

type Obj = Record<string, unknown>;
const raw = DEMO_JOBS as readonly Obj[];
const jobs: Job[] = DEMO_JOBS.map((j) => JobSchema.parse(j));

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_2026_Z = /^2026-1[01]-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const byType = (type: string, status: string): Job[] =>
  jobs.filter((j) => j.job_type === type && j.status === status);

function completedTuning(): Job {
  const found = byType('prompt_tuning', 'completed');
  expect(found.length).toBeGreaterThan(0);
  return found[0]!;
}

/** The rows of the first GFM table after `## heading`, header and separator included. */
function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(start + 1);
  const first = rest.findIndex((l) => l.trimStart().startsWith('|'));
  expect(first, `table after ${heading}`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const l of rest.slice(first)) {
    if (!l.trimStart().startsWith('|')) break;
    rows.push(l.trim());
  }
  return rows;
}

const cells = (row: string): string[] =>
  row
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

describe('demo data', () => {
  it('has at least 7 jobs and every one passes the upstream schema', () => {
    expect(DEMO_JOBS.length).toBeGreaterThanOrEqual(7);
    for (const j of DEMO_JOBS) {
      const r = JobSchema.safeParse(j);
      expect(r.success, r.success ? '' : JSON.stringify(r.error.issues[0])).toBe(true);
    }
  });

  it('covers every job type and every status', () => {
    expect(new Set(jobs.map((j) => j.job_type))).toEqual(new Set(JOB_TYPES));
    expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(JOB_STATUSES));
  });

  it('uses unique lowercase v4 ids, and iterations point at their job', () => {
    const ids = [...jobs.map((j) => j.id), ...jobs.flatMap((j) => j.iterations.map((it) => it.id))];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    for (const j of jobs) {
      for (const it of j.iterations) expect(it.job).toBe(j.id);
      for (const ref of [j.project, j.agent]) if (ref != null) expect(ref).toMatch(UUID_V4);
    }
  });

  it('exports the ids in the same order as the jobs', () => {
    expect(DEMO_JOB_IDS).toEqual(jobs.map((j) => j.id));
    // The most interesting job is shown first.
    expect(jobs[0]!.status).toBe('completed');
    expect(jobs[0]!.job_type).toBe('prompt_tuning');
  });

  it('has plausible timestamps: Oct–Nov 2026, Z, ordered', () => {
    for (const j of jobs) {
      expect(j.created_at).toMatch(ISO_2026_Z);
      expect(j.updated_at).toMatch(ISO_2026_Z);
      expect(Date.parse(j.updated_at)).toBeGreaterThanOrEqual(Date.parse(j.created_at));
      let previous = Date.parse(j.created_at);
      for (const it of j.iterations) {
        expect(it.created_at).toMatch(ISO_2026_Z);
        const t = Date.parse(it.created_at);
        expect(t).toBeGreaterThan(previous);
        expect(t).toBeLessThanOrEqual(Date.parse(j.updated_at));
        previous = t;
      }
    }
  });

  it('keeps string fields within the upstream limits', () => {
    for (const j of jobs) {
      expect(j.data_source == null || j.data_source.length <= 20).toBe(true);
      for (const it of j.iterations) expect((it.description ?? '').length).toBeLessThanOrEqual(500);
    }
  });

  describe('the completed prompt-tuning run', () => {
    it('has ≥ 10 ordered iterations with both keep and discard', () => {
      const job = completedTuning();
      expect(job.iterations.length).toBeGreaterThanOrEqual(10);
      expect(job.num_iterations).toBe(job.iterations.length);
      job.iterations.forEach((it, i) => {
        expect(it.iteration_name).toBe(`iter_${String(i + 1).padStart(3, '0')}`);
        expect(it.order).toBe(i + 1);
        expect(it.avg_score).toBeGreaterThan(0);
        expect(it.avg_score).toBeLessThanOrEqual(100);
        expect((it.description ?? '').length).toBeGreaterThan(40);
      });
      const statuses = new Set(job.iterations.map((it) => it.status));
      expect(statuses).toEqual(new Set(['keep', 'discard']));
    });

    it('keeps an iteration exactly when it beats the best so far', () => {
      const job = completedTuning();
      let best = job.baseline_score!;
      for (const it of job.iterations) {
        expect(it.status, it.iteration_name).toBe(it.avg_score! > best ? 'keep' : 'discard');
        if (it.status === 'keep') best = it.avg_score!;
      }
      expect(job.best_score).toBe(best);
    });

    it('has dimension scores that sum to avg_score, with penalties below zero', () => {
      const job = completedTuning();
      let negative = 0;
      for (const it of job.iterations) {
        expect(isObj(it.dimension_scores)).toBe(true);
        const d = it.dimension_scores as Record<string, number>;
        const values = Object.values(d);
        expect(values.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
        expect(Math.abs(values.reduce((a, b) => a + b, 0) - it.avg_score!)).toBeLessThan(1);
        const penalties = Object.entries(d).filter(([k]) => k.endsWith('_penalty'));
        expect(penalties.length).toBeGreaterThan(0);
        for (const [k, v] of penalties) expect(v, k).toBeLessThanOrEqual(0);
        negative += penalties.filter(([, v]) => v < 0).length;
      }
      expect(negative).toBeGreaterThan(0);
    });

    it('carries a full agent source that changes every iteration, and the best one as best_agent_code', () => {
      const job = completedTuning();
      const codes = job.iterations.map((it) => it.agent_code ?? '');
      for (const code of codes) {
        const lines = code.trimEnd().split('\n').length;
        expect(lines).toBeGreaterThanOrEqual(40);
        expect(lines).toBeLessThanOrEqual(80);
        expect(code).toMatch(/^def \w+\(/m);
      }
      for (let i = 1; i < codes.length; i++) expect(codes[i]).not.toBe(codes[i - 1]);

      const kept = job.iterations.filter((it) => it.status === 'keep');
      const best = kept.reduce((a, b) => (b.avg_score! > a.avg_score! ? b : a));
      expect(job.best_agent_code).toBe(best.agent_code);
      expect(job.best_score).toBe(best.avg_score);
      // The best iteration is not the last one, so a consumer cannot take a shortcut.
      expect(job.iterations[job.iterations.length - 1]!.status).toBe('discard');
    });

    it('builds each kept iteration on the previous kept one', () => {
      const job = completedTuning();
      // A kept iteration's code keeps every line the previous kept code had, except lines it edits.
      let previous: string[] | null = null;
      for (const it of job.iterations.filter((x) => x.status === 'keep')) {
        const lines = (it.agent_code ?? '').split('\n').filter((l) => l.trim() !== '');
        if (previous) {
          const kept = previous.filter((l) => lines.includes(l)).length;
          expect(kept / previous.length, it.iteration_name).toBeGreaterThan(0.85);
        }
        previous = lines;
      }
    });

    it('has a report with the documented headings and GFM tables', () => {
      const job = completedTuning();
      const md = job.report_markdown ?? '';
      expect(md).toMatch(/^# .+ Optimization Report$/m);
      expect(md).toMatch(/^\*\*Agent:\*\* .*\/.+\.py/m);
      expect(md).toMatch(new RegExp(`^\\*\\*Iterations:\\*\\* ${job.iterations.length}$`, 'm'));
      expect(md).toMatch(
        new RegExp(`^\\*\\*Candidates per iteration:\\*\\* ${job.candidates_per_iteration}$`, 'm'),
      );
      expect(md).toMatch(new RegExp(`^\\*\\*Analyzer model:\\*\\* ${job.analyzer_model}$`, 'm'));

      const results = tableAfter(md, '## Results');
      expect(cells(results[0]!)).toEqual(['Baseline', 'Best', 'Improvement']);
      expect(results[1]).toMatch(/^\|(\s*:?-+:?\s*\|)+$/);
      const [base, best] = cells(results[2]!);
      expect(Number(base)).toBeCloseTo(job.baseline_score!, 1);
      expect(Number(best)).toBeCloseTo(job.best_score!, 1);

      const log = tableAfter(md, '## Iteration Log');
      expect(log[1]).toMatch(/^\|(\s*:?-+:?\s*\|)+$/);
      expect(cells(log[2]!)[0]!.toLowerCase()).toBe('baseline');
      expect(log.length).toBe(3 + job.iterations.length);
      job.iterations.forEach((it, i) => {
        const [name, score, status] = cells(log[3 + i]!);
        expect(name).toBe(it.iteration_name);
        expect(Number(score)).toBeCloseTo(it.avg_score!, 1);
        expect(status).toBe(it.status);
      });

      const backtests = tableAfter(md, '## Model Backtesting');
      expect(backtests.length).toBeGreaterThanOrEqual(3);
      expect(backtests[1]).toMatch(/^\|(\s*:?-+:?\s*\|)+$/);
    });

    it('has holdout backtest results that agree with themselves', () => {
      const job = completedTuning();
      expect(isObj(job.backtest_results)).toBe(true);
      const h = (job.backtest_results as Obj).holdout as Record<string, number | boolean | null>;
      for (const k of [
        'train_improvement',
        'holdout_improvement',
        'blended_improvement',
        'holdout_score',
        'baseline_holdout_score',
        'overfit_gap',
        'holdout_weight',
        'reverted',
        'rollback_iteration',
      ]) {
        expect(h, k).toHaveProperty(k);
      }
      const n = (k: string) => h[k] as number;
      expect(n('train_improvement')).toBeCloseTo(job.improvement!, 6);
      expect(n('holdout_improvement')).toBeCloseTo(n('holdout_score') - n('baseline_holdout_score'), 6);
      expect(n('overfit_gap')).toBeCloseTo(n('train_improvement') - n('holdout_improvement'), 6);
    });
  });

  it('has both backtest_results shapes, including a model that failed', () => {
    const results = jobs.map((j) => j.backtest_results).filter(isObj);
    expect(results.some((r) => isObj(r.holdout))).toBe(true);

    const perModel = results.filter((r) => !('holdout' in r));
    expect(perModel.length).toBeGreaterThan(0);
    const models = perModel.flatMap((r) => Object.values(r)).filter(isObj);
    const ok = models.filter((m) => !('error' in m));
    const failed = models.filter((m) => 'error' in m);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    for (const m of ok) {
      const scores = m.individual_scores as number[];
      expect(Array.isArray(scores)).toBe(true);
      expect(m.count).toBe(scores.length);
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      expect(mean).toBeCloseTo(m.avg_total as number, 6);
      expect(Object.keys(m).some((k) => k.startsWith('avg_') && k !== 'avg_total')).toBe(true);
      expect(m).toHaveProperty('_avg_confidence');
      expect(m).toHaveProperty('_source_summary');
    }
    expect(failed.length).toBeGreaterThan(0);
    for (const m of failed) {
      expect(m.avg_total).toBe(0);
      expect(typeof m.error).toBe('string');
    }
  });

  it('has improvement == best − baseline wherever both are known', () => {
    let checked = 0;
    for (const j of jobs) {
      if (j.best_score == null || j.baseline_score == null) {
        expect(j.improvement, j.id).toBeNull();
        continue;
      }
      expect(j.improvement, j.id).not.toBeNull();
      expect(Math.abs(j.improvement! - (j.best_score - j.baseline_score))).toBeLessThan(1e-9);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('has a pending job with no iterations and no scores', () => {
    const pending = jobs.filter((j) => j.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const j of pending) {
      expect(j.iterations).toEqual([]);
      expect(j.baseline_score).toBeNull();
      expect(j.best_score).toBeNull();
      expect(j.report_markdown).toBeNull();
    }
  });

  it('has a running tuning job part-way, without final results', () => {
    const [job] = byType('prompt_tuning', 'running');
    expect(job).toBeDefined();
    expect(job!.iterations.length).toBeGreaterThan(0);
    expect(job!.iterations.length).toBeLessThan(job!.num_iterations!);
    expect(job!.baseline_score).not.toBeNull();
    expect(job!.best_score).toBeNull();
    expect(job!.improvement).toBeNull();
    expect(job!.report_markdown).toBeNull();
  });

  it('has a failed job whose report says why', () => {
    const failed = jobs.filter((j) => j.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const j of failed) expect(j.report_markdown).toMatch(/^Run failed: \S/);
    expect(failed.some((j) => j.iterations.length >= 2)).toBe(true);
  });

  it('has older-style jobs that keep their outcome in result', () => {
    for (const type of ['judge_scoring', 'uploaded_outputs_setup', 'inference'] as const) {
      const found = jobs.filter((j) => j.job_type === type);
      expect(found.length, type).toBeGreaterThan(0);
      expect(found.every((j) => isObj(j.result) && Object.keys(j.result).length > 0)).toBe(true);
    }
  });

  it('sends nulls where the upstream does, and fields the service must redact', () => {
    const nullable = ['baseline_score', 'best_score', 'improvement', 'backtest_results', 'project', 'agent'];
    for (const k of [...nullable, 'triggered_by', 'prompt_slug']) {
      expect(
        raw.some((j) => k in j && j[k] === null),
        k,
      ).toBe(true);
    }
    const iterations = raw.flatMap((j) => j.iterations as Obj[]);
    expect(iterations.some((it) => it.order === null)).toBe(true);
    expect(iterations.some((it) => it.dimension_scores === null)).toBe(true);
    expect(raw.every((j) => typeof j.celery_task_id === 'string')).toBe(true);
    expect(raw.some((j) => typeof j.triggered_by === 'number')).toBe(true);
  });

  it('includes fields the reference does not list, which the schema strips', () => {
    const jobKeys = new Set(Object.keys(JobSchema.shape));
    const iterationKeys = new Set(Object.keys(IterationSchema.shape));
    const withExtras = raw.filter((j) => Object.keys(j).some((k) => !jobKeys.has(k)));
    expect(withExtras.length).toBeGreaterThanOrEqual(2);
    const iterationsWithExtras = raw
      .flatMap((j) => j.iterations as Obj[])
      .filter((it) => Object.keys(it).some((k) => !iterationKeys.has(k)));
    expect(iterationsWithExtras.length).toBeGreaterThan(0);

    for (const j of jobs) {
      for (const k of Object.keys(j)) expect(jobKeys.has(k), k).toBe(true);
      for (const it of j.iterations)
        for (const k of Object.keys(it)) expect(iterationKeys.has(k), k).toBe(true);
    }
  });

  it('cannot be altered by a consumer', () => {
    const first = raw[0]!;
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.iterations)).toBe(true);
    expect(() => {
      (first as { status: string }).status = 'failed';
    }).toThrow();
  });

  describe('the live running job', () => {
    const T0 = Date.parse('2026-11-30T12:00:00Z');
    const cycle = DEMO_LIVE.cycleSeconds * 1000;
    const step = DEMO_LIVE.stepSeconds * 1000;
    // A cycle boundary, so that phases below are exact.
    const start = Math.floor(T0 / cycle) * cycle;
    const at = (ms: number): Job => JobSchema.parse(demoLiveJob(ms));

    it('is the same bytes for the same instant, and frozen', () => {
      expect(JSON.stringify(demoLiveJob(start + 12_345))).toBe(JSON.stringify(demoLiveJob(start + 12_345)));
      expect(Object.isFrozen(demoLiveJob(start))).toBe(true);
    });

    it('shows one more iteration each step, then starts the cycle again', () => {
      const counts = Array.from(
        { length: DEMO_LIVE.maxIterations + 1 },
        (_, k) => at(start + k * step).iterations.length,
      );
      expect(counts).toEqual([...Array.from({ length: DEMO_LIVE.maxIterations }, (_, k) => k + 1), 1]);
      // Within a step nothing changes.
      expect(JSON.stringify(demoLiveJob(start + step))).toBe(
        JSON.stringify(demoLiveJob(start + 2 * step - 1)),
      );
      expect(demoLivePhase(start + cycle)).toEqual({ cycleStart: start + cycle, shown: 1 });
    });

    it('stays a valid running job at every step: part-way, ordered in time, keep when it beats the best', () => {
      for (let k = 0; k < DEMO_LIVE.maxIterations; k++) {
        const now = start + k * step + step / 2;
        const job = at(now);
        expect(job.id).toBe(DEMO_LIVE.id);
        expect(job.status).toBe('running');
        expect(job.iterations.length).toBeLessThan(job.num_iterations!);
        expect(job.best_score).toBeNull();
        expect(job.improvement).toBeNull();
        expect(Date.parse(job.updated_at)).toBeLessThanOrEqual(now);
        let previous = Date.parse(job.created_at);
        let best = job.baseline_score!;
        for (const it of job.iterations) {
          const t = Date.parse(it.created_at);
          expect(t).toBeGreaterThan(previous);
          expect(t).toBeLessThanOrEqual(Date.parse(job.updated_at));
          previous = t;
          expect(it.status, it.iteration_name).toBe(it.avg_score! > best ? 'keep' : 'discard');
          if (it.status === 'keep') best = it.avg_score!;
        }
      }
    });

    it('finds a new best score within the cycle, and the static set holds its snapshot part-way', () => {
      const best = (j: Job) =>
        Math.max(...j.iterations.filter((i) => i.status === 'keep').map((i) => i.avg_score!));
      expect(best(at(start + cycle - 1))).toBeGreaterThan(best(at(start)));
      const snapshot = jobs.find((j) => j.id === DEMO_LIVE.id)!;
      const live = at(start + (snapshot.iterations.length - 1) * step);
      expect(live.iterations.map((i) => [i.id, i.avg_score, i.status, i.agent_code])).toEqual(
        snapshot.iterations.map((i) => [i.id, i.avg_score, i.status, i.agent_code]),
      );
    });
  });
});
