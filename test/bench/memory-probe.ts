// Diagnostic, not part of `npm run bench`: RSS of each workerd process under wrangler
// dev as distinct jobs accumulate, to tell a leak (linear) from heap sizing (plateau).
//
//   node test/bench/memory-probe.ts [api|page|both] [steps=5] [jobsPerStep=500] [MEMORY_CACHE_BYTES]

import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { startFakeUpstream } from '../node/fake-upstream.ts';
import { installExitHandlers, cleanupAll } from './children.ts';
import { worker, workerdRss } from './load.ts';

const [mode = 'both', stepsArg = '5', perStepArg = '500', boundArg = String(8 * 1024 * 1024)] =
  process.argv.slice(2);
const KEY = 'ovr_probe';

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function perProcess(pids: number[]): string {
  return pids
    .map((pid) => {
      try {
        const s = readFileSync(`/proc/${pid}/status`, 'utf8');
        return `${pid}:${Math.round(Number(/^VmRSS:\s+(\d+)/m.exec(s)?.[1] ?? 0) / 1024)}M`;
      } catch {
        return `${pid}:gone`;
      }
    })
    .join(' ');
}

installExitHandlers();
const up = await startFakeUpstream({ expectKey: KEY, control: { generate: true } });
const w = await worker({
  UPSTREAM_URL: up.url,
  OVERMIND_API_KEY: KEY,
  MEMORY_CACHE_BYTES: boundArg,
  MISS_RATE_LIMIT: 'off',
});
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
try {
  let n = 0;
  const r0 = workerdRss(w.pid);
  console.log(`mode ${mode}, bound ${boundArg}: start ${perProcess(r0.pids)}`);
  for (let step = 0; step < Number(stepsArg); step++) {
    const paths: string[] = [];
    for (let i = 0; i < Number(perStepArg); i++, n++) {
      const id = `${(0x30000000 + n).toString(16)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
      if (mode !== 'page') paths.push(`/api/jobs/${id}/`);
      if (mode !== 'api') paths.push(`/jobs/${id}`);
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < paths.length) await get(w.url + (paths[next++] as string), agent);
      }),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const r = workerdRss(w.pid);
    console.log(`${n} jobs: total ${Math.round(r.bytes / 1048576)}M  ${perProcess(r.pids)}`);
  }
} finally {
  agent.destroy();
  await w.dispose();
  await up.close();
  await cleanupAll();
}
