import type { JobShield } from '../src/shield';

// The bindings wrangler.toml gives the worker, as `env` from cloudflare:workers sees them in tests.
declare global {
  namespace Cloudflare {
    interface Env {
      JOB_SHIELD: DurableObjectNamespace<JobShield>;
      ASSETS: Fetcher;
    }
  }
}
