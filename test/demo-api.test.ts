import { describe, expect, it, vi } from 'vitest';
import { DEMO_JOBS, DEMO_LIVE } from '../src/demo-data';
import { JobSchema } from '../src/schema';
import { clock, harness, selfFetch } from './helpers';

const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);

describe('demo mode (wrangler.toml as shipped)', () => {
  it('answers /healthz without touching any job', async () => {
    const res = await selfFetch('https://edge.test/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });

  it('serves every demo job through the same validation, redaction and cache', async () => {
    for (const id of ids) {
      const res = await selfFetch(`https://edge.test/api/jobs/${id}/`);
      expect(res.status, id).toBe(200);
      const job = JobSchema.parse(await res.json());
      expect(job.id).toBe(id);
      expect(job).not.toHaveProperty('celery_task_id');
      expect(job).not.toHaveProperty('triggered_by');
      expect(job).not.toHaveProperty('agent_display_name');
      expect(res.headers.get('ETag')).toMatch(/^"/);
      expect(res.headers.get('Cache-Control')).toMatch(/^public, max-age=(3600|10),/);
      // The Worker under SELF and its shields serve every test file, so an earlier file may have
      // left an older copy: answered STALE, it is refreshed in the background, then a HIT.
      await vi.waitFor(
        async () => {
          const again = await selfFetch(`https://edge.test/api/jobs/${id}`);
          expect(again.headers.get('X-Cache')).toBe('HIT');
        },
        { timeout: 10_000, interval: 20 },
      );
    }
  });

  it('answers an unknown id with 404 and a malformed one with 400', async () => {
    const missing = await selfFetch('https://edge.test/api/jobs/00000000-0000-4000-8000-000000000000/');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not found.', code: 'not_found' });
    const bad = await selfFetch('https://edge.test/api/jobs/1234/');
    expect(bad.status).toBe(400);
  });

  it('never calls out: a fetch that throws would turn answers into 502s', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    for (const id of ids) expect((await h.fetch(`/api/jobs/${id}/`)).status).toBe(200);
  });

  it('advances the running job with the clock it is given, one version per step', async () => {
    const cycle = DEMO_LIVE.cycleSeconds * 1000;
    const c = clock(Math.floor(Date.parse('2026-11-30T12:00:00Z') / cycle) * cycle + 1000);
    const h = harness({ env: { UPSTREAM_URL: '' }, clock: c });
    const read = async () => {
      const res = await h.fetch(`/api/jobs/${DEMO_LIVE.id}/`);
      expect(res.status).toBe(200);
      const job = JobSchema.parse(await res.json());
      return { n: job.iterations.length, etag: res.headers.get('ETag'), cache: res.headers.get('X-Cache') };
    };
    const first = await read();
    expect(first).toMatchObject({ n: 1, cache: 'MISS' });
    expect((await read()).cache).toBe('HIT');
    // Past freshness and past the stale-while-revalidate window: the next read asks the source again.
    c.advance(DEMO_LIVE.stepSeconds + 61);
    const later = await read();
    expect(later.n).toBeGreaterThan(first.n);
    expect(later.etag).not.toBe(first.etag);
    // The same instant gives the same bytes, whichever isolate asks.
    const other = harness({ env: { UPSTREAM_URL: '' }, clock: c });
    expect((await other.fetch(`/api/jobs/${DEMO_LIVE.id}/`)).headers.get('ETag')).toBe(later.etag);
  });
});
