import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkInlineScript, checkInlineStyle, liveScript, stylesheet } from '../../scripts/build-client';
import { LIVE_SCRIPT, liveScriptHash } from '../../src/views/html/live';
import { STYLESHEET, styleHash } from '../../src/views/html/styles';

// scripts/build-client.ts: what the pages inline (the live script from src/client/, the
// stylesheet from src/views/html/page.css) and their CSP hashes, built before the worker's code
// is loaded. It runs in Node, where esbuild does; no server is started.

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

describe('the client build', () => {
  it('is what the worker inlines: built from the sources as they are now, with their hashes', async () => {
    expect(LIVE_SCRIPT).toBe(await liveScript());
    expect(STYLESHEET).toBe(stylesheet());
    expect(await liveScriptHash()).toBe(sha256(LIVE_SCRIPT));
    expect(await styleHash()).toBe(sha256(STYLESHEET));
  });

  it('is one function expression that leaves no globals, with the words of src/views/common/ in it', () => {
    expect(LIVE_SCRIPT).toMatch(/^("use strict";)?\(\(\)=>\{[\s\S]*\}\)\(\);$/);
    // The chart's and the table's words come from src/views/common/, bundled in.
    for (const words of ['Average score per iteration', 'Iteration (order)', 'Δ vs baseline', 'Best so far'])
      expect(LIVE_SCRIPT).toContain(words);
  });

  it('refuses a script that could end its <script> element early, and a stylesheet hono/jsx would escape', () => {
    for (const js of ['a="</script>"', 'a="<!--"', 'a="</p>"', 'a="<?x"'])
      expect(() => checkInlineScript(js)).toThrow(/contains/);
    expect(checkInlineScript('if(a<b)c()')).toBe('if(a<b)c()');
    for (const css of ['a > b { color: red; }', 'a::after { content: "x"; }', 'a { b: __BRAND_X__; }'])
      expect(() => checkInlineStyle(css)).toThrow(/page\.css/);
    expect(checkInlineStyle('a { color: red; }')).toBe('a { color: red; }');
  });
});
