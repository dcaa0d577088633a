import { describe, expect, it } from 'vitest';
import { compareJobs } from '../src/comparison';
import type { Env } from '../src/env';
import { addressScanCost, exceedsScanBudget, renderMarkdownUncached } from '../src/markdown';
import { loggablePath } from '../src/log';
import { JobSchema } from '../src/schema';
import { importShareKey, mintShareToken } from '../src/share';
import { SUMMARY_MAX_BYTES, SummarySchema } from '../src/summary';
import { JOB_ID, OTHER_ID, upstreamJob } from './fixtures/upstream-jobs';
import { clock, harness, json, strictUpstreams, UPSTREAM_ENV } from './helpers';

// Six ways a schema-valid job used to win against the service, each pinned by a test that
// failed before its fix: a report that made marked quadratic, nesting that overflowed the stack
// while printing JSON, a summary past its 2 KB bound, and dimension names that met
// Object.prototype. (Share tokens in platform logs: test/e2e/wrangler-dev.test.ts; the Action's
// comment ownership: test/e2e/action.test.ts.)

const upstream = strictUpstreams();
const text = async (res: Response) => res.text();

function serving(body: string | Record<string, unknown>) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return harness({
    upstream: upstream(() => new Response(raw, { headers: { 'Content-Type': 'application/json' } })),
  });
}

/** `[[[…0…]]]`, `depth` arrays deep, as raw JSON text (JSON.stringify itself would overflow). */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;

/** A job body whose `field` is `raw` JSON text, spliced in as the upstream would send it. */
function withRawField(field: 'result' | 'backtest_results', raw: string): string {
  const body = JSON.stringify(upstreamJob({ [field]: '__RAW__', status: 'completed' }));
  return body.replace('"__RAW__"', raw);
}

describe('markdown whose inline lexing is superlinear', () => {
  it(
    'a 300 KB report of one repeated emphasis opener renders as plain text with a note, at once',
    { timeout: 30_000 },
    async () => {
      const md = '_a'.repeat(150_000);
      expect(exceedsScanBudget(md)).toBe(true);
      const h = serving(upstreamJob({ report_markdown: md, status: 'completed' }));
      const res = await h.fetch(`/jobs/${JOB_ID}`);
      expect(res.status).toBe(200);
      const page = await text(res);
      expect(page).toContain('would take too long to format');
      expect(page).toContain('<pre><code>_a_a_a');
    },
  );

  it('every emphasis pattern that scans the rest of its run is caught, and prose is not', () => {
    for (const unit of ['_a', '*a', '**a', '__a', '*_a', '_*a', '~a', '`a', '!a']) {
      // 60 KB: formatting `*_a` this size took 64 s before.
      const md = unit.repeat(Math.ceil(60_000 / unit.length));
      expect(exceedsScanBudget(md), unit).toBe(true);
      expect(renderMarkdownUncached(md), unit).toMatch(
        /^<p><em>This report is nested too deeply or has runs/,
      );
    }
    const prose =
      'A **bold** claim, an _aside_, `code`, a [link](https://example.com/a_b_c) and snake_case_names. '
        .repeat(2_000)
        .concat('\n\n| a | b |\n|---|---|\n| **x** | _y_ |\n'.repeat(500));
    expect(addressScanCost(prose) / prose.length).toBeLessThan(8);
    expect(exceedsScanBudget(prose)).toBe(false);
    expect(renderMarkdownUncached(prose)).toContain('<strong>bold</strong>');
  });
});

describe('emphasis openers that never close', () => {
  it(
    'are read as text after 32 misses per inline run: 64 KB of `**1@` formats at once',
    { timeout: 30_000 },
    () => {
      // Before, each opener scanned the rest of its paragraph: 5 KB took 0.7 s, 64 KB about two minutes.
      for (const unit of ['**1@', '*a@', '_1@', '~~1@']) {
        const md = unit.repeat(16_000);
        expect(exceedsScanBudget(md), unit).toBe(false);
        const html = renderMarkdownUncached(md);
        expect(html.startsWith('<p>'), unit).toBe(true);
        expect(html, unit).toContain(unit.repeat(100));
      }
      // Closed emphasis is untouched, however much of it a paragraph has.
      const closed = renderMarkdownUncached('**a** _b_ ~~c~~ '.repeat(2_000));
      expect(closed.match(/<strong>a<\/strong>/g)).toHaveLength(2_000);
      expect(closed.match(/<del>c<\/del>/g)).toHaveLength(2_000);
    },
  );
});

describe('JSON nested deeper than the stack', () => {
  for (const field of ['result', 'backtest_results'] as const) {
    it(`a ${field} of 100,000 nested arrays is refused with its reason, never a 500, and stale is served`, async () => {
      const t = clock();
      const good = JSON.stringify(upstreamJob({ status: 'running' }));
      let body = good;
      const h = harness({
        clock: t,
        upstream: upstream(() => new Response(body, { headers: { 'Content-Type': 'application/json' } })),
      });
      // No copy yet: a precise 502 on every face.
      body = withRawField(field, nestedArrays(100_000));
      const api = await h.fetch(`/api/jobs/${JOB_ID}/`);
      expect(api.status).toBe(502);
      expect(await api.json()).toEqual({
        code: 'upstream_invalid',
        detail: expect.stringContaining(`${field}: nested more than 256 levels deep`) as unknown,
      });
      const page = await h.fetch(`/jobs/${JOB_ID}`);
      expect(page.status).toBe(502);
      await page.body?.cancel();
      // A good copy, then the nested answer: the good copy stands in, marked stale.
      body = good;
      expect((await h.fetch(`/api/jobs/${JOB_ID}/`)).status).toBe(200);
      t.advance(3600);
      body = withRawField(field, nestedArrays(100_000));
      for (const path of [`/api/jobs/${JOB_ID}/`, `/jobs/${JOB_ID}`, `/api/jobs/${JOB_ID}/summary`]) {
        const res = await h.fetch(path);
        expect(res.status, path).toBe(200);
        await res.body?.cancel();
      }
    });

    it(`a ${field} nested 200 levels is served, and the page prints 64 of them with a note`, async () => {
      const h = serving(withRawField(field, nestedArrays(200)));
      const api = await h.fetch(`/api/jobs/${JOB_ID}/`);
      expect(api.status).toBe(200);
      await api.body?.cancel();
      const page = await h.fetch(`/jobs/${JOB_ID}`);
      expect(page.status).toBe(200);
      expect(await text(page)).toContain('Nested more than 64 levels deep');
      for (const face of ['comment.md', 'og.svg', 'badge.svg']) {
        const res = await h.fetch(`/jobs/${JOB_ID}/${face}`);
        expect(res.status, face).toBe(200);
        await res.body?.cancel();
      }
    });
  }

  it('dimension_scores nested 200 levels answer on the page, the comment and the comparison', async () => {
    const iteration = (upstreamJob().iterations as Record<string, unknown>[])[0]!;
    const body = JSON.stringify(
      upstreamJob({ iterations: [{ ...iteration, dimension_scores: '__RAW__' }], status: 'completed' }),
    ).replace('"__RAW__"', `{"deep": ${nestedArrays(200)}}`);
    const h = serving(body);
    for (const path of [`/jobs/${JOB_ID}`, `/jobs/${JOB_ID}/comment.md`, `/compare/${JOB_ID}...${JOB_ID}`]) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(200);
      await res.body?.cancel();
    }
  });
});

describe('the summary stays under 2 KB for every job the schema accepts', () => {
  it('refuses timestamps finer than microseconds, as the upstream never sends them', () => {
    const ok = upstreamJob({ created_at: '2026-11-30T12:00:00.123456+00:00' });
    expect(JobSchema.safeParse(ok).success).toBe(true);
    const absurd = upstreamJob({ updated_at: `2026-11-30T12:00:00.${'1'.repeat(4000)}Z` });
    expect(JobSchema.safeParse(absurd).success).toBe(false);
  });

  it('cuts control characters in the title and best iteration name by their JSON size', async () => {
    const ctl = '\u0007'.repeat(255);
    const iteration = (upstreamJob().iterations as Record<string, unknown>[])[0]!;
    const h = serving(
      upstreamJob({
        prompt_slug: ctl,
        iterations: [{ ...iteration, iteration_name: '\u0001'.repeat(64), status: 'keep', avg_score: 50 }],
      }),
    );
    const res = await h.fetch(`/api/jobs/${JOB_ID}/summary`);
    const raw = await res.text();
    expect(new TextEncoder().encode(raw).byteLength).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const s = SummarySchema.parse(JSON.parse(raw));
    expect(s.title).toBe(`${ctl.slice(0, Math.floor((400 - 3) / 6))}…`);
    expect(s.best_iteration?.name).toBe(`${'\u0001'.repeat(Math.floor((160 - 3) / 6))}…`);
  });

  it('under a share segment of four tokens, links carry only the token that opens the job', async () => {
    const SECRET = 'a-share-secret-of-at-least-32-characters!!';
    const env: Env = { ...UPSTREAM_ENV, SHARE_MODE: 'signed', SHARE_SECRET: SECRET };
    const key = await importShareKey(SECRET);
    const ids = [JOB_ID, OTHER_ID, crypto.randomUUID(), crypto.randomUUID()];
    const tokens = await Promise.all(ids.map((jobId) => mintShareToken(key, { jobId, expiresAt: null })));
    const h = harness({
      env,
      upstream: upstream((req) =>
        json(upstreamJob({ id: decodeURIComponent(/jobs\/([^/]+)/.exec(req.url)![1]!) })),
      ),
    });
    const segment = tokens.join('.');
    const res = await h.fetch(`/s/${segment}/api/jobs/${JOB_ID}/summary`);
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(new TextEncoder().encode(raw).byteLength).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
    const s = SummarySchema.parse(JSON.parse(raw));
    for (const link of Object.values(s.links)) {
      expect(link.startsWith(`https://edge.test/s/${tokens[0]}/`), link).toBe(true);
      // The narrowed link opens the same job on its own.
      const again = await h.fetch(link.replace('https://edge.test', ''), { method: 'HEAD' });
      expect(again.status, link).toBe(200);
    }
  });
});

describe('dimension names are data, never Object.prototype', () => {
  const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
  const dims = (offset: number) =>
    JSON.parse(`{${NAMES.map((n, i) => `"${n}": ${i + offset}`).join(',')}}`) as object;
  const job = (offset: number) => {
    const it = (upstreamJob().iterations as Record<string, unknown>[])[0]!;
    return JobSchema.parse(
      upstreamJob({ iterations: [{ ...it, status: 'keep', avg_score: 50, dimension_scores: dims(offset) }] }),
    );
  };

  it('compareJobs keeps every one of them, with both sides', () => {
    const cmp = compareJobs(job(1), job(11));
    expect(cmp.dimensions.map((d) => d.key)).toEqual(NAMES);
    expect(cmp.dimensions.map((d) => d.change)).toEqual(NAMES.map(() => 10));
  });

  it('the report, the comment and the backtest table show them', async () => {
    const backtest = JSON.parse(
      '{"holdout": {"constructor": 1, "toString": 2}, "__proto__": {"avg_total": 3}, "valueOf": {"x": 1}}',
    ) as object;
    const raw = JSON.stringify({ ...job(1), backtest_results: backtest });
    const h = serving(
      raw.replace('"backtest_results":{', '"backtest_results":{"__proto__":{"avg_total":3},'),
    );
    const page = await h.fetch(`/jobs/${JOB_ID}`);
    expect(page.status).toBe(200);
    const html = await text(page);
    for (const name of ['Constructor', 'ToString', 'HasOwnProperty', 'ValueOf', 'Proto'])
      expect(html).toContain(name);
    const comment = await text(await h.fetch(`/jobs/${JOB_ID}/comment.md`));
    expect(comment).toMatch(/Constructor/);
    expect(comment).toMatch(/Proto/);
  });
});

describe('log lines hold no share token', () => {
  it('a path under a share segment is logged with the segment cut out', () => {
    expect(loggablePath('/s/AbC-123.def_456/jobs/x/og.png')).toBe('/s/…/jobs/x/og.png');
    expect(loggablePath('/s/AbC-123')).toBe('/s/…');
    expect(loggablePath('/jobs/x/s/y')).toBe('/jobs/x/s/y');
  });
});

describe('reports of many tiny blocks', () => {
  it('past 50,000 lines a report is shown as plain text: each block has a fixed cost', () => {
    const md = '- a\n'.repeat(60_000);
    const out = renderMarkdownUncached(md);
    expect(out).toMatch(/^<p><em>This report is too large to format \(240,000 characters, 60,001 lines\)/);
    expect(renderMarkdownUncached('- a\n'.repeat(1_000))).toContain('<li>a</li>');
  });
});
