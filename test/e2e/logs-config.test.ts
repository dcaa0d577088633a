import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimental_readRawConfig, unstable_readConfig } from 'wrangler';
import { ROOT } from '../node/wrangler';

// Which logs exist (README "Logs"): Workers Logs keeps the worker's structured lines and, unless
// turned off, an invocation line per request that records its URL. A URL under /s/{token}/ opens
// its job, so invocation logs stay off in every environment wrangler.toml declares, as wrangler
// itself resolves it (environments inherit [observability] unless they declare their own).

const CONFIG = join(ROOT, 'wrangler.toml');

describe('platform logs carry no share token', () => {
  const { rawConfig } = experimental_readRawConfig({ config: CONFIG });
  const envs = [undefined, ...Object.keys(rawConfig.env ?? {})];

  it.each(envs.map((env) => [env ?? '(top level)', env] as const))(
    '%s: observability on, invocation logs off',
    (_name, env) => {
      const config = unstable_readConfig({ config: CONFIG, env }, { hideWarnings: true });
      expect(config.observability?.enabled).toBe(true);
      expect(config.observability?.logs?.invocation_logs).toBe(false);
    },
  );

  it('declares the production environment, so the check above covers it', () => {
    expect(envs).toContain('production');
  });
});
