import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import rule, { looksLikeProgram } from '../../eslint-rules/no-program-strings.js';
import { LIVE_SCRIPT } from '../../src/views/html/live';
import { STYLESHEET } from '../../src/views/html/styles';

// The rule that keeps programs out of strings (eslint-rules/no-program-strings.js, run by
// `npm run check` over src/). It runs in Node, where ESLint does; no server is started.

const config: Linter.Config[] = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser as Linter.Parser },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { local: { rules: { 'no-program-strings': rule } } },
    rules: { 'local/no-program-strings': ['error', { max: 2000 }] },
  },
];

function problems(source: string): number[] {
  return new Linter({ configType: 'flat' }).verify(source, config, { filename: 'src/x.ts' }).map((m) => {
    expect(m.ruleId).toBe('local/no-program-strings');
    return m.line;
  });
}

const css = '.a { color: red; }\n'.repeat(150); // 2,850 characters
const js = 'function f(a) { if (a) { return a + 1; } return 0; }\n'.repeat(60);
const html = '<div class="row"><span>x</span></div>\n'.repeat(60);
const prose = 'A job runs iterations; each one tries a change and keeps it when the score improves. '.repeat(
  60,
);
const markdown = '## Result\n\nThe `avg_score` rose from **61.2** to **74.8** (see the table).\n\n'.repeat(
  40,
);

describe('no-program-strings', () => {
  it('flags a stylesheet, a script or markup longer than 2,000 characters, however it is written', () => {
    expect(problems(`export const S = ${JSON.stringify(css)};`)).toEqual([1]);
    expect(problems(`export const S = \`\n${css}\`;`)).toEqual([1]);
    expect(
      problems(`const c = '#fff';\nexport const S = String.raw\`\n${css.replace('red', '${c}')}\`;`),
    ).toEqual([2]);
    const chain = js
      .split('\n')
      .map((line) => JSON.stringify(line))
      .join(' +\n  ');
    expect(problems(`export const S =\n  ${chain};`)).toEqual([2]);
    expect(problems(`export const S = ${JSON.stringify(html)};`)).toEqual([1]);
  });

  it('leaves prose, markdown, data and short snippets alone', () => {
    expect(problems(`export const S = ${JSON.stringify(prose)};`)).toEqual([]);
    expect(problems(`export const S = \`${markdown.replaceAll('`', '\\`')}\`;`)).toEqual([]);
    expect(problems(`export const S = ${JSON.stringify(css.slice(0, 1900))};`)).toEqual([]);
    expect(
      problems(`export const S = ${JSON.stringify(JSON.stringify({ rows: Array(400).fill(1) }))};`),
    ).toEqual([]);
  });

  it('would flag what the pages inline, had it stayed in a string', () => {
    expect(LIVE_SCRIPT.length).toBeGreaterThan(2000);
    expect(looksLikeProgram(LIVE_SCRIPT)).toBe(true);
    expect(STYLESHEET.length).toBeGreaterThan(2000);
    expect(looksLikeProgram(STYLESHEET)).toBe(true);
  });

  it('finds no program in a string anywhere in src/', async () => {
    const eslint = new ESLint({
      overrideConfigFile: true,
      overrideConfig: config.map((c) => ({ ...c, files: ['**/*.ts', '**/*.tsx'] })),
    });
    const results = await eslint.lintFiles(['src/**/*.ts', 'src/**/*.tsx']);
    expect(results.length).toBeGreaterThan(50);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`))).toEqual([]);
  });
});
