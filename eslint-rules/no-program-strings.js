// ESLint rule: no string in the source holds a program. A script, stylesheet or HTML document
// longer than `max` characters (2,000 by default) written as a string literal, a template or a
// `+` chain of them is invisible to tsc, eslint and prettier: it belongs in a file of its own
// (src/client/*.ts, *.css), bundled at build time (scripts/build-client.ts).

/** Characters that structure code: JS and CSS blocks and statements. */
const STRUCTURE = /[{};]/g;
/** HTML or SVG tags. */
const TAGS = /<\/?[a-zA-Z][\w-]*(?:\s[^<>]*)?\/?>/g;

/**
 * True when `text` reads as JS, CSS or HTML rather than prose or data: at least one brace,
 * semicolon or tag per 40 characters on average. Prose and markdown have a handful in a page;
 * code has one every few words.
 */
export function looksLikeProgram(text) {
  const marks = (text.match(STRUCTURE)?.length ?? 0) + 2 * (text.match(TAGS)?.length ?? 0);
  return marks * 40 >= text.length;
}

/** The static text of a string literal, a template (its fixed parts) or a `+` chain of them. */
function staticText(node) {
  if (node.type === 'Literal') return typeof node.value === 'string' ? node.value : null;
  if (node.type === 'TemplateLiteral') return node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ');
  if (node.type === 'TaggedTemplateExpression') return staticText(node.quasi);
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    const l = staticText(node.left);
    const r = staticText(node.right);
    return l == null && r == null ? null : (l ?? '') + (r ?? '');
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'disallow programs (JS, CSS, HTML) in long strings' },
    schema: [{ type: 'object', properties: { max: { type: 'integer' } }, additionalProperties: false }],
    messages: {
      program:
        'A {{length}}-character string that reads as code: put it in a file of its own (a module, a .css file) ' +
        'and bundle it at build time.',
    },
  },
  create(context) {
    const max = context.options[0]?.max ?? 2000;
    const check = (node) => {
      // The outermost piece of a `+` chain speaks for the whole chain.
      if (node.parent?.type === 'BinaryExpression' && node.parent.operator === '+') return;
      if (node.parent?.type === 'TaggedTemplateExpression') return;
      const text = staticText(node);
      if (text != null && text.length > max && looksLikeProgram(text))
        context.report({ node, messageId: 'program', data: { length: String(text.length) } });
    };
    return {
      Literal: check,
      TemplateLiteral: check,
      TaggedTemplateExpression: check,
      BinaryExpression: check,
    };
  },
};
