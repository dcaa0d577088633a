// Summarise a V8 .cpuprofile: self time per function and per package, top N.
//
//   node --cpu-prof --cpu-prof-dir=bench-results/prof test/bench/render.ts --only card-svg
//   node test/bench/profile-summary.ts bench-results/prof/*.cpuprofile [--top 25]

import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 25;
const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');

/** node_modules package, "bundle" for the bench bundle of src/, else the file. */
function origin(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url.includes('bench-results/.build/')) return 'worker code (bundle)';
  if (url === '') return '(native/vm)';
  return url.replace(/^file:\/\/.*\/work\/main\//, '');
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const pkg = new Map<string, number>();
  let total = 0;
  p.timeDeltas.forEach((d, i) => {
    const n = byId.get(p.samples[i] ?? 0);
    if (!n) return;
    const f = n.callFrame;
    if (f.functionName === '(idle)') return;
    total += d;
    const key = `${f.functionName || '(anonymous)'} ${origin(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
    pkg.set(origin(f.url), (pkg.get(origin(f.url)) ?? 0) + d);
  });
  const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log('  by origin:');
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${pct(v)}  ${k}`);
  console.log('  by function (self):');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(v)}  ${k}`);
}
