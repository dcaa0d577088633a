import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderReportPage } from '../src/views/html/report';
import { renderErrorPage, renderIndexPage } from '../src/views/html/pages';
import { STYLESHEET } from '../src/views/html/styles';
import { LIVE_SCRIPT } from '../src/views/html/live';
import { renderMarkdown, sanitizeFragment } from '../src/markdown';
import type { Iteration, Job } from '../src/schema';
import { XSS_CORPUS } from './fixtures/xss-corpus';
import {
  CTX,
  byClass,
  byTag,
  elements,
  fixtures,
  iteration,
  job,
  parse,
  text,
  type Doc,
  type El,
} from './fixtures/report-jobs';

// Every payload goes into every string field, every key the page shows, and every
// markdown position of a job. The rendered page is then parsed with a real HTML
// parser and must hold only the elements and attributes the templates write, no
// event handlers, no dangerous URLs, and the payload back as plain text.

/** Elements the templates write (outside the report's markdown). */
const TEMPLATE_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'link',
  'style',
  'body',
  'header',
  'main',
  'footer',
  'nav',
  'section',
  'div',
  'span',
  'a',
  'p',
  'h1',
  'h2',
  'h3',
  'ul',
  'li',
  'dl',
  'dt',
  'dd',
  'time',
  'strong',
  'small',
  'bdi',
  'progress',
  'figure',
  'figcaption',
  'table',
  'caption',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'details',
  'summary',
  'pre',
  'code',
  'img',
  'svg',
  'g',
  'rect',
  'circle',
  'path',
  'line',
  'text',
  'desc',
]);

/** Elements the sanitized markdown may contain. */
const MARKDOWN_TAGS = new Set([
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'ul',
  'ol',
  'li',
  'blockquote',
  'hr',
  'br',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'pre',
  'code',
  'em',
  'strong',
  'del',
  'a',
  'img',
]);

const MARKDOWN_ATTRS: Record<string, readonly string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title'],
  th: ['align'],
  td: ['align'],
  ol: ['start'],
  // Focusable, so a wide one can be scrolled from the keyboard.
  pre: ['tabindex'],
  table: ['tabindex'],
};

/** Attributes the templates write. */
const TEMPLATE_ATTRS = new Set([
  'lang',
  'charset',
  'name',
  'content',
  'http-equiv',
  'property',
  'media',
  'rel',
  'href',
  'src',
  'alt',
  'class',
  'id',
  'role',
  'tabindex',
  'dir',
  'datetime',
  'title',
  'scope',
  'colspan',
  'open',
  'max',
  'value',
  'loading',
  'width',
  'height',
  'viewbox',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'd',
  'rx',
  'cx',
  'cy',
  'r',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-linecap',
  'text-anchor',
  'transform',
  'focusable',
  'aria-label',
  'aria-labelledby',
  'aria-hidden',
  'aria-live',
  // The live page's hooks (src/client/live.ts).
  'data-job',
  'data-events',
  'data-json',
  'data-version',
  'data-best',
  'data-live',
  'data-live-fact',
]);

/** The only ids on a page: fixed section and chart ids, never taken from data. */
const KNOWN_ID =
  /^(?:main|summary|chart|iterations|dimensions|changes|backtest|report|result|share|jobs|urls)(?:-h)?$|^chart-(?:title|desc)-(?:wide|narrow)$|^live(?:-label|-state|-refresh|-announce)?$/;

const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,/i;
const URL_ATTRS = [
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'poster',
  'background',
  'cite',
  'data',
  'srcset',
  'to',
  'from',
  'values',
];

function normaliseUrl(v: string): string {
  // What a browser would see: entities are already decoded by the parser; drop
  // whitespace and control characters anywhere, then compare case-insensitively.
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
}

function isInsideMarkdown(e: El): boolean {
  for (let p = e.parent as El | null; p; p = p.parent as El | null) {
    if ((p.attribs?.class ?? '').split(/\s+/).includes('markdown')) return true;
  }
  return false;
}

function checkUrl(e: El, attr: string, value: string, problems: string[]): void {
  const u = normaliseUrl(value);
  const isIcon = e.name === 'link' && e.attribs.rel === 'icon';
  if (/^(?:javascript|vbscript|livescript|mocha):/.test(u))
    problems.push(`${e.name}[${attr}] script URL ${value}`);
  if (
    u.startsWith('data:') &&
    !(isIcon && u.startsWith('data:image/svg+xml,')) &&
    !(e.name === 'img' && attr === 'src' && SAFE_DATA_IMAGE.test(u))
  ) {
    problems.push(`${e.name}[${attr}] data URL ${value.slice(0, 60)}`);
  }
  if (attr === 'href' || attr === 'src') {
    const scheme = /^([a-z][a-z0-9+.-]*):/.exec(u)?.[1];
    if (scheme && !['http', 'https', 'mailto', 'data'].includes(scheme))
      problems.push(`${e.name}[${attr}] scheme ${scheme}`);
  }
}

/** Everything wrong with a complete page, as readable strings (empty = safe). */
function pageProblems(page: string, opts: { live?: boolean } = {}): string[] {
  const problems: string[] = [];
  // An active job's page carries exactly one script, the constant live one; nothing else may run.
  const liveTag = `<script>${LIVE_SCRIPT}</script>`;
  const lives = page.split(liveTag).length - 1;
  if (lives !== (opts.live ? 1 : 0)) problems.push(`${lives} live scripts`);
  const html = page.replace(liveTag, '');
  // Parser-independent: every "<" followed by a tag name in the raw text opens or closes a known element.
  for (const m of html.matchAll(/<\/?([a-zA-Z][^\s/>]*)/g)) {
    const name = m[1]!.toLowerCase();
    if (!TEMPLATE_TAGS.has(name) && !MARKDOWN_TAGS.has(name)) problems.push(`raw tag <${name}>`);
  }
  const doc = parse(html);
  const head = byTag(doc, 'head')[0]!;
  const styles = byTag(doc, 'style');
  if (styles.length !== 1 || text(styles[0]!) !== STYLESHEET) problems.push('style element changed or added');
  for (const e of elements(doc)) {
    const md = isInsideMarkdown(e);
    if (md ? !MARKDOWN_TAGS.has(e.name) : !TEMPLATE_TAGS.has(e.name))
      problems.push(`element <${e.name}>${md ? ' in markdown' : ''}`);
    for (const [attr, value] of Object.entries(e.attribs)) {
      const a = attr.toLowerCase();
      if (a.startsWith('on')) problems.push(`event handler ${e.name}[${attr}]`);
      if (a === 'style') problems.push(`style attribute on ${e.name}`);
      if (md ? !(MARKDOWN_ATTRS[e.name] ?? []).includes(a) : !TEMPLATE_ATTRS.has(a))
        problems.push(`attribute ${e.name}[${attr}]`);
      if (URL_ATTRS.includes(a)) checkUrl(e, a, value, problems);
      if (a === 'id' && !KNOWN_ID.test(value)) problems.push(`id from data: ${value.slice(0, 40)}`);
    }
    if (e.name === 'meta') {
      let inHead = false;
      for (let p = e.parent; p; p = p.parent) if (p === head) inHead = true;
      if (!inHead) problems.push('meta outside head');
      const equiv = e.attribs['http-equiv'];
      if (equiv !== undefined) problems.push(`meta http-equiv=${equiv}`);
    }
    if (e.name === 'link' && !['canonical', 'icon'].includes(e.attribs.rel ?? ''))
      problems.push(`link rel=${e.attribs.rel}`);
    if (e.name === 'a' && md && e.attribs.href && /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(e.attribs.href)) {
      if (e.attribs.rel !== 'noopener noreferrer nofollow')
        problems.push(`external link without rel: ${e.attribs.href}`);
    }
  }
  return problems;
}

/** Problems of a markdown fragment on its own. */
function fragmentProblems(html: string): string[] {
  const problems: string[] = [];
  const doc = parse(html);
  for (const e of elements(doc)) {
    if (!MARKDOWN_TAGS.has(e.name)) problems.push(`element <${e.name}>`);
    for (const [attr, value] of Object.entries(e.attribs)) {
      if (!(MARKDOWN_ATTRS[e.name] ?? []).includes(attr)) problems.push(`attribute ${e.name}[${attr}]`);
      if (URL_ATTRS.includes(attr)) checkUrl(e, attr, value, problems);
    }
  }
  return problems;
}

function markdownWith(p: string): string {
  return [
    `# ${p}`,
    p,
    `| ${p} | b |\n|---|---|\n| ${p} | [${p}](https://ok.example/) |`,
    `- ${p}\n- [ ] ${p}`,
    `> ${p}`,
    `**${p}** _${p}_ \`${p}\``,
    `[x](${p})`,
    `![${p}](${p})`,
    `[${p}](https://ok.example/ "${p}")`,
    `\`\`\`\n${p}\n\`\`\``,
  ].join('\n\n');
}

/** A job with `p` in every string field, key and markdown position. */
function poisoned(p: string): Job {
  const it = (i: number, extra: Partial<Iteration> = {}) =>
    iteration(i, {
      id: p,
      job: p,
      created_at: p,
      iteration_name: p,
      description: p,
      agent_code: `${p}\nline ${i}\n${p}`,
      dimension_scores: { [p]: 10 + i, [`avg_${p}_penalty`]: -1, avg_answer: 5 },
      ...extra,
    });
  return job({
    id: p,
    created_at: p,
    updated_at: p,
    agent: p,
    project: p,
    analyzer_model: p,
    data_source: p,
    celery_task_id: p,
    prompt_slug: p,
    best_agent_code: p,
    report_markdown: markdownWith(p),
    iterations: [
      it(0),
      it(1, { status: 'discard' }),
      it(2),
      it(3, { dimension_scores: p }),
      it(4, { dimension_scores: [p, { [p]: p }] }),
    ],
    backtest_results: {
      holdout: { [p]: p, holdout_score: 70, reverted: p },
      [p]: { avg_total: 70, [`avg_${p}`]: 3, count: 2, error: p },
      [`${p}-2`]: { avg_total: 0, errors: [p, { [p]: p }] },
      note: { [p]: [p] },
    },
    result: { [p]: p, nested: [p, { [p]: p }] },
  });
}

describe('the checks themselves', () => {
  it('accept every clean fixture page', () => {
    for (const [name, j] of Object.entries(fixtures())) {
      const live = j.status !== 'completed' && j.status !== 'failed' && j.status !== 'cancelled';
      expect(pageProblems(renderReportPage(j, CTX), { live }), name).toEqual([]);
    }
  });

  it('catch what they are meant to catch', () => {
    const clean = renderReportPage(job(), CTX);
    // A replacer function, so that "$" in what is injected stays as it is.
    const inject = (s: string) =>
      clean.replace('<main id="main" class="wrap">', () => `<main id="main" class="wrap">${s}`);
    expect(pageProblems(inject('<script>x</script>'))).not.toEqual([]);
    expect(pageProblems(inject('<img src="/x" onerror="x">'))).not.toEqual([]);
    expect(pageProblems(inject('<a href="java&#x09;script:x">x</a>'))).not.toEqual([]);
    expect(pageProblems(inject('<a href="data:text/html,x">x</a>'))).not.toEqual([]);
    expect(pageProblems(inject('<div id="x">x</div>'))).not.toEqual([]);
    expect(pageProblems(inject('<iframe></iframe>'))).not.toEqual([]);
    expect(pageProblems(inject('<meta http-equiv="refresh" content="0;url=x">'))).not.toEqual([]);
    // The live script is allowed once, as it is, on a live page only.
    const live = renderReportPage(job({ status: 'running' }), CTX);
    expect(pageProblems(live, { live: true })).toEqual([]);
    expect(pageProblems(live)).not.toEqual([]);
    expect(pageProblems(inject(`<script>${LIVE_SCRIPT}</script>`))).not.toEqual([]);
    expect(pageProblems(live.replace('<script>', '<script src="/x.js">'), { live: true })).not.toEqual([]);
    expect(
      pageProblems(
        live.replace(LIVE_SCRIPT, () => `${LIVE_SCRIPT};alert(1)`),
        { live: true },
      ),
    ).not.toEqual([]);
  });

  it('has at least 60 payloads', () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(XSS_CORPUS).size).toBe(XSS_CORPUS.length);
  });
});

describe.each(XSS_CORPUS.map((p, i) => [i, p] as const))('payload %i', (_i, p) => {
  it('is inert everywhere on the report page and comes back as text', () => {
    for (const status of ['completed', 'running'] as const) {
      const j = { ...poisoned(p), status };
      const html = renderReportPage(j, { ...CTX, stale: { reason: p } });
      expect(pageProblems(html, { live: status === 'running' })).toEqual([]);
      const doc: Doc = parse(html);
      // Escaped, not mangled: the title reads exactly as given (jobTitle trims it).
      if (p.trim() !== '') expect(text(byTag(doc, 'h1')[0]!)).toBe(p.trim());
      expect(text(byClass(doc, 'banner-warn')[0]!)).toContain(p);
    }
  });

  it('is inert as the whole report, alone', () => {
    const j = { ...poisoned(p), report_markdown: p, backtest_results: [p, { [p]: p }] };
    expect(pageProblems(renderReportPage(j, CTX))).toEqual([]);
    expect(fragmentProblems(renderMarkdown(p))).toEqual([]);
    expect(fragmentProblems(renderMarkdown(markdownWith(p)))).toEqual([]);
  });

  it('is inert on the error and index pages', () => {
    expect(pageProblems(renderErrorPage(404, p, p, { origin: CTX.origin }))).toEqual([]);
    const jobs = [poisoned(p), { ...poisoned(p), prompt_slug: null, job_type: null, status: null }];
    expect(pageProblems(renderIndexPage(jobs, { origin: CTX.origin, versions: { [p]: p } }))).toEqual([]);
    expect(pageProblems(renderIndexPage(null, { origin: p }))).toEqual([]);
  });

  it('is removed by the sanitizer fallback when given as raw HTML', () => {
    expect(fragmentProblems(sanitizeFragment(p))).toEqual([]);
    expect(
      fragmentProblems(sanitizeFragment(`<p>${p}</p><a href="${p}">x</a><img src="${p}" alt="${p}">`)),
    ).toEqual([]);
  });
});

describe('sanitizer on generated tag soup', () => {
  it('sanitize-html output and the whole markdown pipeline are inert, whatever the soup', () => {
    const pieces = [
      '<p>',
      '</p>',
      '<a href="',
      '<a href="https://ok.example/',
      'javascript:',
      'java&#x09;script:',
      '" rel="noopener noreferrer nofollow">',
      '">',
      '</a>',
      '<img src="data:image/png;base64,AAAA" alt="',
      '<img src="',
      '<td align="center">',
      '</td>',
      '<br>',
      ' onerror="x"',
      '&amp;',
      '&#58;',
      '&quot;',
      '"',
      "'",
      '<',
      '>',
      'x',
      ' ',
      '\t',
      '<script>',
      '</script>',
      '<svg>',
      'data:text/html,',
      '<code>',
      '</code>',
      '<ol start="3">',
      '</ol>',
      '<li>',
      '</li>',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 24 }), (parts) => {
        const soup = parts.join('');
        expect(fragmentProblems(sanitizeFragment(soup))).toEqual([]);
        expect(fragmentProblems(renderMarkdown(soup))).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });
});
