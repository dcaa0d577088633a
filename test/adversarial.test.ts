import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { SUMMARY_MAX_BYTES } from '../src/summary';
import { hostileJob } from './fixtures/hostile';
import { JOB_ID } from './fixtures/upstream-jobs';
import { harness, strictUpstreams } from './helpers';

// Generated hostile jobs through every face, as a client sees them: repeated delimiters of every
// markdown construct, nesting of lists, quotes, brackets and JSON, long runs without spaces and
// every Unicode category in every string. Each answer is a 200, or a 502 naming the schema break
// (JSON nested past the schema's bound); never a 500. The summary stays under 2 KB and SVGs stay
// well-formed without script. Costs per byte: test/e2e/adversarial-cost.test.ts.

const upstream = strictUpstreams();
const FACES = ['', '/comment.md', '/og.svg', '/badge.svg', '/badge.json'];

describe('generated hostile jobs on every face', () => {
  it(
    'answer 200 or a precise 502, with bounded summaries and well-formed SVG',
    { timeout: 300_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(hostileJob(30_000), async (body) => {
          const h = harness({
            upstream: upstream(() => new Response(body, { headers: { 'Content-Type': 'application/json' } })),
          });
          const api = await h.fetch(`/api/jobs/${JOB_ID}/`);
          if (api.status === 502) {
            const err = (await api.json()) as { code: string; detail: string };
            expect(err.code).toBe('upstream_invalid');
            expect(err.detail).toMatch(/nested more than 256 levels deep/);
            return;
          }
          expect(api.status).toBe(200);
          await api.body?.cancel();
          const summary = await h.fetch(`/api/jobs/${JOB_ID}/summary`);
          expect(summary.status).toBe(200);
          expect((await summary.arrayBuffer()).byteLength).toBeLessThanOrEqual(SUMMARY_MAX_BYTES);
          for (const face of FACES) {
            const res = await h.fetch(`/jobs/${JOB_ID}${face}`);
            expect(res.status, face).toBe(200);
            const text = await res.text();
            if (face.endsWith('.svg')) {
              expect(XMLValidator.validate(text), face).toBe(true);
              expect(text).not.toMatch(/<script|<foreignObject|javascript:/i);
            }
            if (face === '') expect(text).not.toMatch(/<script/i);
          }
          const compare = await h.fetch(`/compare/${JOB_ID}...${JOB_ID}`);
          expect(compare.status).toBe(200);
          await compare.body?.cancel();
        }),
        { numRuns: 10, seed: 20261206, endOnFailure: true },
      );
    },
  );
});
