import { makeEntry } from './cache';
import type { Now } from './clock';
import { DEMO_JOBS, DEMO_LIVE, demoLiveJob, demoLivePhase } from './demo-data';
import type { Config } from './env';
import { parseJob, redact, type Job } from './schema';
import { notFound } from './errors';
import type { JobSource } from './upstream';

// The demo source answers like the upstream would, from the built-in data set,
// so demo jobs take the same validation, redaction and cache path as real ones.
// The running job advances with the clock it is given (demo-data.ts, DEMO_LIVE), so a
// live page under `npm start` moves; the clock is passed in so tests can drive it.

const byId = new Map<string, unknown>();
for (const job of DEMO_JOBS) {
  const id = (job as { id?: unknown }).id;
  if (typeof id === 'string') byId.set(id.toLowerCase(), job);
}

/** The demo jobs as the upstream would send them at `nowMs`: the static set with the live job advanced. */
export function demoJobsAt(nowMs: number): readonly unknown[] {
  return DEMO_JOBS.map((job) => ((job as { id?: unknown }).id === DEMO_LIVE.id ? demoLiveJob(nowMs) : job));
}

export function demoSource(now: Now): JobSource {
  return {
    kind: 'demo',
    cacheScope: 'demo',
    fetchJob: async (id) => {
      const job = id === DEMO_LIVE.id ? demoLiveJob(now()) : byId.get(id);
      if (job === undefined) throw notFound();
      // A deep copy, so nothing downstream can alter the module's data.
      return structuredClone(job);
    },
  };
}

export interface DemoIndex {
  jobs: Job[];
  /** Content version of each job, for the index's image URLs. */
  versions: Record<string, string>;
}

let index: Promise<DemoIndex> | null = null;
let indexFor: string | null = null;

/**
 * The demo jobs as served at `nowMs` (validated and redacted), for the index page. Built once
 * per step of the live job: the index and the live job's page then show the same numbers.
 */
export function demoJobs(config: Config, nowMs: number): Promise<DemoIndex> {
  const { cycleStart, shown } = demoLivePhase(nowMs);
  const indexKey = `${config.REDACT_FIELDS.join(',')}|${cycleStart}|${shown}`;
  if (!index || indexFor !== indexKey) {
    indexFor = indexKey;
    index = (async () => {
      const jobs: Job[] = [];
      const versions: Record<string, string> = {};
      for (const raw of demoJobsAt(nowMs)) {
        const parsed = parseJob(raw);
        if (!parsed.ok) continue;
        const job = redact(parsed.job, config.REDACT_FIELDS);
        jobs.push(job);
        versions[job.id] = (await makeEntry(job, job.id, 0)).version;
      }
      return { jobs, versions };
    })();
  }
  return index;
}
