import { DomUtils } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { renderReportPage, describeJob, type PageContext } from '../src/views/html/report';
import { renderErrorPage, renderIndexPage } from '../src/views/html/pages';
import { STYLESHEET, pageCsp, styleHash } from '../src/views/html/styles';
import { niceTicks, xTickIndexes } from '../src/views/html/chart';
import { LIVE_SCRIPT } from '../src/views/html/live';
import { cellClass, type Column } from '../src/views/html/sections/iterations';
import { classifyBacktest } from '../src/views/html/sections/backtest';
import { escapeMarkdownAlt, shareSnippets } from '../src/views/html/sections/share';
import { formatDuration, formatUtc, relativeTime } from '../src/views/common/format';
import { DIFF_LIMITS, keptCodeChanges } from '../src/diff';
import { renderMarkdown, renderMarkdownUncached } from '../src/markdown';
import { sortedIterations } from '../src/views/common/job';
import { type Job } from '../src/schema';
import { isTerminal } from '../src/views/common/status';
import {
  CTX,
  NOW,
  PER_MODEL_BACKTEST,
  agentCode,
  bareJob,
  bigJob,
  bigMarkdown,
  byClass,
  byId,
  byTag,
  elements,
  fixtures,
  flat,
  iteration,
  job,
  meta,
  parse,
  text,
  type Doc,
  type El,
} from './fixtures/report-jobs';

const FIX = fixtures();

function page(j: Job, ctx: Partial<PageContext> = {}): Doc {
  return parse(renderReportPage(j, { ...CTX, ...ctx }));
}

function section(doc: Doc, id: string): El {
  const s = byId(doc, id);
  if (!s) throw new Error(`no section #${id}`);
  return s;
}

function bodyRows(table: El): El[] {
  return byTag(byTag(table, 'tbody')[0]!, 'tr');
}

async function sha256Base64(s: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s));
  return btoa(String.fromCharCode(...new Uint8Array(d)));
}

describe('document', () => {
  it('is a complete HTML document with one hashed stylesheet', async () => {
    const html = renderReportPage(FIX.completed!, CTX);
    expect(html.startsWith('<!doctype html><html lang="en">')).toBe(true);
    const doc = parse(html);
    const styles = byTag(doc, 'style');
    expect(styles).toHaveLength(1);
    expect(text(styles[0]!)).toBe(STYLESHEET);
    expect(await styleHash()).toBe(`'sha256-${await sha256Base64(text(styles[0]!))}'`);
  });

  it('builds a CSP with default-src none, the style hash, and same-origin and data: images', async () => {
    const csp = await pageCsp();
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives['default-src']).toBe("'none'");
    expect(directives['style-src']).toBe(await styleHash());
    expect(directives['img-src']).toBe("'self' data:");
    expect(directives['base-uri']).toBe("'none'");
    expect(directives['form-action']).toBe("'none'");
    expect(csp).not.toMatch(/unsafe|script-src/);
    expect(await pageCsp()).toBe(csp);
  });

  it('the stylesheet survives hono/jsx escaping unchanged', () => {
    expect(STYLESHEET).not.toMatch(/[&<>"']/);
  });

  for (const [name, j] of Object.entries(FIX)) {
    it(`renders fixture "${name}" with no script but the live one, no inline styles or stray values`, () => {
      const html = renderReportPage(j, CTX);
      const doc = parse(html);
      const els = elements(doc);
      const scripts = byTag(doc, 'script');
      // Only an active job's page has a script: the constant live one, inline and attribute-free.
      expect(scripts).toHaveLength(isTerminal(j.status) ? 0 : 1);
      for (const sc of scripts) {
        expect(text(sc)).toBe(LIVE_SCRIPT);
        expect(sc.attribs).toEqual({});
        // What follows is about the visible page.
        DomUtils.removeElement(sc);
      }
      for (const e of els) {
        expect(e.attribs.style, `${e.name} has a style attribute`).toBeUndefined();
        for (const a of Object.keys(e.attribs)) expect(a.startsWith('on'), `${e.name}[${a}]`).toBe(false);
      }
      const ids = els.map((e) => e.attribs.id).filter(Boolean);
      expect(new Set(ids).size).toBe(ids.length);
      // Every aria reference points at an element that exists.
      for (const e of els) {
        for (const ref of (e.attribs['aria-labelledby'] ?? '').split(/\s+/).filter(Boolean)) {
          expect(ids, `aria-labelledby=${ref}`).toContain(ref);
        }
      }
      const visible = flat(byTag(doc, 'body'));
      expect(visible).not.toMatch(/\bNaN\b|\bundefined\b|\[object Object\]|Infinity/);
      expect(byTag(doc, 'h1')).toHaveLength(1);
    });
  }

  it('makes no request to another origin', () => {
    const doc = page(FIX.completed!);
    for (const img of byTag(doc, 'img')) expect(img.attribs.src).toMatch(/^\/jobs\/|^data:image\//);
    for (const link of byTag(doc, 'link')) {
      expect(['canonical', 'icon']).toContain(link.attribs.rel);
      if (link.attribs.rel === 'icon') expect(link.attribs.href).toMatch(/^data:image\/svg\+xml,/);
    }
    expect(byTag(doc, 'iframe')).toHaveLength(0);
    expect(byTag(doc, 'object')).toHaveLength(0);
  });

  it('uses semantic structure: headings in order, table headers with scope, labelled regions', () => {
    const doc = page(FIX.completed!);
    const levels = elements(doc)
      .filter((e) => /^h[1-6]$/.test(e.name))
      .map((e) => Number(e.name[1]));
    for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!).toBeLessThanOrEqual(1);
    for (const th of byTag(doc, 'th')) {
      if (!isInside(th, 'markdown')) expect(['col', 'row']).toContain(th.attribs.scope);
    }
    for (const r of elements(doc).filter((e) => e.attribs.role === 'region')) {
      expect(r.attribs['aria-label']).toBeTruthy();
      expect(r.attribs.tabindex).toBe('0');
    }
  });
});

function isInside(e: El, cls: string): boolean {
  for (let p = e.parent as El | null; p; p = p.parent as El | null) {
    if ((p.attribs?.class ?? '').split(/\s+/).includes(cls)) return true;
  }
  return false;
}

describe('header', () => {
  it('shows the title, status, type, model, data source, ids and times', () => {
    const doc = page(FIX.completed!);
    expect(flat(byTag(doc, 'h1')[0]!)).toBe('support-agent-json');
    const head = byClass(doc, 'job-head')[0]!;
    const t = flat(head);
    expect(flat(byClass(head, 'pill')[0]!)).toBe('Completed');
    expect(t).toContain('Prompt Tuning');
    expect(t).toContain('claude-sonnet-4');
    expect(t).toContain('dataset');
    expect(t).toContain('00000000-0000-4000-8000-000000000002');
    expect(t).toContain('00000000-0000-4000-8000-000000000003');
    expect(t).toContain('2025-03-01 09:00 UTC · 3 hours ago');
    expect(t).toContain('2025-03-01 10:42 UTC · 1 hour ago');
    expect(t).toContain('Duration 1 h 42 min');
    expect(t).toContain('6 of 6 · 4 candidates each');
    const times = byTag(head, 'time').map((e) => e.attribs.datetime);
    expect(times).toContain('2025-03-01T09:00:00.000Z');
  });

  it('falls back to the job type label and a short id, then to "Job"', () => {
    expect(flat(byTag(page(job({ prompt_slug: null })), 'h1')[0]!)).toBe('Prompt Tuning 00000000');
    expect(flat(byTag(page(job({ prompt_slug: '   ' })), 'h1')[0]!)).toBe('Prompt Tuning 00000000');
    expect(flat(byTag(page(FIX.bare!), 'h1')[0]!)).toBe('Job 00000000');
  });

  it('shows "—" for missing facts and an unknown status', () => {
    const doc = page(FIX.bare!);
    const facts = byClass(doc, 'facts')[0]!;
    const dds = byTag(facts, 'dd').map((d) => flat(d));
    expect(dds.filter((d) => d === '—').length).toBeGreaterThanOrEqual(4);
    expect(flat(byClass(doc, 'pill')[0]!)).toBe('Unknown status');
  });

  it('measures a running job against now', () => {
    const doc = page(FIX.running!);
    expect(flat(byClass(doc, 'job-head')[0]!)).toContain('Duration 3 h so far');
    expect(flat(byClass(doc, 'job-head')[0]!)).toContain('Running for 3 h');
  });

  it('formats times from the injected clock, in UTC', () => {
    expect(formatUtc('2025-03-01T23:59:59+02:00')).toBe('2025-03-01 21:59 UTC');
    expect(formatUtc('not a date')).toBe('not a date');
    expect(relativeTime('2025-03-01T11:59:40Z', NOW)).toBe('just now');
    expect(relativeTime('2025-03-01T11:58:00Z', NOW)).toBe('2 minutes ago');
    expect(relativeTime('2025-02-28T12:00:00Z', NOW)).toBe('1 day ago');
    expect(relativeTime('2024-01-01T00:00:00Z', NOW)).toBe('1 year ago');
    expect(relativeTime('2025-03-01T14:00:00Z', NOW)).toBe('in 2 hours');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 5000)).toBe('12 min 5 s');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('score summary', () => {
  it('shows baseline → best, improvement in points and percent, coloured up', () => {
    const s = section(page(FIX.completed!), 'summary');
    const stats = byClass(s, 'stat');
    expect(flat(stats[0]!)).toContain('61.5');
    expect(flat(stats[1]!)).toContain('78.2');
    expect(flat(stats[2]!)).toContain('+16.7 pts');
    expect(flat(stats[2]!)).toContain('+27.2%');
    expect(stats[2]!.attribs.class).toContain('stat-up');
    expect(byClass(stats[2]!, 'dir-up').length).toBeGreaterThan(0);
    // Direction is also said in words for screen readers, not only by colour.
    expect(flat(byClass(stats[2]!, 'sr-only')[0]!)).toBe('improved by');
  });

  it('colours a regression down and an unchanged run flat', () => {
    const down = byClass(
      section(page(job({ baseline_score: 70, best_score: 60, improvement: -10 })), 'summary'),
      'stat',
    )[2]!;
    expect(down.attribs.class).toContain('stat-down');
    expect(flat(down)).toContain('−10.0');
    const flatRun = byClass(
      section(page(job({ baseline_score: 70, best_score: 70, improvement: 0 })), 'summary'),
      'stat',
    )[2]!;
    expect(flatRun.attribs.class).toBe('stat');
    expect(flat(flatRun)).toContain('±0.0');
  });

  it('shows null scores as "—", never 0 or NaN', () => {
    const s = section(
      page(
        job({ baseline_score: null, best_score: null, improvement: null, status: 'running', iterations: [] }),
      ),
      'summary',
    );
    const values = byClass(s, 'value').map((v) => flat(v));
    expect(values).toEqual(['—', '—', '—']);
    // While running, the best iteration so far stands in for best_score, as on the card and badge.
    const running = section(page(job({ best_score: null, improvement: null, status: 'running' })), 'summary');
    const best = Math.max(...job().iterations.map((it) => it.avg_score ?? -Infinity));
    expect(flat(byClass(running, 'value')[1]!)).toBe(`${best.toFixed(1)} / 100`);
    expect(flat(s)).not.toMatch(/NaN|0\.0 \/ 100/);
    const base0 = section(page(job({ baseline_score: 0, best_score: 10, improvement: 10 })), 'summary');
    expect(flat(byClass(base0, 'stat')[2]!)).toContain('— relative to baseline');
  });

  it('says so when a finished job has no scores', () => {
    expect(flat(section(page(bareJob({ status: 'completed' })), 'summary'))).toContain(
      'No scores were recorded',
    );
    expect(flat(section(page(bareJob({ status: 'failed' })), 'summary'))).toContain(
      'No scores were recorded',
    );
    // A job without a status may still change, so it shows empty figures and progress instead.
    expect(byTag(section(page(FIX.bare!), 'summary'), 'progress')).toHaveLength(1);
  });

  it('shows progress for a running job', () => {
    const s = section(page(FIX.running!), 'summary');
    const p = byTag(s, 'progress')[0]!;
    expect(p.attribs.max).toBe('20');
    expect(p.attribs.value).toBe('3');
    expect(flat(s)).toContain('Iteration 3 of 20');
    expect(flat(s)).toContain('2 kept · 1 discarded · 15%');
    expect(flat(byClass(s, 'stat')[1]!)).toContain('Best so far');
  });

  it('shows an indeterminate progress bar when the planned count is unknown', () => {
    const s = section(page(job({ status: 'pending', num_iterations: null, iterations: [] })), 'summary');
    const p = byTag(s, 'progress')[0]!;
    expect(p.attribs.max).toBeUndefined();
    expect(flat(s)).toContain('0 iterations so far');
  });

  it('has no progress bar once the job is terminal', () => {
    for (const name of ['completed', 'failed', 'cancelled']) {
      expect(byTag(section(page(FIX[name]!), 'summary'), 'progress')).toHaveLength(0);
    }
  });
});

describe('chart', () => {
  it('labels the iteration axis at a nice, even step from the first iteration', () => {
    const labels = (n: number, count: number) => xTickIndexes(n, count).map((i) => i + 1);
    // The 12-iteration demo job was labelled 1, 3, 5, 7, 8, 10, 12.
    expect(labels(12, 7)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(labels(12, 4)).toEqual([1, 6, 11]);
    expect(labels(5, 7)).toEqual([1, 2, 3, 4, 5]);
    expect(labels(100, 7)).toEqual([1, 21, 41, 61, 81]);
    expect(labels(2000, 7)).toEqual([1, 501, 1001, 1501]);
    for (const n of [2, 7, 8, 13, 37, 99, 101, 1999]) {
      for (const count of [4, 7]) {
        const ix = xTickIndexes(n, count);
        expect(ix.length, `${n}/${count}`).toBeLessThanOrEqual(count);
        expect(ix.length, `${n}/${count}`).toBeGreaterThanOrEqual(Math.min(n, 2));
        const steps = new Set(ix.slice(1).map((x, i) => x - ix[i]!));
        expect(steps.size, `${n}/${count}: ${ix.join(',')}`).toBeLessThanOrEqual(1);
        expect(ix.every((x) => x >= 0 && x < n)).toBe(true);
      }
    }
  });

  function svgs(doc: Doc): El[] {
    return byTag(section(doc, 'chart'), 'svg');
  }
  function pathD(svg: El, cls: string): string | undefined {
    return byClass(svg, cls)[0]?.attribs.d;
  }
  function moves(d: string | undefined): number {
    return (d?.match(/M/g) ?? []).length;
  }

  it('draws a wide and a narrow SVG, each an accessible image with title and desc', () => {
    const doc = page(FIX.completed!);
    const [wide, narrow] = svgs(doc);
    expect(wide!.attribs.class).toContain('chart-wide');
    expect(narrow!.attribs.class).toContain('chart-narrow');
    for (const svg of [wide!, narrow!]) {
      expect(svg.attribs.role).toBe('img');
      const [titleId, descId] = svg.attribs['aria-labelledby']!.split(' ');
      expect(flat(byId(svg, titleId!)!)).toBe('Average score per iteration');
      const desc = flat(byId(svg, descId!)!);
      expect(desc).toContain('6 of 6 iterations scored, from 60.0 to 78.9; 4 kept.');
      expect(desc).toContain('Baseline 61.5');
      expect(desc).toContain('Iterations table');
    }
    // The iterations table is the chart's accessible alternative and is linked from the caption.
    expect(byTag(byTag(section(doc, 'chart'), 'figcaption')[0]!, 'a')[0]!.attribs.href).toBe('#iterations');
  });

  it('draws the score line, markers, baseline and best so far as one path each', () => {
    const [wide] = svgs(page(FIX.completed!));
    expect(moves(pathD(wide!, 's-score'))).toBe(1);
    expect(moves(pathD(wide!, 'm-keep'))).toBe(4);
    expect(moves(pathD(wide!, 'm-discard'))).toBe(2);
    expect(pathD(wide!, 's-base')).toMatch(/^M52 [\d.]+H702$/);
    // Starts at the baseline and only ever steps up.
    const best = pathD(wide!, 's-best')!;
    const ys = [...best.matchAll(/V([\d.]+)/g)].map((m) => Number(m[1]));
    for (let i = 1; i < ys.length; i++) expect(ys[i]!).toBeLessThan(ys[i - 1]!);
    expect(flat(wide!)).toMatch(/Iteration \(order\)/);
  });

  it('stays a handful of elements for 2,000 iterations', () => {
    const [wide] = svgs(page(bigJob(2000)));
    const paths = byTag(wide!, 'path');
    expect(paths.length).toBeLessThanOrEqual(6);
    expect(elements(wide!).length).toBeLessThan(60);
    expect(wide!.attribs.class).toContain('dense');
    expect(moves(pathD(wide!, 's-score'))).toBe(1);
    expect(moves(pathD(wide!, 'm-keep')) + moves(pathD(wide!, 'm-discard'))).toBe(2000);
  });

  it('breaks the line at null scores and leaves them unmarked', () => {
    const j = job({
      iterations: [iteration(0), iteration(1, { avg_score: null }), iteration(2), iteration(3)],
    });
    const [wide] = svgs(page(j));
    expect(moves(pathD(wide!, 's-score'))).toBe(2);
    expect(moves(pathD(wide!, 'm-keep')) + moves(pathD(wide!, 'm-discard'))).toBe(3);
    expect(flat(wide!)).not.toContain('NaN');
  });

  it('handles one iteration, no baseline, no scores, and no iterations', () => {
    const one = svgs(page(FIX.oneIteration!))[0]!;
    expect(pathD(one, 's-score')).toBe('M377 ' + pathD(one, 's-score')!.split(' ')[1]);
    const noBase = svgs(page(job({ baseline_score: null })))[0]!;
    expect(pathD(noBase, 's-base')).toBeUndefined();
    expect(pathD(noBase, 's-best')).toBeDefined();
    const unscored = svgs(page(FIX.nullScores!))[0]!;
    expect(pathD(unscored, 's-score')).toBeUndefined();
    expect(flat(unscored)).toContain('none scored yet');
    const none = page(FIX.pending!);
    expect(svgs(none)).toHaveLength(0);
    expect(flat(section(none, 'chart'))).toContain('No iterations yet');
  });

  it('leaves room for planned iterations while running', () => {
    // The axis runs to the planned 19 iterations: labels past the ones done stand on it.
    const done = FIX.running!.iterations.length;
    const axis = (svg: El) =>
      byTag(svg, 'text')
        .filter(
          (t) =>
            t.attribs.y === byTag(svg, 'text').find((x) => x.attribs['text-anchor'] === 'start')?.attribs.y,
        )
        .map((t) => Number(flat(t)));
    const [wide] = svgs(page(FIX.running!));
    expect(Math.max(...axis(wide!))).toBeGreaterThan(done);
    const [finished] = svgs(page({ ...FIX.running!, status: 'completed' }));
    expect(Math.max(...axis(finished!))).toBeLessThanOrEqual(done);
  });

  it('picks nice ticks', () => {
    expect(niceTicks(58.3, 81.2).ticks).toEqual([55, 60, 65, 70, 75, 80, 85]);
    expect(niceTicks(0, 100).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(50, 50).ticks.length).toBeGreaterThan(1);
    expect(niceTicks(-Infinity, 5).ticks).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(-1e308, 1e308).ticks.length).toBeGreaterThan(0);
  });
});

describe('iterations table', () => {
  it('lists order, name, score, Δ vs baseline, status and description', () => {
    const s = section(page(FIX.completed!), 'iterations');
    const table = byTag(s, 'table')[0]!;
    expect(byTag(byTag(table, 'thead')[0]!, 'th').map((t) => flat(t))).toEqual([
      '#',
      'Name',
      'Score',
      'Δ vs baseline',
      'Status',
      'Description',
    ]);
    const rows = bodyRows(table);
    expect(rows).toHaveLength(6);
    const cells = (r: El) => r.children.filter((c): c is El => 'name' in c).map((c) => flat(c));
    expect(cells(rows[0]!)).toEqual([
      '0',
      'iter_000',
      '60.0',
      '−1.5',
      'Keep',
      'Tried revision 0: adjusted the system prompt and the temperature.',
    ]);
    expect(cells(rows[1]!)[4]).toBe('Discard');
    expect(byClass(rows[0]!, 'dir-down')).toHaveLength(1);
    expect(byClass(rows[2]!, 'dir-up')).toHaveLength(1);
  });

  it('marks the best kept iteration', () => {
    const rows = bodyRows(byTag(section(page(FIX.completed!), 'iterations'), 'table')[0]!);
    const best = rows.filter((r) => r.attribs.class === 'is-best');
    expect(best).toHaveLength(1);
    expect(flat(best[0]!)).toContain('iter_005 best');
  });

  it('sorts by order with nulls last and shows nulls as "—"', () => {
    const j = job({
      iterations: [
        iteration(2),
        iteration(9, { order: null, avg_score: null, status: null, description: null }),
        iteration(0),
      ],
    });
    const rows = bodyRows(byTag(section(page(j), 'iterations'), 'table')[0]!);
    expect(rows.map((r) => flat(r.children[0] as El))).toEqual(['0', '2', '—']);
    expect(flat(rows[2]!)).toBe('— iter_009 — — — —');
  });

  it('renders 2,000 rows in a scrolling box', () => {
    const s = section(page(bigJob(2000)), 'iterations');
    expect(bodyRows(byTag(s, 'table')[0]!)).toHaveLength(2000);
    expect(byClass(s, 'tall')).toHaveLength(1);
  });

  it('says so when there are no iterations', () => {
    expect(flat(section(page(FIX.pending!), 'iterations'))).toContain(
      'No iterations have been recorded yet.',
    );
  });
});

describe('dimensions', () => {
  it('is a matrix with humanized names, shaded cells and distinct penalties', () => {
    const s = section(page(FIX.completed!), 'dimensions');
    const heads = byTag(byTag(s, 'thead')[0]!, 'th');
    expect(heads.map((h) => flat(h))).toEqual([
      '#',
      'Iteration',
      'Score',
      'Structure',
      'Answer',
      'Tool usage',
      'LLM judge',
      'Type correctness penalty',
      'Consistency penalty',
    ]);
    expect(heads[5]!.attribs.title).toBe('avg_tool_usage');
    expect(heads.filter((h) => (h.attribs.class ?? '').includes('pen'))).toHaveLength(2);
    const rows = bodyRows(byTag(s, 'table')[0]!);
    expect(rows).toHaveLength(6);
    const penalty = byClass(rows[0]!, 'neg3')[0]!;
    expect(flat(penalty)).toBe('−1.5');
    expect(byClass(rows[1]!, 'zero').length).toBeGreaterThan(0);
    expect(elements(rows[0]!).some((e) => /lvl[1-4]/.test(e.attribs.class ?? ''))).toBe(true);
  });

  it('shows non-object dimension_scores as JSON instead of dropping them', () => {
    const s = section(page(FIX.nonObjectDims!), 'dimensions');
    const rows = bodyRows(byTag(s, 'table')[0]!);
    expect(rows).toHaveLength(7);
    const json = byClass(s, 'json').map((c) => flat(byTag(c, 'code')[0]!));
    expect(json).toEqual([
      '[1,2,3]',
      '"n/a"',
      '{"avg_answer":"high","avg_structure":3}',
      '{"nested":{"deep":1}}',
      '42',
      'true',
    ]);
    expect(flat(rows[5]!)).toContain('—');
  });

  it('mixes numeric rows and JSON rows in one matrix', () => {
    const j = job({ iterations: [iteration(0), iteration(1, { dimension_scores: ['x'] })] });
    const s = section(page(j), 'dimensions');
    const json = byClass(s, 'json')[0]!;
    expect(json.attribs.colspan).toBe('6');
    expect(flat(json)).toContain('["x"]');
  });

  it('is absent when no iteration has dimension scores', () => {
    expect(byId(page(FIX.pending!), 'dimensions')).toBeNull();
    expect(byId(page(FIX.nullScores!), 'dimensions')).toBeNull();
  });

  it('shades by position within the column', () => {
    const col: Column = { key: 'k', label: 'K', penalty: false, lowPositive: 10, max: 20, min: -3 };
    expect(cellClass(10, col)).toBe('num lvl1');
    expect(cellClass(20, col)).toBe('num lvl4');
    expect(cellClass(15, col)).toBe('num lvl3');
    expect(cellClass(0, col)).toBe('num zero');
    expect(cellClass(-3, col)).toBe('num neg3');
    expect(cellClass(-1, col)).toBe('num neg1');
    expect(cellClass(5, { ...col, lowPositive: 5, max: 5 })).toBe('num lvl4');
  });
});

describe('what changed', () => {
  it('shows the best agent code and one collapsible diff per kept iteration', () => {
    const s = section(page(FIX.completed!), 'changes');
    const details = byTag(s, 'details');
    expect(text(byTag(details[0]!, 'code')[0]!)).toBe(agentCode(5));
    expect(details[0]!.attribs.open).toBeDefined();
    const diffs = details.slice(1);
    expect(diffs.map((d) => flat(byTag(d, 'strong')[0]!))).toEqual([
      'iter_000',
      'iter_002',
      'iter_003',
      'iter_005',
    ]);
    expect(diffs.every((d) => d.attribs.open === undefined)).toBe(true);
    expect(flat(diffs[0]!)).toContain('first version');
    // Against the previous kept one, skipping discarded iterations.
    expect(flat(byTag(diffs[1]!, 'summary')[0]!)).toContain('against iter_000');
    const lines = byTag(diffs[1]!, 'span').filter((e) => /d-(add|del|hunk)/.test(e.attribs.class ?? ''));
    expect(lines.some((l) => text(l).startsWith('+') && text(l).includes('revision 2'))).toBe(true);
    expect(lines.some((l) => text(l).startsWith('-') && text(l).includes('revision 0'))).toBe(true);
    expect(lines.some((l) => text(l).startsWith('@@'))).toBe(true);
  });

  it('diffs the first kept iteration against the first iteration', () => {
    const its = [iteration(0, { status: 'discard' }), iteration(1, { status: 'keep' })];
    const { changes } = keptCodeChanges(its);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.against?.iteration_name).toBe('iter_000');
    expect(changes[0]!.kind).toBe('diff');
  });

  it('reports identical code, and skips iterations without code', () => {
    const its = [
      iteration(0),
      iteration(2, { agent_code: agentCode(0) }),
      iteration(3, { agent_code: null }),
    ];
    const { changes, total } = keptCodeChanges(its);
    expect(total).toBe(2);
    expect(changes.map((c) => c.kind)).toEqual(['initial', 'same']);
  });

  it('caps the number of diffs, their length and the work spent on them', () => {
    const big = keptCodeChanges(sortedIterations(bigJob(2000)));
    expect(big.changes).toHaveLength(DIFF_LIMITS.maxDiffs);
    expect(big.omitted).toBe(big.total - DIFF_LIMITS.maxDiffs);
    expect(big.changes.at(-1)!.iteration.iteration_name).toBe('iter_1998'); // 1999 is discarded

    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p} line ${i}`).join('\n');
    const long = keptCodeChanges(
      [iteration(0, { agent_code: 'a' }), iteration(2, { agent_code: many(300, 'x') })],
      {
        ...DIFF_LIMITS,
        maxLines: 50,
      },
    );
    expect(long.changes[1]!.lines).toHaveLength(50);
    expect(long.changes[1]!.hiddenLines).toBeGreaterThan(200);
    expect(long.changes[1]!.added).toBe(300);

    const huge = keptCodeChanges([
      iteration(0, { agent_code: many(2000, 'a') }),
      iteration(2, { agent_code: many(2000, 'b') }),
    ]);
    expect(huge.changes[1]!.kind).toBe('too-large');
    const giant = keptCodeChanges([
      iteration(0, { agent_code: 'x'.repeat(300_000) }),
      iteration(2, { agent_code: 'y' }),
    ]);
    expect(giant.changes[1]!.kind).toBe('too-large');

    const s = section(page(bigJob(2000)), 'changes');
    expect(flat(s)).toContain(`Showing the latest 50 of ${big.total.toLocaleString('en-US')}`);
    expect(byTag(s, 'details')).toHaveLength(51);
  });

  it('notes a diff cut short on the page', () => {
    // Every fifth line changed: a modest edit whose hunks (with context) run past the line cap.
    const before = Array.from({ length: 800 }, (_, i) => `line ${i}`);
    const after = before.map((l, i) => (i % 5 === 0 ? `${l} changed` : l));
    const its = [
      iteration(0, { agent_code: before.join('\n') }),
      iteration(2, { agent_code: after.join('\n') }),
    ];
    const s = section(page(job({ iterations: its })), 'changes');
    expect(flat(s)).toMatch(/more lines of this diff are not shown/);
  });

  it('is absent without code', () => {
    const j = job({ best_agent_code: null, iterations: [iteration(0, { agent_code: null })] });
    expect(byId(page(j), 'changes')).toBeNull();
  });
});

describe('backtest results', () => {
  it('shows the holdout shape as a table', () => {
    const s = section(page(FIX.completed!), 'backtest');
    const rows = bodyRows(byTag(s, 'table')[0]!).map((r) => flat(r));
    expect(rows).toContain('Holdout score 73.6');
    expect(rows).toContain('Holdout improvement +12.1 pts');
    expect(rows).toContain('Reverted to an earlier iteration No');
    expect(rows).toContain('Rollback iteration —');
    expect(rows).toContain('Holdout weight 0.5');
    expect(byTag(s, 'details').map((d) => flat(byTag(d, 'summary')[0]!))).toEqual([
      'Raw backtest results 13 lines of JSON',
    ]);
  });

  it('shows the per-model shape with totals, dimensions, count and errors', () => {
    const s = section(page(FIX.perModelBacktest!), 'backtest');
    const table = byTag(s, 'table')[0]!;
    const heads = byTag(byTag(table, 'thead')[0]!, 'th').map((t) => flat(t));
    expect(heads).toEqual([
      'Model',
      'Total',
      'Structure',
      'Answer',
      'Tool usage',
      'LLM judge',
      'Type correctness penalty',
      'Confidence',
      'Count',
      'Errors',
    ]);
    const rows = bodyRows(table).map((r) => flat(r));
    expect(rows[0]).toBe('gpt-4o 74.2 19.1 30.4 10.2 15.5 −1.0 0.83 50 —');
    expect(rows[1]).toBe('claude-haiku-4 69.9 18.0 29.0 — — — 0.79 50 —');
    expect(rows[2]).toBe('broken-model — — — — — — — — Rate limited by provider (429)');
  });

  it('classifies shapes', () => {
    expect(classifyBacktest({ holdout: { holdout_score: 1 } })?.holdout).toEqual({ holdout_score: 1 });
    expect(classifyBacktest(PER_MODEL_BACKTEST)?.models).toHaveLength(3);
    expect(classifyBacktest({ a: 1 })).toBeNull();
    expect(classifyBacktest([1])).toBeNull();
    expect(classifyBacktest('x')).toBeNull();
    expect(classifyBacktest({ holdout: 5 })).toBeNull();
  });

  it('shows unknown shapes as pretty JSON', () => {
    for (const name of ['unknownBacktest', 'stringBacktest']) {
      const s = section(page(FIX[name]!), 'backtest');
      expect(byTag(s, 'table')).toHaveLength(0);
      const pre = byTag(s, 'pre')[0]!;
      expect(text(pre)).toBe(JSON.stringify(FIX[name]!.backtest_results, null, 2));
      expect(byTag(s, 'details')[0]!.attribs.open).toBeDefined();
    }
  });

  it('keeps fields that fit neither shape', () => {
    const s = section(page(FIX.mixedBacktest!), 'backtest');
    expect(byTag(s, 'table')).toHaveLength(2);
    expect(flat(s)).toContain('Other fields');
    expect(flat(s)).toContain('"note": "partial"');
  });

  it('is absent when null or empty', () => {
    expect(byId(page(job({ backtest_results: null })), 'backtest')).toBeNull();
    expect(byId(page(job({ backtest_results: {} })), 'backtest')).toBeNull();
  });
});

describe('report and result', () => {
  it('renders report_markdown with GFM tables under the page headings', () => {
    const s = section(page(FIX.completed!), 'report');
    const md = byClass(s, 'markdown')[0]!;
    expect(byTag(md, 'h1')).toHaveLength(0);
    expect(flat(byTag(md, 'h3')[0]!)).toBe('Prompt Optimization Report');
    expect(byTag(md, 'h4').map((h) => flat(h))).toEqual(['Results', 'Iteration Log', 'Notes']);
    const tables = byTag(md, 'table');
    expect(tables).toHaveLength(2);
    expect(byTag(tables[1]!, 'th').map((t) => t.attribs.align)).toEqual([
      'left',
      'right',
      'center',
      undefined,
    ]);
    const link = byTag(md, 'a')[0]!;
    expect(link.attribs.href).toBe('https://docs.example.com/tuning');
    expect(link.attribs.rel).toBe('noopener noreferrer nofollow');
    expect(flat(md)).toContain('☑ Holdout check passed');
    expect(byTag(md, 'input')).toHaveLength(0);
    expect(text(byTag(byTag(md, 'pre')[0]!, 'code')[0]!)).toBe('agent = Agent(model="gpt-4o-mini")\n');
    // One bold fact per line, as the report writes them.
    expect(byTag(byTag(md, 'p')[0]!, 'br').length).toBe(3);
  });

  it("renders a failed run's reason with a banner", () => {
    const doc = page(FIX.failed!);
    expect(flat(section(doc, 'report'))).toContain('Run failed: analyzer model returned 500 three times');
    expect(flat(byClass(doc, 'banner-fail')[0]!)).toContain('This run failed.');
  });

  it('shows result as collapsible pretty JSON', () => {
    const s = section(page(FIX.legacyResult!), 'result');
    const d = byTag(s, 'details')[0]!;
    expect(d.attribs.open).toBeUndefined();
    expect(text(byTag(d, 'code')[0]!)).toBe(JSON.stringify(FIX.legacyResult!.result, null, 2));
    expect(byId(page(FIX.completed!), 'result')).toBeNull();
  });

  it('turns external images into links and keeps safe inline images', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const html = renderMarkdown(
      `![chart](https://img.example/x.png) ![dot](${png}) ![svg](data:image/svg+xml;base64,PHN2Zz4=)`,
    );
    const doc = parse(html);
    const imgs = byTag(doc, 'img');
    expect(imgs).toHaveLength(1);
    expect(imgs[0]!.attribs.src).toBe(png);
    const a = byTag(doc, 'a')[0]!;
    expect(a.attribs.href).toBe('https://img.example/x.png');
    expect(flat(a)).toBe('Image: chart');
    expect(flat(doc)).toContain('svg');
  });

  it('shows raw HTML as text', () => {
    const html = renderMarkdown('Hello <b>world</b>\n\n<div class="x">block</div>');
    expect(flat(parse(html))).toContain('Hello <b>world</b>');
    expect(byTag(parse(html), 'b')).toHaveLength(0);
    expect(byTag(parse(html), 'div')).toHaveLength(0);
  });

  it('keeps relative, anchor and mailto links; drops unsafe ones but keeps their text', () => {
    const doc = parse(
      renderMarkdown(
        '[a](/jobs/x) [b](#top) [c](mailto:a@b.example) [d](javascript:alert(1)) [e](//cdn.example/x)',
      ),
    );
    const links = byTag(doc, 'a').map((a) => [a.attribs.href, a.attribs.rel]);
    expect(links).toEqual([
      ['/jobs/x', undefined],
      ['#top', undefined],
      ['mailto:a@b.example', 'noopener noreferrer nofollow'],
      ['//cdn.example/x', 'noopener noreferrer nofollow'],
    ]);
    expect(flat(doc)).toContain('d');
  });

  it('survives pathological input without crashing', () => {
    const deep = '>'.repeat(20_000) + ' x';
    expect(() => renderMarkdown(deep)).not.toThrow();
    const nested = '- '.repeat(5_000) + 'x';
    expect(() => renderMarkdown(nested)).not.toThrow();
    const tooBig = 'a'.repeat(2_100_000);
    const out = renderMarkdown(tooBig);
    expect(out).toContain('too large to format');
    expect(out.length).toBeLessThan(250_000);
  });

  it('renders about 1 MB of table-heavy markdown', () => {
    const md = bigMarkdown(1_000_000);
    const html = renderMarkdownUncached(md);
    expect(byTag(parse(html), 'tr').length).toBeGreaterThan(5000);
    // Memoised: the same text renders to the same string.
    expect(renderMarkdown(md)).toBe(renderMarkdown(md));
  });

  it('renders a 2,000-iteration job with a 1 MB report', () => {
    const doc = page(bigJob(2000, 1_000_000));
    expect(bodyRows(byTag(section(doc, 'iterations'), 'table')[0]!)).toHaveLength(2000);
    expect(byTag(section(doc, 'report'), 'tr').length).toBeGreaterThan(5000);
  });
});

describe('live jobs and stale copies', () => {
  it('never refreshes itself; pending, running and status-less jobs say they are live, terminal ones do not', () => {
    // The live behaviour itself (script, hooks, CSP) is in test/live-page.test.ts.
    for (const j of [FIX.running!, FIX.pending!, job({ status: null })]) {
      const doc = page(j);
      expect(byTag(doc, 'meta').filter((m) => m.attribs['http-equiv'] !== undefined)).toEqual([]);
      expect(byClass(doc, 'banner-live')).toHaveLength(1);
    }
    expect(flat(byClass(page(FIX.running!), 'banner-live')[0]!)).toMatch(
      /still running; this page shows it as of/,
    );
    for (const s of ['completed', 'failed', 'cancelled'] as const) {
      expect(byClass(page(job({ status: s })), 'banner-live')).toHaveLength(0);
      expect(byTag(page(job({ status: s })), 'script')).toHaveLength(0);
    }
  });

  it('says when a stale copy is shown, and why', () => {
    const doc = page(FIX.completed!, { stale: { reason: 'upstream timed out' } });
    const banner = byClass(doc, 'banner-warn')[0]!;
    expect(flat(banner)).toContain('Showing a saved copy.');
    expect(flat(banner)).toContain('upstream timed out');
    expect(byClass(page(FIX.completed!), 'banner-warn')).toHaveLength(0);
  });
});

describe('sharing', () => {
  it('has title, description, canonical and Open Graph / Twitter tags with absolute URLs', () => {
    const doc = page(FIX.completed!);
    const base = 'https://edge.example/jobs/00000000-0000-4000-8000-000000000001';
    expect(flat(byTag(doc, 'title')[0]!)).toBe('support-agent-json · Completed · overmind');
    const description = meta(doc, 'description')!;
    expect(description).toBe(
      'Prompt Tuning · Completed · Baseline 61.5 → best 78.2 (+16.7 pts, +27.2%) · 6 of 6 iterations · analyzer claude-sonnet-4',
    );
    expect(byTag(doc, 'link').find((l) => l.attribs.rel === 'canonical')!.attribs.href).toBe(base);
    expect(meta(doc, 'og:title')).toBe('support-agent-json');
    expect(meta(doc, 'og:description')).toBe(description);
    expect(meta(doc, 'og:url')).toBe(base);
    expect(meta(doc, 'og:image')).toBe(`${base}/og.v3f9a1c.png`);
    expect(meta(doc, 'og:image:width')).toBe('1200');
    expect(meta(doc, 'og:image:height')).toBe('630');
    expect(meta(doc, 'twitter:card')).toBe('summary_large_image');
    expect(meta(doc, 'twitter:image')).toBe(`${base}/og.v3f9a1c.png`);
  });

  it('offers Markdown, HTML and <picture> snippets for the badge and the card', () => {
    const s = section(page(FIX.completed!), 'share');
    const snippets = byTag(s, 'pre').map((p) => text(p));
    const base = 'https://edge.example/jobs/00000000-0000-4000-8000-000000000001';
    expect(snippets).toHaveLength(6);
    expect(snippets[0]).toBe(`[![overmind score: support-agent-json](${base}/badge.v3f9a1c.svg)](${base})`);
    expect(snippets[1]).toBe(
      `<a href="${base}"><img src="${base}/badge.v3f9a1c.svg" alt="overmind score: support-agent-json" height="20"></a>`,
    );
    expect(snippets[2]).toContain(
      `<source media="(prefers-color-scheme: dark)" srcset="${base}/badge.v3f9a1c.svg?theme=dark">`,
    );
    expect(snippets[2]).toContain('<picture>');
    expect(snippets[3]).toContain(`${base}/og.v3f9a1c.png`);
    expect(snippets[5]).toContain(`${base}/og.v3f9a1c.png?theme=dark`);
    // Previews load by path from this origin.
    expect(byTag(s, 'img').map((i) => i.attribs.src)).toEqual([
      '/jobs/00000000-0000-4000-8000-000000000001/badge.v3f9a1c.svg',
      '/jobs/00000000-0000-4000-8000-000000000001/og.v3f9a1c.png',
    ]);
  });

  it('escapes the title for the snippet targets', () => {
    const s = shareSnippets(job({ prompt_slug: 'a "quoted" [link](x) <b>' }), CTX.origin, 'v1');
    expect(s.badgeHtml).toContain('alt="overmind score: a &quot;quoted&quot; [link](x) &lt;b&gt;"');
    expect(s.badgeMarkdown).toContain('[![overmind score: a "quoted" \\[link\\](x) \\<b\\>]');
    expect(escapeMarkdownAlt('a\nb]')).toBe('a b\\]');
  });

  it('describes jobs of every shape in one line', () => {
    expect(describeJob(FIX.bare!)).toBe('Job · Status unknown');
    expect(describeJob(FIX.running!)).toContain('3 of 20 iterations');
    expect(describeJob(job({ analyzer_model: 'x'.repeat(500) })).length).toBeLessThanOrEqual(300);
  });
});

describe('international text and long names', () => {
  it('keeps CJK, emoji and RTL text intact and direction-isolated', () => {
    const doc = page(FIX.i18n!);
    const h1 = byTag(doc, 'h1')[0]!;
    expect(flat(h1)).toBe('客服代理 — الوكيل 🤖 エージェント');
    expect(h1.attribs.dir).toBe('auto');
    const names = bodyRows(byTag(section(doc, 'iterations'), 'table')[0]!).map((r) => byTag(r, 'th')[0]!);
    expect(names.map((n) => flat(n))).toEqual(['迭代_一 🚀', 'עברית_שתיים', 'iter_002 best']);
    expect(names.every((n) => n.attribs.dir === 'auto')).toBe(true);
    const heads = byTag(byTag(section(doc, 'dimensions'), 'thead')[0]!, 'th').map((t) => flat(t));
    expect(heads).toContain('正确性');
    expect(heads).toContain('Emoji ✨');
    expect(flat(section(doc, 'report'))).toContain('שלום עולם');
  });

  it('renders very long names without truncating them on the page', () => {
    const doc = page(FIX.longNames!);
    expect(flat(byTag(doc, 'h1')[0]!)).toBe('x'.repeat(255));
    expect(flat(byTag(doc, 'title')[0]!).length).toBeLessThan(130);
    expect(meta(doc, 'og:title')!.length).toBeLessThanOrEqual(90);
    expect(flat(section(doc, 'iterations'))).toContain('n'.repeat(64));
  });
});

describe('error and index pages', () => {
  const cases: [number, string, string, string][] = [
    [400, 'invalid_id', 'Job id must be a UUID (got "nope").', 'That is not a job id'],
    [404, 'not_found', 'Not found.', 'Job not found'],
    [502, 'upstream_unavailable', 'The upstream answered 503.', 'The Overmind API is unavailable'],
    [504, 'upstream_timeout', 'No answer within 8 s.', 'The Overmind API did not answer in time'],
    [418, 'teapot', 'Odd.', 'Request not understood'],
  ];
  for (const [status, code, detail, title] of cases) {
    it(`renders a ${status} page`, () => {
      const html = renderErrorPage(status, code, detail, { origin: CTX.origin });
      expect(html.startsWith('<!doctype html>')).toBe(true);
      const doc = parse(html);
      expect(flat(byTag(doc, 'h1')[0]!)).toBe(title);
      expect(flat(doc)).toContain(detail);
      expect(flat(doc)).toContain(`${status} · ${code}`);
      expect(meta(doc, 'robots')).toBe('noindex');
      expect(byTag(doc, 'script')).toHaveLength(0);
      expect(byTag(doc, 'style')).toHaveLength(1);
      expect(byTag(doc, 'a').some((a) => a.attribs.href === '/')).toBe(true);
    });
  }

  it('lists demo jobs with status and best score in demo mode', () => {
    const jobs = [FIX.completed!, FIX.running!, FIX.bare!];
    const doc = parse(renderIndexPage(jobs, { origin: CTX.origin, versions: { [FIX.completed!.id]: 'v9' } }));
    const rows = bodyRows(byTag(section(doc, 'jobs'), 'table')[0]!);
    expect(rows).toHaveLength(3);
    expect(byTag(rows[0]!, 'a')[0]!.attribs.href).toBe('/jobs/00000000-0000-4000-8000-000000000001');
    expect(flat(rows[0]!)).toContain('support-agent-json Prompt Tuning Completed 78.2');
    expect(flat(rows[2]!)).toContain('Job 00000000 — Unknown status —');
    expect(byTag(rows[0]!, 'img')[0]!.attribs.src).toBe(
      '/jobs/00000000-0000-4000-8000-000000000001/badge.v9.svg',
    );
    expect(byTag(rows[2]!, 'img')).toHaveLength(0);
    expect(byId(doc, 'urls')).not.toBeNull();
  });

  it('explains the URL forms in upstream mode', () => {
    const doc = parse(renderIndexPage(null, { origin: CTX.origin }));
    expect(byId(doc, 'jobs')).toBeNull();
    const t = flat(section(doc, 'urls'));
    expect(t).toContain('/jobs/{id}');
    expect(t).toContain('/api/jobs/{id}/');
    expect(t).toContain('/jobs/{id}/badge.svg');
    expect(t).toContain('Example: https://edge.example/jobs/{id}');
    expect(byTag(doc, 'img')).toHaveLength(0);
  });

  it('renders an empty demo list', () => {
    expect(flat(parse(renderIndexPage([], { origin: CTX.origin })))).toContain('No demo jobs.');
  });
});

describe('the upstream reference example', () => {
  it('renders its placeholder values sensibly', () => {
    const doc = page(FIX.referenceExample!);
    expect(flat(byTag(doc, 'h1')[0]!)).toBe('prompt_slug');
    const rows = bodyRows(byTag(section(doc, 'iterations'), 'table')[0]!);
    expect(flat(rows[0]!)).toBe('-9007199254740991 iteration_name best 0.0 ±0.0 Keep description');
    expect(flat(byClass(doc, 'facts')[0]!)).not.toMatch(/candidates|-9,007/);
    expect(describeJob(FIX.referenceExample!)).toBe(
      'Inference · Pending · Baseline 0.0 → best 0.0 (±0.0 pts, —) · 1 iteration · analyzer analyzer_model',
    );
    expect(byId(doc, 'backtest')).toBeNull();
    expect(byId(doc, 'result')).toBeNull();
  });
});
