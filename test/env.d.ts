import type { JobShield } from '../src/shield';

// The bindings wrangler.toml gives the worker, as `env` from cloudflare:workers sees them in tests.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Runs per fast-check property in test/properties.test.ts (PROPERTY_RUNS). */
    propertyRuns: number;
  }
}

declare global {
  namespace Cloudflare {
    interface Env {
      JOB_SHIELD: DurableObjectNamespace<JobShield>;
      ASSETS: Fetcher;
    }
  }
}
