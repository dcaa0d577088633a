// Writes the reference card of each script (test/fixtures/cards/<script>.png) that
// test/scripts.test.ts compares pixel-wise against what the worker renders. Run it after a
// deliberate change to the card, look at every picture, and commit them:
//
//   node test/node/card-references.ts
//
// Rendered in Node with the worker's own code (test/bench/bundle.ts) and ./assets from disk.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../../src/schema.ts';
import { bundleForNode, ROOT } from '../bench/bundle.ts';
import { fileAssets } from './assets.ts';

interface Module {
  renderCardPng(job: Job, opts: { theme: 'light' | 'dark'; assets?: unknown }): Promise<Uint8Array>;
  SCRIPT_JOBS: Record<string, Job>;
}

const bundle = await bundleForNode("export { SCRIPT_JOBS } from './test/fixtures/scripts.ts';\n");
try {
  const m = (await import(bundle.file)) as Module;
  const out = join(ROOT, 'test', 'fixtures', 'cards');
  mkdirSync(out, { recursive: true });
  const assets = fileAssets(ROOT);
  for (const [script, job] of Object.entries(m.SCRIPT_JOBS)) {
    const png = await m.renderCardPng(job, { theme: 'light', assets });
    writeFileSync(join(out, `${script}.png`), png);
    console.log(`${script}.png ${png.byteLength} bytes`);
  }
} finally {
  bundle.dispose();
}
