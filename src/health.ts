import { NO_STORE } from './caching';
import type { Context } from 'hono';
import { deploymentProblems } from './deployment';
import { configWarnings, isDemoMode, isProduction, readConfig } from './env';
import type { AppEnv } from './services';
import { shareSettings } from './share';

// GET /healthz: liveness without an upstream call, and 503 while the deployment cannot serve
// real jobs (src/deployment.ts, or a signed mode that cannot verify links). `?verbose=1` adds
// what an operator checks first after a deploy: the mode and upstream host, whether the key is
// set, the shield and Cache API tiers, the deployed version. Never cached, and never a secret:
// the key is reported as set or not, nothing of its value or length.

export async function healthz(c: Context<AppEnv>): Promise<Response> {
  const { state } = c.var.services;
  const env = c.env ?? {};
  const config = readConfig(env);
  const share = shareSettings(config);
  const shareProblem = share.mode === 'signed' ? share.problem : null;
  const problems = [...deploymentProblems(env, config), ...(shareProblem ? [shareProblem] : [])];
  const m = state.memory;
  const body: Record<string, unknown> = {
    status: problems.length > 0 ? 'misconfigured' : 'ok',
    problems,
    memory_cache: m ? { bytes: m.bytes, max_bytes: m.maxBytes, entries: m.size } : null,
    share:
      share.mode === 'public'
        ? { mode: 'public' }
        : { mode: 'signed', previous_secret: share.secrets.length > 1, problem: shareProblem },
  };
  if (c.req.query('verbose') === '1') {
    const demo = isDemoMode(config);
    const host = new URL(c.req.url).hostname;
    const workersDev = host === 'workers.dev' || host.endsWith('.workers.dev');
    // Opened by this request's services (src/services.ts), once per isolate.
    const cache = workersDev ? null : await state.cache;
    const version = env.CF_VERSION_METADATA;
    body.environment = config.DEPLOY_ENV || null;
    body.mode = demo ? 'demo' : 'upstream';
    body.upstream = demo
      ? null
      : { host: upstreamHost(config.UPSTREAM_URL), key_set: config.OVERMIND_API_KEY !== '' };
    body.shield = {
      bound: env.JOB_SHIELD != null,
      location_hint: config.SHIELD_LOCATION_HINT,
      idle_days: config.SHIELD_IDLE_DAYS,
    };
    body.cache_api = workersDev
      ? { usable: false, reason: 'The Cache API has no effect on *.workers.dev; serve from a custom domain.' }
      : cache
        ? { usable: true, reason: null }
        : { usable: false, reason: 'The Cache API could not be opened here.' };
    body.version = version
      ? { id: version.id, tag: version.tag || null, timestamp: version.timestamp || null }
      : null;
    body.warnings = [
      ...configWarnings(config),
      ...(workersDev ? ['Served on *.workers.dev: the Cache API tier is inactive.'] : []),
      ...(isProduction(config) && !demo && config.SHIELD_LOCATION_HINT === null
        ? ['SHIELD_LOCATION_HINT is not set: each shield is created near its first request, and never moves.']
        : []),
    ];
  }
  return c.json(body, problems.length > 0 ? 503 : 200, { 'Cache-Control': NO_STORE });
}

/** The host only: a URL may carry user:password, which is a secret. */
function upstreamHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
