import { marked, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { buildComment, commentMarker, COMMENT_MAX_CHARS } from '../src/comment';
import { compareJobs, comparisonVersion } from '../src/comparison';
import { DEMO_JOBS } from '../src/demo-data';
import { mdText } from '../src/markdown-escape';
import { numericDimensions } from '../src/present';
import { bestKept, headline } from '../src/views/common/job';
import { formatDelta, formatScore } from '../src/views/common/format';
import { JobSchema, type Job } from '../src/schema';
import { SummarySchema } from '../src/summary';
import { formatSigned } from '../src/views/common/format';
import { bigJob, byTag, elements, iteration, job, parse, text } from './fixtures/report-jobs';
import { XSS_CORPUS } from './fixtures/xss-corpus';
import { XSS_JOBS } from './fixtures/xss-jobs';
import { harness, json, strictUpstreams } from './helpers';

// The pull-request comment, read the way GitHub reads it: parsed by a GFM renderer that
// autolinks bare URLs and e-mail addresses (marked, gfm: true), then inspected as HTML.

// Tests that render dozens of comments, pages or cards get 60 s instead of 5: on a loaded
// two-core machine they take several seconds.
const ORIGIN = 'https://edge.test';
const demoIds = DEMO_JOBS.map((j) => (j as { id: string }).id);
const upstream = strictUpstreams();

/** Elements a comment may render to; `span` is only ever the `<span>$</span>` of a dollar sign. */
const COMMENT_TAGS = new Set([
  'h3',
  'p',
  'strong',
  'a',
  'img',
  'blockquote',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'sub',
  'code',
  'span',
]);

/** What mdText drops (or, for white space, turns into a space). */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g;

function html(md: string): string {
  return marked.parse(md, { gfm: true, async: false });
}

function tables(md: string): Tokens.Table[] {
  const out: Tokens.Table[] = [];
  marked.walkTokens(marked.lexer(md, { gfm: true }), (t) => {
    if (t.type === 'table') out.push(t as Tokens.Table);
  });
  return out;
}

/** The token tree's shape: types and table sizes, without the text. */
function shape(md: string): string {
  const walk = (tokens: Token[]): string =>
    tokens
      .filter((t) => t.type !== 'space')
      .map((t) => {
        if (t.type === 'table') {
          const tt = t as Tokens.Table;
          return `table(${tt.header.length}x${tt.rows.length})`;
        }
        // Inline text splits differently around escapes; block structure and links are what count.
        if (t.type === 'text' || t.type === 'escape' || t.type === 'codespan') return '';
        // A dollar sign's <span> is text (checked in expectSafe), not structure.
        if (t.type === 'html' && /^<\/?span>$/.test((t as Tokens.HTML).text.trim())) return '';
        if (t.type === 'html') return `html(${(t as Tokens.HTML).text.trim()})`;
        const children = 'tokens' in t && Array.isArray(t.tokens) ? walk(t.tokens as Token[]) : '';
        return `${t.type}[${children}]`;
      })
      .filter((s) => s !== '')
      .join(',');
  return walk(marked.lexer(md, { gfm: true }));
}

/** What every comment must be, whatever the job: the rules of the issue, checked on the rendered HTML. */
function expectSafe(md: string, label: string) {
  expect(md.length, label).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
  expect(md.split('\n')[0], label).toMatch(/^<!-- overmind-edge( key=[A-Za-z0-9._-]+)? -->$/);
  // Exactly the one HTML comment: nothing from the job opens another.
  expect(md.match(/<!--/g)?.length, label).toBe(1);
  for (const t of tables(md)) {
    expect(t.align.length, label).toBe(t.header.length);
    for (const row of t.rows) expect(row.length, label).toBe(t.header.length);
  }
  const doc = parse(html(md));
  for (const el of elements(doc)) {
    expect(COMMENT_TAGS.has(el.name), `${label}: <${el.name}>`).toBe(true);
    if (el.name === 'span') expect(text(el), label).toBe('$');
    if (el.name === 'a') expect(el.attribs.href ?? '', `${label}: link`).toMatch(/^https:\/\/edge\.test\//);
    if (el.name === 'img') expect(el.attribs.src ?? '', `${label}: image`).toMatch(/^https:\/\/edge\.test\//);
  }
  const body = text(doc);
  // No mention, issue reference or bare URL survives for GitHub to find in the rendered text.
  expect(body, `${label}: mention`).not.toMatch(/(^|[^\w`])@[A-Za-z0-9]/);
  expect(body, `${label}: reference`).not.toMatch(/#\d|GH-\d/i);
  expect(body, `${label}: url`).not.toMatch(/:\/\/|www\./i);
}

/** A figures table as { row label: cells }. */
function figureRows(md: string): Record<string, string[]> {
  const t = tables(md)[0];
  if (!t) throw new Error('no table');
  return Object.fromEntries(t.rows.map((r) => [r[0]?.text ?? '', r.slice(1).map((c) => c.text)]));
}

async function demoSummary(h: ReturnType<typeof harness>, id: string) {
  return SummarySchema.parse(await (await h.fetch(`/api/jobs/${id}/summary`)).json());
}

async function demoJob(h: ReturnType<typeof harness>, id: string): Promise<Job> {
  return JobSchema.parse(await (await h.fetch(`/api/jobs/${id}/`)).json());
}

describe('mdText', () => {
  it('keeps text literal, on one line, pinging and linking nothing', () => {
    expect(mdText('a | b')).toBe('a \\| b');
    expect(mdText('line one\nline two\r\n\tthree')).toBe('line one line two three');
    expect(mdText('# heading')).toBe('\\# heading');
    expect(mdText('- item')).toBe('\\- item');
    expect(mdText('12. item')).toBe('12\\. item');
    expect(mdText('<!-- x -->')).toBe('\\<\\!-- x --\\>');
    expect(mdText('@octocat and @github/security')).toBe('@\u200Boctocat and @\u200Bgithub/security');
    expect(mdText('fixes #12 and GH-3')).toBe('fixes \\#\u200B12 and GH-\u200B3');
    expect(mdText('https://evil.example www.evil.example')).toBe(
      'https:\u200B//evil.example www\u200B.evil.example',
    );
    expect(mdText('costs $5 or $6')).toBe('costs <span>$</span>5 or <span>$</span>6');
    // The input's own invisible characters go: only the escapes' zero-width spaces remain.
    expect(mdText('a\u200Bb\u202Ec')).toBe('abc');
    expect(mdText('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('renders every XSS payload back as its own text, one paragraph, no element', () => {
    for (const payload of XSS_CORPUS) {
      const md = `before ${mdText(payload)} after`;
      const doc = parse(html(md));
      const tags = elements(doc)
        .map((e) => e.name)
        .filter((t) => t !== 'span');
      expect(tags, payload).toEqual(['p']);
      const expected = payload
        .replace(INVISIBLE, (c) => (/\s/.test(c) ? ' ' : ''))
        .replace(/\s+/g, ' ')
        .trim()
        .normalize('NFC');
      expect(
        text(doc)
          .replace(/\u200B/g, '')
          .trim(),
        payload,
      ).toBe(`before ${expected} after`.replace(/\s+/g, ' '));
    }
  });
});

describe('the comment of every demo job', () => {
  it(
    'is safe, fits, leads with the marker, and shows the versioned card linked to the report',
    { timeout: 60_000 },
    async () => {
      const h = harness({ env: { UPSTREAM_URL: '' } });
      for (const id of demoIds) {
        const res = await h.fetch(`/jobs/${id}/comment.md`);
        expect(res.status, id).toBe(200);
        expect(res.headers.get('Content-Type')).toBe('text/markdown; charset=utf-8');
        const md = await res.text();
        expectSafe(md, id);
        expect(md.split('\n')[0]).toBe(commentMarker());
        const summary = await demoSummary(h, id);
        const doc = parse(html(md));
        const img = byTag(doc, 'img')[0];
        expect(img?.attribs.src, id).toBe(summary.links.card);
        expect(img?.parent && 'attribs' in img.parent ? img.parent.attribs.href : null, id).toBe(
          summary.links.report,
        );
        const hrefs = byTag(doc, 'a').map((a) => a.attribs.href);
        expect(hrefs).toContain(summary.links.report);
        expect(hrefs).toContain(summary.links.json);
        // The card it shows answers, as an immutable PNG.
        const card = await h.fetch(summary.links.card.replace(ORIGIN, ''));
        expect(card.status).toBe(200);
        expect(card.headers.get('Content-Type')).toBe('image/png');
        expect(card.headers.get('Cache-Control')).toContain('immutable');
      }
    },
  );

  it(
    'has the job’s numbers: the summary’s figures, the best iteration’s dimensions, every iteration',
    { timeout: 60_000 },
    async () => {
      const h = harness({ env: { UPSTREAM_URL: '' } });
      for (const id of demoIds) {
        const md = await (await h.fetch(`/jobs/${id}/comment.md`)).text();
        const job = await demoJob(h, id);
        const s = await demoSummary(h, id);
        const rows = figureRows(md);
        expect(rows.Baseline, id).toEqual([formatScore(s.baseline_score)]);
        expect(rows.Best, id).toEqual([`**${formatScore(s.best_score)}**`]);
        expect(rows.Improvement?.[0], id).toMatch(new RegExp(`^${escapeRe(formatDelta(s.improvement))}`));
        expect(rows.Iterations?.[0], id).toContain(`${s.iterations.kept} kept`);
        const best = bestKept(job.iterations);
        const dims = numericDimensions(best?.dimension_scores);
        const all = tables(md);
        if (best && dims && dims.size > 0) {
          const dimTable = all.find((t) => t.header[0]?.text === 'Dimension');
          expect(
            dimTable?.rows.map((r) => r[1]?.text),
            id,
          ).toEqual([...dims.values()].map((v) => formatSigned(v)));
        }
        const iterTable = all.find((t) => t.header[1]?.text === 'Iteration');
        expect(iterTable?.rows.length ?? 0, id).toBe(job.iterations.length);
        if (s.best_score != null) expect(md).toContain(`**${formatScore(s.best_score)}**`);
      }
    },
  );

  it(
    'against every other demo job: base, this run and a signed change per figure, the comparison card and page',
    { timeout: 60_000 },
    async () => {
      const h = harness({ env: { UPSTREAM_URL: '' } });
      for (const headId of demoIds) {
        for (const baseId of demoIds) {
          if (baseId === headId) continue;
          const res = await h.fetch(`/jobs/${headId}/comment.md?base=${baseId}`);
          expect(res.status).toBe(200);
          const md = await res.text();
          const label = `${headId} vs ${baseId}`;
          expectSafe(md, label);
          const [head, base] = [await demoSummary(h, headId), await demoSummary(h, baseId)];
          const rows = figureRows(md);
          expect(tables(md)[0]?.header.map((c) => c.text)).toEqual(['', 'Base run', 'This run', 'Change']);
          expect(rows.Baseline?.slice(0, 2), label).toEqual([
            formatScore(base.baseline_score),
            formatScore(head.baseline_score),
          ]);
          expect(rows.Best?.slice(0, 2), label).toEqual([
            formatScore(base.best_score),
            `**${formatScore(head.best_score)}**`,
          ]);
          const change =
            head.best_score != null && base.best_score != null ? head.best_score - base.best_score : null;
          expect(rows.Best?.[2], label).toMatch(new RegExp(`${escapeRe(formatDelta(change))}$`));
          if (change != null && change > 0.05) expect(rows.Best?.[2]).toMatch(/^🟢/);
          if (change != null && change < -0.05) expect(rows.Best?.[2]).toMatch(/^🔴/);
          const version = await comparisonVersion(base.version, head.version);
          const doc = parse(html(md));
          const img = byTag(doc, 'img')[0];
          const page = `${ORIGIN}/compare/${baseId}...${headId}`;
          expect(img?.attribs.src).toBe(`${page}/og.${version}.png`);
          expect(byTag(doc, 'a').map((a) => a.attribs.href)).toContain(page);
        }
      }
      // The card and the page it links answer.
      const [baseId, headId] = [demoIds[0], demoIds[1]];
      const md = await (await h.fetch(`/jobs/${headId}/comment.md?base=${baseId}`)).text();
      const src = byTag(parse(html(md)), 'img')[0]?.attribs.src ?? '';
      const card = await h.fetch(src.replace(ORIGIN, ''));
      expect(card.status).toBe(200);
      expect(card.headers.get('Cache-Control')).toContain('immutable');
      expect((await h.fetch(`/compare/${baseId}...${headId}`)).status).toBe(200);
    },
  );

  it('counts improved and regressed dimensions of the best iterations', () => {
    const base = job({
      iterations: [
        iteration(1, {
          status: 'keep',
          avg_score: 60,
          dimension_scores: { avg_a: 30, avg_b: 20, avg_c: 10, avg_p: -1 },
        }),
      ],
    });
    const head = job({
      id: '00000000-0000-4000-8000-00000000beef',
      iterations: [
        iteration(2, {
          status: 'keep',
          avg_score: 61,
          dimension_scores: { avg_a: 32, avg_b: 19, avg_c: 10, avg_p: -0.5, avg_new: 1 },
        }),
      ],
    });
    const cmp = compareJobs(base, head);
    expect([cmp.improved, cmp.regressed, cmp.unchanged, cmp.compared]).toEqual([2, 1, 1, 4]);
    const md = buildComment({
      head,
      headVersion: '0123456789ab',
      base: { job: base, version: 'ba5e0123abcd', comparisonVersion: 'c0ffee000000' },
      linkBase: ORIGIN,
    });
    expectSafe(md, 'counts');
    expect(md).toContain('🟢 2 improved, 🔴 1 regressed');
    const dimTable = tables(md).find((t) => t.header[0]?.text === 'Dimension');
    expect(dimTable?.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['A', '30.0', '32.0', '🟢 +2.0'],
      ['B', '20.0', '19.0', '🔴 −1.0'],
      ['C', '10.0', '10.0', '⚪ ±0.0'],
      ['P', '−1.0', '−0.5', '🟢 +0.5'],
      ['New', '—', '1.0', '—'],
    ]);
  });

  it('shows a running job’s progress and says the comment will update', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const running = demoIds.find(
      (id) =>
        (DEMO_JOBS.find((j) => (j as { id: string }).id === id) as { status: string }).status === 'running',
    );
    expect(running).toBeDefined();
    const md = await (await h.fetch(`/jobs/${running}/comment.md`)).text();
    const s = await demoSummary(h, running ?? '');
    expect(md).toContain('⏳ **Running**');
    expect(md).toContain(`iteration ${s.iterations.done} of ${s.iterations.total}`);
    expect(md).toContain('The comment is updated when it finishes.');
    expect(md).toContain(`best so far **${formatScore(s.best_score)}**`);
  });

  it('says when the base run is not a finished one', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const byStatus = (status: string) =>
      (DEMO_JOBS.find((j) => (j as { status: string }).status === status) as { id: string }).id;
    const head = byStatus('completed');
    const notes: [string, string][] = [
      ['failed', 'The base run failed: its figures are what it recorded.'],
      ['running', 'The base run is still running: its figures are the best so far.'],
      ['pending', 'The base run has not started yet: its figures are the best so far.'],
    ];
    for (const [status, note] of notes) {
      const md = await (await h.fetch(`/jobs/${head}/comment.md?base=${byStatus(status)}`)).text();
      expect(md, status).toContain(`> ${note}`);
    }
  });

  it('names a failed run’s reason', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const failed = DEMO_JOBS.find((j) => (j as { status: string }).status === 'failed') as {
      id: string;
      report_markdown: string;
    };
    const md = await (await h.fetch(`/jobs/${failed.id}/comment.md`)).text();
    expect(md).toContain('❌ **Failed** · Run failed: ');
    const reason = failed.report_markdown.replace(/^Run failed:\s*/, '');
    expect(text(parse(html(md)))).toContain(reason.slice(0, 60));
  });
});

describe('hostile strings', () => {
  const EXTRA = [
    '| a | b |',
    'x | y\n|---|---|\n| z | w',
    '@octocat please look',
    '@github/security-team',
    'cc @everyone and @here',
    '# heading',
    '## second\n### third',
    '<!-- hidden',
    '-->',
    '</details></summary>',
    '![tracker](https://evil.example/pixel.png)',
    '[click](javascript:alert(1))',
    '[ok](https://evil.example/phish)',
    '<https://evil.example/auto>',
    'https://evil.example/bare',
    'www.evil.example/path',
    'mail me: attacker@evil.example',
    'closes #1 and org/repo#2 and GH-3',
    '`code` and ```fence```',
    '**bold** _em_ ~~strike~~ ~one~',
    '1. list\n2. list',
    '- item\n+ item\n* item',
    '> quote',
    '---',
    '===',
    '\\',
    'trailing backslash \\',
    '$x^2$ and $$\\sum$$ and $`x`$',
    '[^1]: footnote',
    '&lt;script&gt; &#64;octocat &amp;',
    '\u202Eevil\u202C \u200B@\u200Bzero',
    ':shipit: <img src=x>',
  ];
  const PAYLOADS = [...XSS_CORPUS, ...EXTRA];

  /** A job with `p` in every string field and key the comment shows. */
  function hostile(
    p: string,
    id = '00000000-0000-4000-8000-0000000000aa',
    status: Job['status'] = 'completed',
  ): Job {
    const dimsOf = (i: number) => ({
      [`avg_${p.slice(0, 80)}`]: 10 + i,
      [p.slice(0, 80) || 'x']: 5,
      avg_answer: 20,
    });
    return job({
      id,
      status,
      prompt_slug: p.slice(0, 255),
      analyzer_model: p.slice(0, 128),
      data_source: p.slice(0, 20),
      report_markdown: `Run failed: ${p}\n# ${p}`,
      iterations: [0, 1, 2].map((i) =>
        iteration(
          i,
          { iteration_name: p.slice(0, 64), description: `${p} ${p}`, dimension_scores: dimsOf(i) },
          id,
        ),
      ),
    });
  }

  it(
    'change nothing in the comment’s structure and ping no one, with and without a base',
    { timeout: 60_000 },
    () => {
      const plain = 'plain words';
      for (const status of ['completed', 'failed', 'running'] as const) {
        const reference = buildComment({
          head: hostile(plain, undefined, status),
          headVersion: '0123456789ab',
          linkBase: ORIGIN,
        });
        const referenceVs = buildComment({
          head: hostile(plain, undefined, status),
          headVersion: '0123456789ab',
          base: {
            job: hostile(plain, '00000000-0000-4000-8000-0000000000bb'),
            version: 'ba5e0123abcd',
            comparisonVersion: 'c0ffee000000',
          },
          linkBase: ORIGIN,
        });
        expectSafe(reference, 'reference');
        for (const p of PAYLOADS) {
          const md = buildComment({
            head: hostile(p, undefined, status),
            headVersion: '0123456789ab',
            linkBase: ORIGIN,
          });
          expectSafe(md, p);
          expect(shape(md), p).toBe(shape(reference));
          const vs = buildComment({
            head: hostile(p, undefined, status),
            headVersion: '0123456789ab',
            base: {
              job: hostile(p, '00000000-0000-4000-8000-0000000000bb'),
              version: 'ba5e0123abcd',
              comparisonVersion: 'c0ffee000000',
            },
            linkBase: ORIGIN,
          });
          expectSafe(vs, `${p} (vs)`);
          expect(shape(vs), p).toBe(shape(referenceVs));
        }
      }
    },
  );

  it(
    'every XSS fixture, served from the upstream, gives a safe comment, alone and against another',
    { timeout: 60_000 },
    async () => {
      const byId = new Map(XSS_JOBS.map((j) => [String(j.id), j]));
      const up = upstream((req) => {
        const id = /\/api\/jobs\/([^/]+)\//.exec(new URL(req.url).pathname)?.[1] ?? '';
        const j = byId.get(id);
        return j ? json(j) : json({ detail: 'Not found.', code: 'not_found' }, 404);
      });
      const h = harness({ upstream: up });
      const ids = [...byId.keys()];
      for (const [i, id] of ids.entries()) {
        const alone = await h.fetch(`/jobs/${id}/comment.md`);
        expect(alone.status, id).toBe(200);
        expectSafe(await alone.text(), id);
        const other = ids[(i + 1) % ids.length];
        const vs = await h.fetch(`/jobs/${id}/comment.md?base=${other}`);
        expect(vs.status, id).toBe(200);
        expectSafe(await vs.text(), `${id} vs ${other}`);
      }
    },
  );
});

describe('size', () => {
  it(
    'keeps a 2,000-iteration job under GitHub’s limit, with a note and a link to the report',
    { timeout: 60_000 },
    async () => {
      const big = bigJob(2000);
      const up = upstream(() => json(big));
      const h = harness({ upstream: up });
      const res = await h.fetch(`/jobs/${big.id}/comment.md`);
      expect(res.status).toBe(200);
      const md = await res.text();
      expectSafe(md, 'big');
      const iterTable = tables(md).find((t) => t.header[1]?.text === 'Iteration');
      expect(iterTable?.rows.length).toBe(100);
      expect(md).toContain(
        `The first 100 of 2,000 iterations are shown; the [report](${ORIGIN}/jobs/${big.id}#iterations) lists them all.`,
      );
    },
  );

  it(
    'stays under the limit when every string is as long and as costly to escape as the schema allows',
    { timeout: 60_000 },
    () => {
      const worst = '$|'.repeat(300);
      const manyDims = Object.fromEntries(
        Array.from({ length: 60 }, (_, i) => [`${i}${'$'.repeat(200)}`, i]),
      );
      const make = (id: string) =>
        job({
          id,
          prompt_slug: '$'.repeat(255),
          analyzer_model: '$'.repeat(128),
          report_markdown: `Run failed: ${worst}`,
          status: 'failed',
          num_iterations: 2000,
          iterations: Array.from({ length: 2000 }, (_, i) =>
            iteration(
              i,
              { iteration_name: '$'.repeat(64), description: worst, dimension_scores: manyDims },
              id,
            ),
          ),
        });
      const head = make('00000000-0000-4000-8000-0000000000aa');
      const base = make('00000000-0000-4000-8000-0000000000bb');
      for (const md of [
        buildComment({ head, headVersion: '0123456789ab', linkBase: ORIGIN }),
        buildComment({
          head,
          headVersion: '0123456789ab',
          base: { job: base, version: 'ba5e0123abcd', comparisonVersion: 'c0ffee000000' },
          linkBase: ORIGIN,
        }),
      ]) {
        expectSafe(md, 'worst');
        expect(md).toContain('lists them all');
      }
    },
  );
});

describe('the route', () => {
  const id = demoIds[0] ?? '';
  const other = demoIds[1] ?? '';

  it('answers 400 for a bad id, base or key and 404 naming the unknown job, as JSON', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const cases: [string, number, string, RegExp][] = [
      ['/jobs/nope/comment.md', 400, 'invalid_id', /^Job id must be a UUID/],
      [`/jobs/${id}/comment.md?base=nope`, 400, 'invalid_id', /^Base job id must be a UUID/],
      [`/jobs/${id}/comment.md?key=no%20spaces`, 400, 'invalid_query', /^key must be/],
      [
        '/jobs/00000000-0000-4000-8000-000000000000/comment.md',
        404,
        'not_found',
        /^Job 00000000-0000-4000-8000-000000000000 was not found\.$/,
      ],
      [
        `/jobs/${id}/comment.md?base=00000000-0000-4000-8000-000000000000`,
        404,
        'not_found',
        /^Base job 00000000-0000-4000-8000-000000000000 was not found\.$/,
      ],
    ];
    for (const [path, status, code, detail] of cases) {
      const res = await h.fetch(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('Content-Type'), path).toBe('application/json; charset=utf-8');
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code, path).toBe(code);
      expect(body.detail, path).toMatch(detail);
    }
  });

  it('is cached like the job: ETag and 304, HEAD, one render per versions and base', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const first = await h.fetch(`/jobs/${id}/comment.md?base=${other}`);
    const etag = first.headers.get('ETag') ?? '';
    expect(etag).toMatch(/^"/);
    expect(first.headers.get('Cache-Control')).toMatch(/^public, max-age=\d+/);
    const again = await h.fetch(`/jobs/${id}/comment.md?base=${other}`, {
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    const head = await h.fetch(`/jobs/${id}/comment.md?base=${other}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(h.renders.filter((k) => k === 'comment')).toHaveLength(1);
    // Another base, or none, is another comment.
    const alone = await h.fetch(`/jobs/${id}/comment.md`);
    expect(alone.headers.get('ETag')).not.toBe(etag);
    expect(h.renders.filter((k) => k === 'comment')).toHaveLength(2);
    // A key changes only the marker.
    const keyed = await (await h.fetch(`/jobs/${id}/comment.md?key=docs-agent`)).text();
    expect(keyed.split('\n')[0]).toBe('<!-- overmind-edge key=docs-agent -->');
    expect(keyed.split('\n').slice(1)).toEqual((await alone.text()).split('\n').slice(1));
  });

  it('follows a running job: a new version upstream is a new comment', async () => {
    let best = 60;
    const running = (score: number) =>
      JSON.parse(
        JSON.stringify(
          job({
            status: 'running',
            best_score: null,
            improvement: null,
            iterations: [iteration(0, { avg_score: score, status: 'keep' })],
          }),
        ),
      ) as unknown;
    const up = upstream(() => json(running(best)));
    const h = harness({
      upstream: up,
      env: {
        UPSTREAM_URL: 'https://upstream.test',
        TTL_ACTIVE_SECONDS: '0',
        STALE_WHILE_REVALIDATE_SECONDS: '0',
      },
    });
    const a = await (await h.fetch(`/jobs/${job().id}/comment.md`)).text();
    best = 70;
    const b = await (await h.fetch(`/jobs/${job().id}/comment.md`)).text();
    expect(a).toContain('best so far **60.0**');
    expect(b).toContain('best so far **70.0**');
    expect(headline(JobSchema.parse(running(70))).best).toBe(70);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
