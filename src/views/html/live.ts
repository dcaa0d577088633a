import { LIVE_SCRIPT, LIVE_SCRIPT_HASH } from '../../../dist/client/bundle.js';

// The one script of the site, inlined in the page of a job that is still pending or running
// and allowed by the Content-Security-Policy through its hash. Its source is src/client/live.ts;
// scripts/build-client.ts bundles it and computes the hash at build time.

export { LIVE_SCRIPT };

/** The CSP source for the live script, e.g. 'sha256-…'. */
export function liveScriptHash(): Promise<string> {
  return Promise.resolve(LIVE_SCRIPT_HASH);
}
