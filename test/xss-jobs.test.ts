import { describe, expect, it } from 'vitest';
import { JobSchema } from '../src/schema';
import { XSS_CORPUS } from './fixtures/xss-corpus';
import { XSS_JOBS } from './fixtures/xss-jobs';
import { fakeUpstream, harness, json } from './helpers';
import { parseDocument, DomUtils } from 'htmlparser2';

// The XSS corpus served through the upstream path, as the browser test opens it: every
// route answers, and the report page holds no script, handler or dangerous URL.

describe('XSS fixtures through the upstream path', () => {
  it('carry the whole corpus and pass the schema', () => {
    const all = JSON.stringify(XSS_JOBS);
    for (const payload of XSS_CORPUS)
      expect(all).toContain(JSON.stringify(payload).slice(1, -1).slice(0, 20));
    for (const job of XSS_JOBS) expect(JobSchema.safeParse(job).success).toBe(true);
  });

  it('every route answers them, and the page stays inert', async () => {
    const byId = new Map(XSS_JOBS.map((j) => [String(j.id), j]));
    const up = fakeUpstream((req) => json(byId.get(/jobs\/([^/]+)\//.exec(req.url)?.[1] ?? '') ?? {}));
    const h = harness({ upstream: up });
    for (const id of byId.keys()) {
      for (const path of ['', '/og.svg', '/badge.svg', '/badge.json']) {
        const res = await h.fetch(`/jobs/${id}${path}`);
        expect(res.status, `${id}${path}`).toBe(200);
        const text = await res.text();
        expect(text).not.toMatch(/<script/i);
        if (path === '') {
          const doc = parseDocument(text);
          const elements = DomUtils.findAll(() => true, doc.children);
          for (const el of elements) {
            expect(el.name).not.toBe('script');
            for (const [attr, value] of Object.entries(el.attribs)) {
              expect(attr.startsWith('on'), `${el.name} ${attr}`).toBe(false);
              if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr)) {
                // What the browser would resolve: only web, mail and inline-image URLs are allowed.
                const url = new URL(value, 'https://edge.test/jobs/x');
                const ownIcon =
                  el.name === 'link' && el.attribs.rel === 'icon' && value.startsWith('data:image/svg+xml,');
                const ok =
                  ownIcon ||
                  ['https:', 'http:', 'mailto:'].includes(url.protocol) ||
                  /^data:image\/(png|gif|jpeg|webp);/i.test(value);
                expect(ok, `${attr}=${value}`).toBe(true);
              }
            }
          }
        }
      }
    }
    expect(up.unexpected).toEqual([]);
  });
});
