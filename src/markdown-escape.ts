// Untrusted text inside GitHub-flavoured markdown (the pull-request comment). One function for
// every place a job string lands, prose and table cells alike: whatever the string, it stays one
// line of literal text, pings no one, references nothing and links nowhere.
//
// Backslash escapes alone are not enough on GitHub: mentions (`@user`, `@org/team`), issue
// references (`#12`, `GH-12`) and bare URLs are found in the rendered text after the markdown
// is parsed, where the backslash is already gone. Those are broken with a zero-width space
// (U+200B) placed where the pattern needs a character: after `@` (what GitHub's own Dependabot
// does so that its PR bodies ping no one, even in plain-text e-mail replies), after `#` before a
// digit, between `:` and `//`, and after `www`. GitHub renders `$…$` as math, and a backslash
// does not stop that outside an expression; its documentation's advice is `<span>$</span>`.

const ZWSP = '\u200B';

// Control characters, invisible characters and bidi overrides: they let a string read differently
// from what it is, or smuggle line breaks. The input's own zero-width spaces go too, so the only
// ones left are those placed below.
const INVISIBLE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Characters with inline meaning anywhere in a line: emphasis, code, links, images, HTML, entities, tables. */
const INLINE = /[\\`*_~[\]<>&|!#]/g;

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** One line, visible characters only, NFC, at most `max` graphemes (with an ellipsis). */
export function plainLine(s: string, max = Infinity): string {
  const flat = s.replace(INVISIBLE, '').replace(/\s+/gu, ' ').trim().normalize('NFC');
  if (flat.length <= max) return flat;
  const graphemes = Array.from(segmenter.segment(flat), (g) => g.segment);
  if (graphemes.length <= max) return flat;
  return `${graphemes
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

/**
 * An untrusted string as literal GFM text, safe in a paragraph, a heading, a table cell, link
 * text or image alt text. Newlines become spaces; longer than `max` graphemes it is cut first,
 * so an escape is never cut in half.
 */
export function mdText(s: string, max = Infinity): string {
  return (
    plainLine(s, max)
      .replace(INLINE, '\\$&')
      .replace(/\$/g, '<span>$</span>')
      // Block starts, in case the text ever begins a line: lists, quotes, headings, setext rules.
      .replace(/^([-+=>])/, '\\$1')
      .replace(/^(\d+)([.)])/, '$1\\$2')
      // Mentions, e-mail autolinks, issue and pull-request references, bare URLs.
      .replace(/@/g, `@${ZWSP}`)
      .replace(/#(?=\d)/g, `#${ZWSP}`)
      .replace(/(GH)-(?=\d)/gi, `$1-${ZWSP}`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/(www)\./gi, `$1${ZWSP}.`)
  );
}
