import { Lexer, Marked, Tokenizer, type MarkedOptions, type Tokens, type TokensList } from 'marked';
import sanitizeHtml from 'sanitize-html';

// report_markdown is written by software from model output: untrusted. Two layers:
//
// 1. marked is configured so that nothing in the input becomes markup by itself:
//    raw HTML (block and inline) is rendered as visible text, links keep their text
//    but lose any href outside http/https/mailto/relative, images other than
//    data:image/(png|gif|jpeg|webp) become plain links (the page's CSP allows only
//    same-origin and data: images, and a blocked image is a console error), task
//    list checkboxes become characters instead of <input>, and headings move down
//    two levels so the report sits under the page's own h1/h2.
// 2. The result is re-parsed and cleaned by sanitize-html against the allowlist,
//    independently of how layer 1 behaved, so a marked bug cannot reach the page.
//    The sanitizer also makes wide code blocks and tables focusable (tabindex="0"),
//    so keyboard users can scroll them.

const SAFE_SCHEMES = ['http', 'https', 'mailto'];
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/]+={0,2}$/i;
const EXTERNAL_REL = 'noopener noreferrer nofollow';

/** Past this size the report is shown as plain text: no parser gets unbounded input. */
const MAX_MARKDOWN_CHARS = 2_000_000;
/**
 * Past this many lines too. Each block costs marked and sanitize-html a few microseconds whatever
 * its size, so a report of one-character list items costs 6 ms per KB against 0.3 for an ordinary
 * report: 2 MB of `- a` would take 12 s. A 1 MB report of tables and prose has 25,000 lines.
 */
export const MAX_MARKDOWN_LINES = 50_000;
const PLAIN_TEXT_PREVIEW_CHARS = 200_000;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
function escapeHtml(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c) : s;
}

/**
 * A link target the page may use, normalised, or null. Browsers drop ASCII tab and
 * newline anywhere in a URL and trim C0 controls and spaces, so "java\tscript:" is
 * javascript: to them; the scheme is judged after doing the same.
 */
export function safeHref(raw: string): string | null {
  // eslint-disable-next-line no-control-regex
  const s = raw.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (s === '') return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s);
  if (scheme) {
    if (!SAFE_SCHEMES.includes(scheme[1]!.toLowerCase())) return null;
  } else {
    // Anything with a colon before the first / ? # that is not a valid scheme is
    // ambiguous (e.g. "&#106;avascript:"): refuse rather than guess how it resolves.
    const colon = s.indexOf(':');
    if (colon !== -1 && !/[/?#]/.test(s.slice(0, colon))) return null;
  }
  try {
    // Percent-encode spaces, quotes and non-ASCII; keep existing escapes as they are.
    return encodeURI(s).replace(/%25([0-9a-f]{2})/gi, '%$1');
  } catch {
    return null; // lone surrogates
  }
}

function isExternal(href: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(href);
}

function anchor(href: string, title: string | null | undefined, inner: string): string {
  const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
  const rel = isExternal(href) ? ` rel="${EXTERNAL_REL}"` : '';
  return `<a href="${escapeHtml(href)}"${titleAttr}${rel}>${inner}</a>`;
}

// An emphasis (`*`, `_`) or strikethrough (`~`) opener that finds no closer has scanned the rest
// of its inline run for one, so a paragraph of n unclosable openers costs n² (`**1@` repeated
// 1,250 times, 5 KB, took 0.7 s). After MAX_OPENER_MISSES such openers in one inline run, the
// rest of that run's openers are read as text. Closed emphasis costs its own length, so ordinary
// reports never get near the limit. Each inline run (a paragraph, a cell, a heading, an
// emphasis's content) counts its own misses, on a stack that follows marked's recursion.
export const MAX_OPENER_MISSES = 32;
const missFrames: number[] = [];

class BoundedLexer extends Lexer {
  override inlineTokens(src: string, tokens?: Tokens.Generic[]): Tokens.Generic[] {
    missFrames.push(0);
    try {
      return super.inlineTokens(src, tokens);
    } finally {
      missFrames.pop();
    }
  }
}

/** marked's own `name` tokenizer, unless this run has used up its misses; counts a miss. */
function bounded<K extends 'emStrong' | 'del'>(
  name: K,
  opener: (c: string | undefined) => boolean,
): Tokenizer[K] {
  const original = Tokenizer.prototype[name] as (this: Tokenizer, src: string, ...rest: unknown[]) => unknown;
  function tokenize(this: Tokenizer, src: string, ...rest: unknown[]): unknown {
    const top = missFrames.length - 1;
    if (top >= 0 && missFrames[top]! >= MAX_OPENER_MISSES) return undefined;
    const token = original.call(this, src, ...rest);
    if (token === undefined && top >= 0 && opener(src[0])) missFrames[top]!++;
    return token;
  }
  return tokenize as Tokenizer[K];
}

const marked = new Marked({
  gfm: true,
  // Reports put one bold fact per line (Agent, Iterations, …); keep those lines apart.
  breaks: true,
  async: false,
  hooks: {
    provideLexer:
      () =>
      <P, R>(src: string, options?: MarkedOptions<P, R>): TokensList =>
        new BoundedLexer(options as unknown as MarkedOptions).lex(src),
  },
  tokenizer: {
    emStrong: bounded('emStrong', (c) => c === '*' || c === '_'),
    del: bounded('del', (c) => c === '~'),
  },
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    heading({ tokens, depth }: Tokens.Heading): string {
      const level = Math.min(6, depth + 2);
      return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
    },
    code({ text }: Tokens.Code): string {
      // The language tag is dropped: there is no highlighter, and it would be one
      // more data-controlled attribute.
      return `<pre><code>${escapeHtml(text.replace(/\n$/, ''))}\n</code></pre>\n`;
    },
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? '☑ ' : '☐ ';
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      const url = safeHref(href);
      return url == null ? inner : anchor(url, title, inner);
    },
    image({ href, title, text }: Tokens.Image): string {
      const alt = escapeHtml(text);
      if (SAFE_DATA_IMAGE.test(href)) {
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
        return `<img src="${escapeHtml(href)}" alt="${alt}"${titleAttr}>`;
      }
      const url = safeHref(href);
      const label = `Image: ${alt || 'untitled'}`;
      return url == null ? alt : anchor(url, title, label);
    },
  },
});

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
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
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title'],
    th: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
    td: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
    ol: ['start'],
    // Code blocks and tables scroll sideways when wide; a scroll region must take focus so
    // that keyboard users can scroll it (WCAG 2.1.1; axe scrollable-region-focusable).
    pre: [{ name: 'tabindex', multiple: false, values: ['0'] }],
    table: [{ name: 'tabindex', multiple: false, values: ['0'] }],
  },
  allowedSchemes: SAFE_SCHEMES,
  allowedSchemesByTag: { img: ['data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: true,
  // Unknown elements lose their tags but keep their text; script/style/textarea/
  // option/noscript lose their content too (sanitize-html's nonTextTags).
  disallowedTagsMode: 'discard',
  // No style attribute is allowed, so postcss never runs.
  parseStyleAttributes: false,
  transformTags: {
    pre: (tagName) => ({ tagName, attribs: { tabindex: '0' } }),
    table: (tagName) => ({ tagName, attribs: { tabindex: '0' } }),
    a: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      if (attribs.href != null) out.href = attribs.href;
      if (attribs.title != null) out.title = attribs.title;
      if (out.href != null && isExternal(out.href)) out.rel = EXTERNAL_REL;
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => {
      // sanitize-html judges schemes only: data:image/svg+xml or data:text/html
      // would pass its 'data' allowance, so the exact image types are checked here.
      const out: sanitizeHtml.Attributes = {};
      if (attribs.src != null && SAFE_DATA_IMAGE.test(attribs.src)) out.src = attribs.src;
      if (attribs.alt != null) out.alt = attribs.alt;
      if (attribs.title != null) out.title = attribs.title;
      return { tagName, attribs: out };
    },
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

// marked's inline lexer is linear for ordinary prose, but two of its GFM rules look ahead for an
// e-mail address ("local-part@") from the start of every inline token: the `text` rule's lookahead
// and the `url` rule. Inside one long run of address characters (letters, digits and
// .!#$%&'*+/=?_`{|}~-, no space), every `*`, `_`, `~`, `` ` `` or `!` starts a new token and the
// lookahead scans the rest of the run again: `_a` repeated 20,000 times (40 KB) took 2.2 s, and
// `*_a` repeated 20,000 times (60 KB) 64 s. The cost is the sum, over such runs, of
// (token starts + 1) × run length; a report whose sum exceeds a fixed number of steps per
// character is shown as plain text instead, so no report costs more than a fixed multiple of
// an ordinary one. Prose, tables and code score near 1 step per character.
/** 1: an address character (letters, digits, .!#$%&'*+/=?^_`{|}~-); 2: one that also starts a token (*_~`!). */
const ADDRESS_CLASS = (() => {
  const t = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.#$%&'+/=?^{|}-")
    t[c.charCodeAt(0)] = 1;
  for (const c of '*_~`!') t[c.charCodeAt(0)] = 2;
  return t;
})();
/** Steps per character the inline lexer may take, and a floor for short reports. */
export const MARKDOWN_SCAN_BUDGET = { perChar: 64, floor: 1_000_000 };

/** The inline lexer's e-mail lookahead work for `md`, in characters scanned (see above). */
export function addressScanCost(md: string): number {
  let cost = 0;
  let run = 0;
  let starts = 1;
  // A table lookup per UTF-16 unit: this runs over every report before it is formatted.
  for (let i = 0; i < md.length; i++) {
    const code = md.charCodeAt(i);
    const cls = code < 128 ? ADDRESS_CLASS[code]! : 0;
    if (cls !== 0) {
      run++;
      if (cls === 2) starts++;
    } else if (run > 0) {
      cost += starts * run;
      run = 0;
      starts = 1;
    }
  }
  return cost + starts * run;
}

// Nested lists and blockquotes cost marked time in proportion to their depth: each level lexes
// its content again, so 400 lists each one level deeper took 14 times an ordinary report of the
// same size. Prose, READMEs and reports nest a few levels; past MAX_BLOCK_NESTING a report is
// shown as plain text. Depth is estimated per line outside fenced code, as two columns of
// indentation (a tab is four), one `>` or one list marker per level.
export const MAX_BLOCK_NESTING = 32;
const LINE_PREFIX = /(?: |\t|>|[-*+](?= )|\d{1,9}[.)](?= ))/gy;

/** The deepest list or blockquote nesting a line of `md` can open, outside fenced code. */
export function blockNestingDepth(md: string): number {
  let deepest = 0;
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== null) {
      if (opener !== undefined && opener[0] === fence[0] && opener.length >= fence.length) fence = null;
      continue;
    }
    if (opener !== undefined) {
      fence = opener;
      continue;
    }
    let columns = 0;
    let levels = 0;
    for (const m of line.matchAll(LINE_PREFIX)) {
      const t = m[0];
      if (t === ' ') columns++;
      else if (t === '\t') columns += 4;
      else levels++; // `>`, or a list marker: "- - - a" opens three lists on one line
    }
    deepest = Math.max(deepest, Math.floor(columns / 2) + levels);
  }
  return deepest;
}

export function exceedsScanBudget(md: string, budget = MARKDOWN_SCAN_BUDGET): boolean {
  return (
    addressScanCost(md) > Math.max(budget.floor, budget.perChar * md.length) ||
    blockNestingDepth(md) > MAX_BLOCK_NESTING
  );
}

/** Markdown to sanitized HTML (GFM, tables), safe to insert with raw(). */
function renderUncached(md: string): string {
  if (md.length > MAX_MARKDOWN_CHARS || lineCount(md) > MAX_MARKDOWN_LINES) return plainText(md, 'too-long');
  if (exceedsScanBudget(md)) return plainText(md, 'too-costly');
  let html: string;
  try {
    html = marked.parse(md, { async: false });
  } catch {
    // Pathological nesting can exhaust the stack; the text is still worth showing.
    return plainText(md, 'failed');
  }
  // Layer 1 (marked configured above) already escapes raw HTML and drops bad URLs; sanitize-html
  // is the independent second layer, run on every report: a well-kept allowlist sanitizer is
  // worth its cost here, and the memo below pays it once per report.
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/** For tests: the sanitize-html pass alone, as every report gets it. */
export function sanitizeFragment(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

function lineCount(md: string): number {
  let n = 1;
  for (let i = md.indexOf('\n'); i !== -1; i = md.indexOf('\n', i + 1)) n++;
  return n;
}

function plainText(md: string, why: 'too-long' | 'too-costly' | 'failed'): string {
  const cut = md.length > PLAIN_TEXT_PREVIEW_CHARS;
  const shown = cut ? md.slice(0, PLAIN_TEXT_PREVIEW_CHARS) : md;
  const size = md.length.toLocaleString('en-US');
  const which = cut ? 'its beginning is' : 'it is';
  const note =
    why === 'too-long'
      ? `This report is too large to format (${size} characters, ${lineCount(md).toLocaleString('en-US')} lines); ${which} shown as plain text.`
      : why === 'too-costly'
        ? `This report is nested too deeply or has runs of emphasis characters that would take too long to format; ${which} shown as plain text.`
        : `This report could not be formatted; ${which} shown as plain text.`;
  return `<p><em>${note}</em></p><pre><code>${escapeHtml(shown)}</code></pre>`;
}

// Finished jobs never change and live pages re-render every few seconds, so the
// same report is rendered again and again; a small byte-bounded LRU keyed by the
// markdown itself skips the parse and the sanitizer on repeats. Short reports are
// cheap enough that they are not worth the memory.
const MEMO_MIN_CHARS = 8_192;
const MEMO_MAX_CHARS = 8_000_000;
const memo = new Map<string, string>();
let memoChars = 0;

export function renderMarkdown(md: string): string {
  if (md.length < MEMO_MIN_CHARS) return renderUncached(md);
  const hit = memo.get(md);
  if (hit !== undefined) {
    memo.delete(md);
    memo.set(md, hit);
    return hit;
  }
  const html = renderUncached(md);
  const size = md.length + html.length;
  if (size <= MEMO_MAX_CHARS / 2) {
    memo.set(md, html);
    memoChars += size;
    for (const [k, v] of memo) {
      if (memoChars <= MEMO_MAX_CHARS) break;
      memo.delete(k);
      memoChars -= k.length + v.length;
    }
  }
  return html;
}

/** For benchmarks and tests: render without the memo. */
export function renderMarkdownUncached(md: string): string {
  return renderUncached(md);
}
