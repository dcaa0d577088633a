import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';

// The worker as shipped, under `wrangler dev`: demo mode as `npm start` serves it, and upstream
// mode proxying a fake upstream on loopback with a key. The card of every demo job, in both
// themes, is written to test-artifacts/cards/ for a person to look at.

const KEY = 'ovr_e2e_key_5b7c1d';
const ARTIFACTS = join(ROOT, 'test-artifacts', 'cards');
const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);

function pngSize(bytes: Uint8Array) {
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe('demo mode under wrangler dev', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWrangler();
  });
  afterAll(() => worker?.stop());

  it('serves /, /healthz and every demo job as JSON, page, card and badge', async () => {
    const index = await fetch(`${worker.url}/`);
    expect(index.status).toBe(200);
    const html = await index.text();
    for (const id of ids) expect(html).toContain(`/jobs/${id}`);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);

    mkdirSync(ARTIFACTS, { recursive: true });
    for (const id of ids) {
      const api = await fetch(`${worker.url}/api/jobs/${id}/`);
      expect(api.status).toBe(200);
      expect(((await api.json()) as { id: string }).id).toBe(id);
      const page = await fetch(`${worker.url}/jobs/${id}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('Content-Security-Policy')).toMatch(/default-src 'none'/);
      for (const theme of ['light', 'dark']) {
        const png = await fetch(`${worker.url}/jobs/${id}/og.png?theme=${theme}`);
        expect(png.status).toBe(200);
        const bytes = new Uint8Array(await png.arrayBuffer());
        expect(pngSize(bytes)).toEqual({ width: 1200, height: 630 });
        writeFileSync(join(ARTIFACTS, `${id.slice(0, 8)}-${theme}.png`), bytes);
      }
      const badge = await fetch(`${worker.url}/jobs/${id}/badge.svg`);
      expect(badge.status).toBe(200);
      writeFileSync(join(ARTIFACTS, `${id.slice(0, 8)}-badge.svg`), await badge.text());
    }
  });
});

describe('upstream mode under wrangler dev', () => {
  let upstream: FakeUpstreamServer;
  let worker: RunningWorker;
  let unauthorised: RunningWorker;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ expectKey: KEY });
    [worker, unauthorised] = await Promise.all([
      startWrangler({
        UPSTREAM_URL: upstream.url,
        OVERMIND_API_KEY: KEY,
        UPSTREAM_TIMEOUT_MS: '1000',
        TTL_TERMINAL_SECONDS: '1',
        STALE_WHILE_REVALIDATE_SECONDS: '0',
        MISS_RATE_LIMIT: 'off',
        // The job's shield asks a failing upstream at most once per backoff window: 1 s here.
        SHIELD_BACKOFF_MAX_SECONDS: '1',
      }),
      startWrangler({ UPSTREAM_URL: upstream.url, OVERMIND_API_KEY: 'ovr_wrong', MISS_RATE_LIMIT: 'off' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([worker?.stop(), unauthorised?.stop()]);
    await upstream?.close();
  });

  it('proxies the upstream with the key, caches, and keeps the key out of answers', async () => {
    const id = ids[0] ?? '';
    const first = await fetch(`${worker.url}/api/jobs/${id}/`);
    expect(first.status).toBe(200);
    expect(first.headers.get('X-Cache')).toBe('MISS');
    const body = await first.text();
    expect(body).not.toContain(KEY);
    expect(body).not.toContain('agent_display_name');
    const second = await fetch(`${worker.url}/api/jobs/${id}?utm=x`);
    expect(second.headers.get('X-Cache')).toBe('HIT');
    expect(upstream.stats.byId[id]).toBe(1);
  });

  it('maps faults to precise errors, and serves the stale copy when it has one', async () => {
    const id = ids[3] ?? ''; // a failed job: terminal, so fresh for TTL_TERMINAL_SECONDS = 1
    upstream.control.mode = 'ok';
    expect((await fetch(`${worker.url}/api/jobs/${id}/`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const cases: [string, string][] = [
      ['500', 'upstream_unavailable'],
      ['timeout', 'upstream_timeout'],
      ['html', 'upstream_invalid'],
      ['429', 'upstream_rate_limited'],
    ];
    for (const [mode, code] of cases) {
      upstream.control.mode = mode as typeof upstream.control.mode;
      // Inside a backoff window the shield repeats the last failure without asking; wait it out.
      await new Promise((r) => setTimeout(r, 1100));
      const stale = await fetch(`${worker.url}/api/jobs/${id}/`);
      expect(stale.status, mode).toBe(200);
      expect(stale.headers.get('X-Cache-Reason'), mode).toBe(code);
      expect(((await stale.json()) as { id: string }).id).toBe(id);
    }
    upstream.control.mode = '500';
    const cold = await fetch(`${worker.url}/api/jobs/11111111-1111-4111-8111-111111111111/`);
    expect(cold.status).toBe(502);
    expect(await cold.json()).toMatchObject({ code: 'upstream_unavailable' });
    upstream.control.mode = 'ok';
  });

  it('a refused key is a 502 upstream_auth that never names the key', async () => {
    const res = await fetch(`${unauthorised.url}/api/jobs/${ids[2] ?? ''}/`);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'upstream_auth' });
    expect(text).not.toContain('ovr_wrong');
  });
});
