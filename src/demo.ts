import { makeEntry } from './cache';
import { DEMO_JOBS } from './demo-data';
import type { Config } from './env';
import { parseJob, redact, type Job } from './schema';
import { notFound } from './errors';
import type { JobSource } from './upstream';

// The demo source answers like the upstream would, from the built-in data set,
// so demo jobs take the same validation, redaction and cache path as real ones.

const byId = new Map<string, unknown>();
for (const job of DEMO_JOBS) {
  const id = (job as { id?: unknown }).id;
  if (typeof id === 'string') byId.set(id.toLowerCase(), job);
}

export function demoSource(): JobSource {
  return {
    kind: 'demo',
    cacheScope: 'demo',
    fetchJob: async (id) => {
      const job = byId.get(id);
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

/** The demo jobs as served (validated and redacted), for the index page. */
export function demoJobs(config: Config): Promise<DemoIndex> {
  const redactKey = config.REDACT_FIELDS.join(',');
  if (!index || indexFor !== redactKey) {
    indexFor = redactKey;
    index = (async () => {
      const jobs: Job[] = [];
      const versions: Record<string, string> = {};
      for (const raw of DEMO_JOBS) {
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
