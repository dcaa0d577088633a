import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../src/demo-data';
import { jobTitle } from '../src/present';
import { headline } from '../src/views/common/job';
import { JobSchema } from '../src/schema';
import { importShareKey, mintShareToken } from '../src/share';
import { summarize, SummarySchema, SUMMARY_MAX_BYTES } from '../src/summary';
import { bigJob, fixtures } from './fixtures/report-jobs';
import { ALL } from './fixtures/jobs';
import { jobArb, unicodeText } from './fixtures/arbitraries';
import { XSS_JOBS } from './fixtures/xss-jobs';
import { harness, json, strictUpstreams } from './helpers';
import { JOB_ID, upstreamJob } from './fixtures/upstream-jobs';

const demoIds = DEMO_JOBS.map((j) => (j as { id: string }).id);
const upstream = strictUpstreams();

describe('summary', () => {
  it('is at most 2 KB for any job, however long its strings or many its iterations', () => {
    const origin = `https://${'a'.repeat(60)}.example`;
    const jobs = [
      ...Object.values(fixtures()),
      ...Object.values(ALL),
      bigJob(2000),
      ...XSS_JOBS.map((j) => JobSchema.parse(j)),
      JobSchema.parse(upstreamJob({ prompt_slug: 'ß'.repeat(255) })),
    ];
    for (const job of jobs) {
      const s = summarize(job, '0123456789ab', origin);
      const bytes = new TextEncoder().encode(JSON.stringify(s)).byteLength;
      expect(bytes, job.id).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
      expect(SummarySchema.parse(s)).toEqual(s);
    }
  });

  it('says what the page and card say: the same headline and title', () => {
    for (const job of Object.values(fixtures())) {
      const s = summarize(job, '0123456789ab', 'https://edge.test');
      const h = headline(job);
      const six = (n: number | null) => (n == null ? null : Math.round(n * 1e6) / 1e6);
      expect(s.best_score).toBe(six(h.best));
      expect(s.improvement).toBe(six(h.points));
      expect(s.improvement_percent).toBe(six(h.percent));
      if (s.improvement != null) expect(String(s.improvement).length).toBeLessThan(16);
      if (jobTitle(job).length <= 200) expect(s.title).toBe(jobTitle(job));
      expect(s.iterations.done).toBe(job.iterations.length);
      expect(s.iterations.kept).toBe(job.iterations.filter((i) => i.status === 'keep').length);
    }
  });

  it('serves every demo job, with versioned absolute links, ETag and 304', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    for (const id of demoIds) {
      const res = await h.fetch(`/api/jobs/${id}/summary`);
      expect(res.status, id).toBe(200);
      expect(res.headers.get('Content-Type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
      const body = SummarySchema.parse(await res.json());
      expect(body.id).toBe(id);
      expect(body.links.report).toBe(`https://edge.test/jobs/${id}`);
      expect(body.links.json).toBe(`https://edge.test/api/jobs/${id}/`);
      expect(body.links.card).toBe(`https://edge.test/jobs/${id}/og.${body.version}.png`);
      expect(body.links.badge).toBe(`https://edge.test/jobs/${id}/badge.${body.version}.svg`);
      expect(body.links.comment).toBe(`https://edge.test/jobs/${id}/comment.md`);
      const etag = res.headers.get('ETag') ?? '';
      expect(etag).toMatch(/^"/);
      const again = await h.fetch(`/api/jobs/${id}/summary`, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      // The card route agrees on the version the summary links.
      const card = await h.fetch(body.links.card.replace('https://edge.test', ''), { method: 'HEAD' });
      expect(card.status).toBe(200);
    }
  });

  it('is served under 2 KB for every demo job, cached exactly like the job', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    for (const id of demoIds) {
      const job = await h.fetch(`/api/jobs/${id}/`);
      const res = await h.fetch(`/api/jobs/${id}/summary`);
      const bytes = (await res.arrayBuffer()).byteLength;
      expect(bytes, id).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
      await job.body?.cancel();
      expect(res.headers.get('Cache-Control'), id).toBe(job.headers.get('Cache-Control'));
      expect(res.headers.get('Last-Modified'), id).toBe(job.headers.get('Last-Modified'));
      expect(res.headers.get('X-Cache'), id).toMatch(/^(HIT|MISS)$/);
      const head = await h.fetch(`/api/jobs/${id}/summary`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('ETag')).toBe(res.headers.get('ETag'));
      expect(await head.text()).toBe('');
    }
  });

  it('has the job route’s errors', async () => {
    const h = harness({ env: { UPSTREAM_URL: '' } });
    const bad = await h.fetch('/api/jobs/nope/summary');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_id');
    const missing = await h.fetch('/api/jobs/00000000-0000-4000-8000-000000000000/summary');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'Not found.', code: 'not_found' });

    const failing = upstream(() => new Response('<html>oops</html>', { status: 500 }));
    const u = harness({ upstream: failing });
    const down = await u.fetch(`/api/jobs/${JOB_ID}/summary`);
    expect(down.status).toBe(502);
    expect(((await down.json()) as { code: string }).code).toBe('upstream_unavailable');
  });

  it('follows the job: a new version upstream changes the summary', async () => {
    let best = 60;
    const up = upstream(() => json(upstreamJob({ status: 'completed', best_score: best })));
    const h = harness({
      upstream: up,
      env: {
        UPSTREAM_URL: 'https://upstream.test',
        TTL_TERMINAL_SECONDS: '0',
        STALE_WHILE_REVALIDATE_SECONDS: '0',
      },
    });
    const first = (await (await h.fetch(`/api/jobs/${JOB_ID}/summary`)).json()) as { best_score: number };
    best = 70;
    const second = (await (await h.fetch(`/api/jobs/${JOB_ID}/summary`)).json()) as { best_score: number };
    expect(first.best_score).toBe(60);
    expect(second.best_score).toBe(70);
  });
});

describe('the 2 KB bound over the schema’s whole space', () => {
  // Strings of control characters (six bytes each as JSON), astral characters, lone surrogates;
  // timestamps at the schema's limit of six fractional digits; the longest numbers; links under
  // the longest share link a summary prints (one token, with an expiry) and a long origin.
  const controlHeavy = (max: number) =>
    fc.oneof(
      unicodeText(max),
      fc.string({ unit: fc.constantFrom('\u0000', '\u001f', '"', '\\', '😀', '\ud800'), maxLength: max }),
    );
  const microDate = fc
    .tuple(
      fc.date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      fc.integer({ min: 0, max: 999_999 }),
    )
    .map(([d, us]) => `${d.toISOString().slice(0, 19)}.${String(us).padStart(6, '0')}-23:59`);

  it('holds for every generated job', async () => {
    const key = await importShareKey('a-share-secret-of-at-least-32-characters!!');
    const token = await mintShareToken(key, { jobId: crypto.randomUUID(), expiresAt: 4_000_000_000 });
    const base = `https://${'a'.repeat(60)}.example/s/${token}`;
    fc.assert(
      fc.property(
        jobArb({ text: controlHeavy, iterations: fc.integer({ min: 0, max: 3 }) }),
        microDate,
        microDate,
        (raw, created, updated) => {
          const parsed = JobSchema.safeParse({ ...raw, created_at: created, updated_at: updated });
          expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
          if (!parsed.success) return;
          const s = summarize(parsed.data, '0123456789ab', base);
          expect(new TextEncoder().encode(JSON.stringify(s)).byteLength).toBeLessThanOrEqual(
            SUMMARY_MAX_BYTES,
          );
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
