import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { startWrangler, type RunningWorker } from '../node/wrangler';

// wrangler.toml's production environment as `wrangler dev --env production` runs it: its own
// vars (DEPLOY_ENV, UPSTREAM_URL) and bindings. As shipped it refuses job routes until the
// operator sets the key and chooses a share mode; given both, it serves, and its health says so.

const KEY = 'ovr_e2e_production_key_9c2f';
const ID = (DEMO_JOBS[0] as { id: string }).id;

interface Health {
  status: string;
  problems: string[];
  environment?: string | null;
  mode?: string;
  upstream?: { host: string; key_set: boolean } | null;
  version?: { id: string } | null;
}

describe('the production environment under wrangler dev', () => {
  let upstream: FakeUpstreamServer;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY });
  });
  afterAll(() => upstream?.close());

  it('as shipped: 503 misconfigured on job routes and /healthz, naming the key and the share mode', async () => {
    // Pointed at the fake upstream: nothing may reach the real one from a test.
    const worker: RunningWorker = await startWrangler({ UPSTREAM_URL: upstream.url }, { env: 'production' });
    try {
      const health = await fetch(`${worker.url}/healthz?verbose=1`);
      expect(health.status).toBe(503);
      expect(health.headers.get('Cache-Control')).toBe('no-store');
      const body = (await health.json()) as Health;
      expect(body.environment).toBe('production');
      expect(body.problems.join(' ')).toMatch(/OVERMIND_API_KEY is not set/);
      expect(body.problems.join(' ')).toMatch(/choose public or signed/);
      const job = await fetch(`${worker.url}/api/jobs/${ID}/`);
      expect(job.status).toBe(503);
      expect(((await job.json()) as { code: string }).code).toBe('misconfigured');
      expect(upstream.stats.calls).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('with the key and SHARE_MODE: healthy, with its version, and serving jobs', async () => {
    const worker = await startWrangler(
      { UPSTREAM_URL: upstream.url, OVERMIND_API_KEY: KEY, SHARE_MODE: 'public' },
      { env: 'production' },
    );
    try {
      const health = await fetch(`${worker.url}/healthz?verbose=1`);
      const text = await health.text();
      expect(health.status, text).toBe(200);
      expect(text).not.toContain(KEY);
      const body = JSON.parse(text) as Health;
      expect(body).toMatchObject({ status: 'ok', problems: [], environment: 'production', mode: 'upstream' });
      expect(body.upstream).toEqual({ host: new URL(upstream.url).host, key_set: true });
      expect(body.version?.id).toMatch(/^[0-9a-f-]{36}$/);
      const job = await fetch(`${worker.url}/api/jobs/${ID}/`);
      expect(job.status).toBe(200);
      expect(((await job.json()) as { id: string }).id).toBe(ID);
    } finally {
      await worker.stop();
    }
  });
});
