import type { MiddlewareHandler } from 'hono';
import { configWarnings, isDemoMode, isProduction, readConfig, type Config, type Env } from './env';
import { AppError } from './errors';
import { namesJob } from './middleware/share-gate';
import type { AppEnv, IsolateState } from './services';

// A deployment that cannot serve real jobs says so instead of looking healthy. With
// DEPLOY_ENV = "production" (wrangler.toml's [env.production.vars]) the worker fails closed,
// 503 `misconfigured` on every route that names a job and on /healthz, while:
//
// - it is in demo mode (no UPSTREAM_URL): production would serve invented jobs;
// - OVERMIND_API_KEY is unset: every uncached job would be a 502;
// - SHARE_MODE is unset: whether every job is public by its id is the team's choice, not a default.
//
// Without DEPLOY_ENV (npm start, the demo deployment, the tests) nothing changes: SHARE_MODE
// defaults to public. Signed mode without a usable secret fails closed in every environment
// (src/middleware/share-gate.ts).

/** Why this deployment cannot serve real jobs, one sentence each; empty when it can. */
export function deploymentProblems(env: Env, config: Config = readConfig(env)): string[] {
  if (!isProduction(config)) return [];
  const problems: string[] = [];
  if (isDemoMode(config)) {
    problems.push(
      'DEPLOY_ENV is "production" but UPSTREAM_URL is empty (demo mode): set UPSTREAM_URL to the upstream, e.g. https://api.overmindlab.ai.',
    );
  } else if (config.OVERMIND_API_KEY === '') {
    problems.push('OVERMIND_API_KEY is not set: npx wrangler secret put OVERMIND_API_KEY --env production.');
  }
  const mode = typeof env.SHARE_MODE === 'string' ? env.SHARE_MODE.trim() : '';
  if (mode === '') {
    problems.push(
      'SHARE_MODE is not set: choose public or signed (SHARE_MODE = "public" or "signed" in [env.production.vars]).',
    );
  }
  return problems;
}

export function misconfiguredDeployment(problems: readonly string[]): AppError {
  return new AppError(
    503,
    'misconfigured',
    `This deployment is misconfigured, so no job can be opened: ${problems.join(' ')} The operator needs to fix the worker's settings.`,
  );
}

const warned = new WeakSet<IsolateState>();
const settingsLogged = new WeakSet<Config>();

/** Share links and minting carry jobs too; they fail closed with the job routes. */
const SHARE_PATHS = /^\/(?:s\/|api\/shares\/?$)/;

/**
 * Registered before the share gate and every route: a job route never reaches the source here.
 * It also logs, once per env, each setting that fell back to its default (src/env.ts).
 */
export function deploymentGate(state: IsolateState): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const env = c.env ?? {};
    const config = readConfig(env);
    if (!settingsLogged.has(config)) {
      settingsLogged.add(config);
      for (const warning of configWarnings(config)) state.deps.log({ event: 'config_rejected', warning });
    }
    const problems = deploymentProblems(env, config);
    if (problems.length === 0) return next();
    const url = new URL(c.req.url);
    if (!namesJob(url, c.var.routes) && !SHARE_PATHS.test(url.pathname)) return next();
    if (!warned.has(state)) {
      warned.add(state);
      state.deps.log({ event: 'deployment_misconfigured', problems });
    }
    throw misconfiguredDeployment(problems);
  };
}
