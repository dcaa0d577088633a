import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../src/demo-data';
import type { Env } from '../src/env';
import { importShareKey, mintShareToken } from '../src/share';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';
import { API_KEY, harness, json, selfFetch, strictUpstreams, UPSTREAM } from './helpers';

// The configuration matrix: a production deployment (DEPLOY_ENV=production) that cannot serve
// real jobs answers 503 `misconfigured` on every job route and on /healthz, saying why; every
// valid combination serves; /healthz?verbose=1 tells an operator what is deployed without a
// secret. Every answer is checked against /openapi.json by the harness.

const upstream = strictUpstreams();
const SECRET = 'deploy-share-secret-0123456789abcdefghij';
const OLD_SECRET = 'deploy-old-share-secret-0123456789abcdef';
const SECRETS = [API_KEY, SECRET, OLD_SECRET];
const DEMO_ID = (DEMO_JOBS[0] as { id: string }).id;
const PROD: Env = { DEPLOY_ENV: 'production', UPSTREAM_URL: UPSTREAM, OVERMIND_API_KEY: API_KEY };

const jobFaces = (id: string) => [
  `/api/jobs/${id}/`,
  `/api/jobs/${id}/summary`,
  `/jobs/${id}`,
  `/jobs/${id}/og.svg`,
  `/jobs/${id}/badge.svg`,
  `/jobs/${id}/comment.md`,
  `/compare/${id}...${id}`,
];

const jobUpstream = () => upstream(() => json(upstreamJob()));

interface Health {
  status: string;
  problems: string[];
  share: { mode: string; problem?: string | null };
  mode?: string;
  environment?: string | null;
  upstream?: { host: string; key_set: boolean } | null;
  shield?: { bound: boolean; location_hint: string | null; idle_days: number };
  cache_api?: { usable: boolean; reason: string | null };
  version?: { id: string; tag: string | null; timestamp: string | null } | null;
  warnings?: string[];
}

describe('production that cannot serve real jobs fails closed', () => {
  for (const [name, env, reason] of [
    ['without SHARE_MODE', PROD, /SHARE_MODE is not set: choose public or signed/],
    [
      'without OVERMIND_API_KEY',
      { ...PROD, OVERMIND_API_KEY: undefined, SHARE_MODE: 'public' },
      /OVERMIND_API_KEY is not set/,
    ],
    ['in demo mode', { DEPLOY_ENV: 'production', UPSTREAM_URL: '', SHARE_MODE: 'public' }, /demo mode/],
    ['in signed mode without SHARE_SECRET', { ...PROD, SHARE_MODE: 'signed' }, /SHARE_SECRET is not set/],
  ] as const) {
    it(`${name}: job routes, share links, minting and /healthz answer 503 misconfigured with the reason`, async () => {
      const up = jobUpstream();
      const h = harness({ upstream: up, env });
      const token = await mintShareToken(await importShareKey(SECRET), { jobId: JOB_ID, expiresAt: null });
      for (const path of [...jobFaces(JOB_ID), `/s/${token}/jobs/${JOB_ID}`, `/healthz?id=${JOB_ID}`]) {
        const res = await h.fetch(path);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('X-Error-Code'), path).toBe('misconfigured');
        expect(res.headers.get('Cache-Control'), path).toBe('no-store');
        const text = await res.text();
        // A badge is a picture: it says "unavailable"; every other face gives the reason.
        if (!path.endsWith('badge.svg')) expect(text, path).toMatch(reason);
        for (const s of SECRETS) expect(text, path).not.toContain(s);
      }
      const mint = await h.fetch('/api/shares', {
        method: 'POST',
        headers: { 'X-Api-Key': 'ovr_caller' },
        body: JSON.stringify({ job_id: JOB_ID }),
      });
      expect(mint.status).toBe(503);

      const health = await h.fetch('/healthz');
      expect(health.status).toBe(503);
      expect(health.headers.get('Cache-Control')).toBe('no-store');
      const body = (await health.json()) as Health;
      expect(body.status).toBe('misconfigured');
      expect(body.problems.join(' ')).toMatch(reason);

      // The site itself still answers: an operator can read the docs and the health.
      expect((await h.fetch('/openapi.json')).status).toBe(200);
      expect((await h.fetch('/robots.txt')).status).toBe(200);
      expect(up.calls).toEqual([]);
      const said = h.logs.filter(
        (l) => l.event === 'deployment_misconfigured' || l.event === 'share_misconfigured',
      );
      expect(said).toHaveLength(1);
      expect(JSON.stringify(h.logs)).not.toContain(API_KEY);
    });
  }

  it('names every problem at once', async () => {
    const h = harness({ env: { DEPLOY_ENV: 'production' } });
    const body = (await (await h.fetch('/healthz')).json()) as Health;
    expect(body.problems).toHaveLength(2);
    expect(body.problems[0]).toMatch(/demo mode/);
    expect(body.problems[1]).toMatch(/choose public or signed/);
  });
});

describe('every valid combination serves', () => {
  it('production, public, with a key: jobs and /healthz answer 200', async () => {
    const up = jobUpstream();
    const h = harness({ upstream: up, env: { ...PROD, SHARE_MODE: 'public' } });
    for (const path of jobFaces(JOB_ID)) expect((await h.fetch(path)).status, path).toBe(200);
    const health = await h.fetch('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', problems: [], share: { mode: 'public' } });
    expect(up.calls).toEqual([JOB_ID]);
  });

  it('production, signed, with a key and a secret: jobs open under a share link only', async () => {
    const up = jobUpstream();
    const h = harness({ upstream: up, env: { ...PROD, SHARE_MODE: 'signed', SHARE_SECRET: SECRET } });
    const token = await mintShareToken(await importShareKey(SECRET), { jobId: JOB_ID, expiresAt: null });
    expect((await h.fetch(`/s/${token}/api/jobs/${JOB_ID}/`)).status).toBe(200);
    expect((await h.fetch(`/s/${token}/jobs/${JOB_ID}`)).status).toBe(200);
    expect((await h.fetch(`/api/jobs/${JOB_ID}/`)).status).toBe(404);
    const health = await h.fetch('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', problems: [], share: { mode: 'signed' } });
  });

  it('outside production (npm start, the tests), SHARE_MODE still defaults to public', async () => {
    const demo = harness({ env: { UPSTREAM_URL: '' } });
    expect((await demo.fetch(`/api/jobs/${DEMO_ID}/`)).status).toBe(200);
    expect((await demo.fetch('/healthz')).status).toBe(200);
    const up = jobUpstream();
    const plain = harness({ upstream: up, env: { UPSTREAM_URL: UPSTREAM, OVERMIND_API_KEY: API_KEY } });
    expect((await plain.fetch(`/api/jobs/${JOB_ID}/`)).status).toBe(200);
    expect((await plain.fetch('/healthz')).status).toBe(200);
  });

  it('wrangler.toml as shipped (demo, no DEPLOY_ENV) is healthy', async () => {
    const res = await selfFetch('https://edge.test/healthz?verbose=1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Health;
    expect(body).toMatchObject({ status: 'ok', mode: 'demo', environment: null, upstream: null });
    expect(body.shield?.bound).toBe(true);
    // wrangler.toml's version_metadata binding, as the local runtime fills it.
    expect(body.version?.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/healthz?verbose=1', () => {
  const VERSION: WorkerVersionMetadata = {
    id: '8f2c1c9e-6d7a-4c1b-9a4e-2b1f3c4d5e6f',
    tag: 'v42',
    timestamp: '2026-12-01T10:00:00Z',
  };
  const matrix: [string, Env][] = [
    ['demo', {}],
    ['upstream, public', { ...PROD, SHARE_MODE: 'public', CF_VERSION_METADATA: VERSION }],
    [
      'upstream, signed',
      { ...PROD, SHARE_MODE: 'signed', SHARE_SECRET: SECRET, SHARE_SECRET_PREVIOUS: OLD_SECRET },
    ],
    ['production without key', { ...PROD, OVERMIND_API_KEY: undefined, SHARE_MODE: 'public' }],
    ['signed with a short secret', { ...PROD, SHARE_MODE: 'signed', SHARE_SECRET: 'short' }],
  ];

  for (const [name, env] of matrix) {
    it(`${name}: never cached, never a secret, and as /openapi.json describes it`, async () => {
      const h = harness({ env });
      const res = await h.fetch('/healthz?verbose=1');
      expect(res.headers.get('Cache-Control')).toBe('no-store');
      const text = await res.text();
      for (const s of [...SECRETS, 'short']) expect(text).not.toContain(s);
      const body = JSON.parse(text) as Health;
      expect(res.status).toBe(body.problems.length > 0 ? 503 : 200);
      expect(body.mode).toBe(env.UPSTREAM_URL ? 'upstream' : 'demo');
      expect(body.upstream).toEqual(
        env.UPSTREAM_URL ? { host: 'upstream.test', key_set: env.OVERMIND_API_KEY !== undefined } : null,
      );
      expect(body.environment).toBe(env.DEPLOY_ENV ?? null);
    });
  }

  it('reports the deployed version from the version_metadata binding', async () => {
    const h = harness({ env: { ...PROD, SHARE_MODE: 'public', CF_VERSION_METADATA: VERSION } });
    const body = (await (await h.fetch('/healthz?verbose=1')).json()) as Health;
    expect(body.version).toEqual({ id: VERSION.id, tag: 'v42', timestamp: VERSION.timestamp });
    const none = (await (await harness({ env: {} }).fetch('/healthz?verbose=1')).json()) as Health;
    expect(none.version).toBeNull();
  });

  it('names the upstream host only, never credentials in UPSTREAM_URL', async () => {
    const h = harness({
      env: { UPSTREAM_URL: 'https://svc:hunter2-password@upstream.test/base', OVERMIND_API_KEY: API_KEY },
    });
    const text = await (await h.fetch('/healthz?verbose=1')).text();
    expect(text).not.toContain('hunter2');
    expect((JSON.parse(text) as Health).upstream).toEqual({ host: 'upstream.test', key_set: true });
  });

  it('says the Cache API tier is inactive on *.workers.dev and usable on a custom domain', async () => {
    const h = harness({ env: { ...PROD, SHARE_MODE: 'public', SHIELD_LOCATION_HINT: 'enam' } });
    const dev = (await (
      await h.fetch('https://overmind-edge.acme.workers.dev/healthz?verbose=1')
    ).json()) as Health;
    expect(dev.cache_api).toEqual({ usable: false, reason: expect.stringMatching(/workers\.dev/) });
    expect(dev.warnings?.join(' ')).toMatch(/workers\.dev/);
    const custom = (await (await h.fetch('https://edge.example.com/healthz?verbose=1')).json()) as Health;
    expect(custom.cache_api).toEqual({ usable: true, reason: null });
    expect(custom.warnings).toEqual([]);
  });

  it('production without SHIELD_LOCATION_HINT is warned, not refused', async () => {
    const res = await harness({ env: { ...PROD, SHARE_MODE: 'public' } }).fetch('/healthz?verbose=1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Health;
    expect(body.warnings).toEqual([expect.stringMatching(/^SHIELD_LOCATION_HINT is not set/)]);
    expect(body.shield?.location_hint).toBeNull();
  });

  it('reports the shield binding and its settings', async () => {
    const without = (await (await harness({ env: {} }).fetch('/healthz?verbose=1')).json()) as Health;
    expect(without.shield).toEqual({ bound: false, location_hint: null, idle_days: 30 });
    const res = await SELF.fetch('https://edge.test/healthz?verbose=1');
    expect(((await res.json()) as Health).shield?.bound).toBe(true);
  });

  it('the short answer has none of the details', async () => {
    const body = (await (await harness({ env: {} }).fetch('/healthz?verbose=0')).json()) as Health;
    expect(Object.keys(body).sort()).toEqual(['memory_cache', 'problems', 'share', 'status']);
  });
});

describe('size settings stay within what an isolate holds', () => {
  it('an out-of-range value falls back to its default, with a logged warning', async () => {
    const h = harness({
      env: {
        UPSTREAM_URL: '',
        MEMORY_CACHE_BYTES: String(512 * 1024 * 1024),
        UPSTREAM_MAX_BYTES: '104857600',
      },
    });
    expect((await h.fetch(`/api/jobs/${DEMO_ID}/`)).status).toBe(200);
    const body = (await (await h.fetch('/healthz?verbose=1')).json()) as Health & {
      memory_cache: { max_bytes: number };
    };
    expect(body.memory_cache.max_bytes).toBe(16 * 1024 * 1024);
    expect(body.warnings).toEqual([
      expect.stringMatching(/^UPSTREAM_MAX_BYTES="104857600" .*default 5242880/),
      expect.stringMatching(/^MEMORY_CACHE_BYTES="536870912" .*default 16777216/),
    ]);
    const warned = h.logs.filter((l) => l.event === 'config_rejected').map((l) => String(l.warning));
    expect(warned).toHaveLength(2);
    expect(warned.join(' ')).toMatch(/MEMORY_CACHE_BYTES/);
  });

  it('values within the bounds are taken as they are, without a warning', async () => {
    const h = harness({ env: { UPSTREAM_URL: '', MEMORY_CACHE_BYTES: String(64 * 1024 * 1024) } });
    const body = (await (await h.fetch('/healthz?verbose=1')).json()) as Health & {
      memory_cache: { max_bytes: number } | null;
    };
    expect(body.warnings).toEqual([]);
    expect(h.logs.filter((l) => l.event === 'config_rejected')).toEqual([]);
  });
});
