// Bundle the worker's render code (TS/TSX under src/) for Node, so the
// render benchmarks run in-process. Packages stay external (Node loads them from
// node_modules); only the imports workerd gives module semantics are rewritten:
//   *.wasm             → new WebAssembly.Module(bytes)   (wrangler's CompiledWasm rule)
//   *.woff|ttf|otf     → ArrayBuffer of the file         (the Data rule in wrangler.toml)
//   cloudflare:workers → an empty DurableObject base class: the in-process app has no
//                        JOB_SHIELD binding, so the shield class is defined but never run
// JSX follows tsconfig.json (react-jsx with hono/jsx); src/views/image/card.tsx switches to
// satori/jsx with its own @jsxImportSource pragma, which esbuild honours per file.

import { build, type Plugin } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

const workerdModules: Plugin = {
  name: 'workerd-modules',
  setup(b) {
    const require = createRequire(join(ROOT, 'package.json'));
    b.onResolve({ filter: /\.(wasm|woff|ttf|otf)$/ }, (args) => {
      const path = args.path.startsWith('.')
        ? resolve(args.resolveDir, args.path)
        : require.resolve(args.path, { paths: [args.resolveDir] });
      return { path, namespace: 'workerd-module' };
    });
    b.onLoad({ filter: /.*/, namespace: 'workerd-module' }, (args) => {
      const bytes = `readFileSync(${JSON.stringify(args.path)})`;
      const contents = args.path.endsWith('.wasm')
        ? `import { readFileSync } from 'node:fs';\nexport default new WebAssembly.Module(${bytes});\n`
        : `import { readFileSync } from 'node:fs';\nconst b = ${bytes};\n` +
          `export default b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);\n`;
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
    b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({
      path: 'workers',
      namespace: 'workerd-runtime',
    }));
    b.onLoad({ filter: /.*/, namespace: 'workerd-runtime' }, () => ({
      contents: 'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }\n',
      loader: 'js',
    }));
  },
};

/** What the bench needs from the worker's code, re-exported from one entry. */
const ENTRY = `
export { renderReportPage } from './src/views/html/report.tsx';
export { renderCardSvg, renderCardPng, renderBadgeSvg, initImages } from './src/images.ts';
export { renderMarkdown, renderMarkdownUncached } from './src/markdown.ts';
export { parseJob, redact } from './src/schema.ts';
export { readConfig } from './src/env.ts';
export { createApp } from './src/app.ts';
export { makeEntry } from './src/cache.ts';
export { DEMO_JOBS } from './src/demo-data.ts';
export { default as satori } from 'satori/standalone';
export { Resvg } from '@resvg/resvg-wasm';
export { default as interLatin400 } from '@fontsource/inter/files/inter-latin-400-normal.woff';
export { default as interLatin700 } from '@fontsource/inter/files/inter-latin-700-normal.woff';
`;

/**
 * Build the bundle into a fresh dir under bench-results/ (gitignored; inside the repo
 * so Node resolves the external packages from node_modules) and return the path of
 * the ESM file, plus a cleanup. The inline source map keeps --cpu-prof output readable.
 * `extraEntry` adds re-exports, for one-off diagnostics.
 */
export async function bundleForNode(extraEntry = ''): Promise<{ file: string; dispose: () => void }> {
  const parent = join(ROOT, 'bench-results', '.build');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'render-'));
  const file = join(dir, 'render.mjs');
  await build({
    stdin: { contents: ENTRY + extraEntry, resolveDir: ROOT, sourcefile: 'bench-entry.ts', loader: 'ts' },
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    // The same module conditions wrangler resolves with, after Node's own.
    conditions: ['workerd', 'worker'],
    tsconfig: join(ROOT, 'tsconfig.json'),
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    sourcemap: 'inline',
    logLevel: 'error',
    plugins: [workerdModules],
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
