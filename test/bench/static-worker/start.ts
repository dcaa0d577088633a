// Start the static worker (worker.ts) under `wrangler dev`, serving given bodies.
// Everything generated lives in one tmp dir: a wrangler.toml with a Data rule, the
// bodies as .bin files, and an entry module that imports them and worker.ts. The dir
// is removed on stop.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startWrangler, type RunningWorker } from '../../node/wrangler.ts';

export interface StaticBody {
  path: string;
  contentType: string;
  body: Uint8Array;
}

export async function startStaticWorker(
  bodies: readonly StaticBody[],
  opts: { timeoutMs?: number } = {},
): Promise<RunningWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'overmind-edge-static-'));
  const compat = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(
    readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'),
  );
  writeFileSync(
    join(dir, 'wrangler.toml'),
    [
      'name = "overmind-edge-bench-static"',
      'main = "entry.js"',
      `compatibility_date = "${compat?.[1] ?? '2026-11-01'}"`,
      '[[rules]]',
      'type = "Data"',
      'globs = ["**/*.bin"]',
      '',
    ].join('\n'),
  );
  const imports: string[] = [];
  const table: string[] = [];
  bodies.forEach((b, i) => {
    writeFileSync(join(dir, `body-${i}.bin`), b.body);
    imports.push(`import body${i} from './body-${i}.bin';`);
    table.push(
      `  { path: ${JSON.stringify(b.path)}, contentType: ${JSON.stringify(b.contentType)}, body: body${i} },`,
    );
  });
  writeFileSync(
    join(dir, 'entry.js'),
    [
      `import { staticWorker } from ${JSON.stringify(join(import.meta.dirname, 'worker.ts'))};`,
      ...imports,
      'export default staticWorker([',
      ...table,
      ']);',
      '',
    ].join('\n'),
  );
  return startWrangler(
    {},
    { timeoutMs: opts.timeoutMs, configPath: join(dir, 'wrangler.toml'), cleanup: dir },
  );
}
