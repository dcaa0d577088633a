import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOBS } from '../../src/demo-data';
import { importShareKey, mintShareToken } from '../../src/share';
import { startFakeUpstream, type FakeUpstreamServer } from '../node/fake-upstream';
import { ROOT, startWrangler, type RunningWorker } from '../node/wrangler';

// Signed sharing as a user meets it: `wrangler dev --var SHARE_MODE:signed --var SHARE_SECRET:…`
// in front of the loopback fake upstream. A link is minted with the caller's own key the way
// curl would, every face of that one job opens through it, and nothing else opens.

const SERVICE_KEY = 'ovr_e2e_service_key_71c0aa';
const CALLER = 'ovr_e2e_callers_own_key_3b9e44';
const OUTSIDER = 'ovr_e2e_outsider_key_d21f08';
const SECRET = randomBytes(32).toString('base64url');

const ids = DEMO_JOBS.map((j) => (j as { id: string }).id);
const A = ids[0] ?? ''; // completed
const B = ids[2] ?? ''; // completed, same agent: the base run of a comparison
const OTHER = ids[5] ?? '';
const UNKNOWN = '0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e';
/** Jobs OUTSIDER's project holds: none of these. */
const keysSeen: { key: string | undefined; id: string }[] = [];

interface Minted {
  token: string;
  expires_at: string | null;
  links: Record<'report' | 'json' | 'summary' | 'card' | 'badge' | 'comment' | 'events', string>;
}

/** An answer's bytes and headers, without the transport's own (Date, Connection, …). */
async function snapshot(res: Response) {
  const transport = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
  const headers = [...res.headers].filter(([k]) => !transport.has(k)).sort();
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()).toString('base64') };
}

/** The first event of a stream, then the stream is let go. */
async function firstEvent(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  let text = '';
  const decoder = new TextDecoder();
  while (!/event: job[\s\S]*?\n\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

describe('signed sharing under wrangler dev', () => {
  let upstream: FakeUpstreamServer;
  let worker: RunningWorker;
  const answers: string[] = [];
  const get = async (url: string, init?: RequestInit) => {
    const res = await fetch(url, { redirect: 'manual', ...init });
    answers.push(JSON.stringify([...res.headers]));
    return res;
  };
  const mint = async (body: unknown, headers: Record<string, string> = { 'X-Api-Key': CALLER }) => {
    const res = await fetch(`${worker.url}/api/shares`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(JSON.stringify([...res.headers]), text);
    return { status: res.status, text, json: () => JSON.parse(text) as Minted };
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({
      access: (key, id) => {
        keysSeen.push({ key, id });
        if (key === SERVICE_KEY || key === CALLER) return 200;
        if (key === OUTSIDER) return ids.includes(id) ? 403 : 404;
        return 401;
      },
    });
    worker = await startWrangler(
      {
        UPSTREAM_URL: upstream.url,
        OVERMIND_API_KEY: SERVICE_KEY,
        SHARE_MODE: 'signed',
        SHARE_SECRET: SECRET,
        MISS_RATE_LIMIT: 'off',
      },
      { logLevel: 'log' },
    );
  });
  afterAll(async () => {
    await worker?.stop();
    await upstream?.close();
  });

  it('/healthz reports the signed mode', async () => {
    const res = await get(`${worker.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', share: { mode: 'signed', problem: null } });
  });

  it('a caller mints a link with their own key, and every face of that job opens through it', async () => {
    const minted = await mint({ job_id: A, expires_in: 3600 });
    expect(minted.status).toBe(201);
    const { token, links, expires_at } = minted.json();
    expect(Date.parse(expires_at ?? '') - Date.now()).toBeGreaterThan(3500_000);
    expect(keysSeen.filter((k) => k.key === CALLER)).toEqual([{ key: CALLER, id: A }]);
    for (const [face, link] of Object.entries(links)) {
      expect(link.startsWith(`${worker.url}/s/${token}/`), face).toBe(true);
      const res = await get(link);
      expect(res.status, face).toBe(200);
      if (face === 'events') {
        const event = await firstEvent(res);
        expect(event).toContain('event: job');
        expect(event).toContain(`/s/${token}/jobs/${A}`);
      } else if (face === 'card') {
        expect(res.headers.get('Content-Type')).toBe('image/png');
        await res.arrayBuffer();
      } else {
        const text = await res.text();
        answers.push(text);
        if (face !== 'badge' && face !== 'json') expect(text, face).toContain(`/s/${token}/`);
      }
    }
    // The page's own image, versioned, and every other face under the link.
    const html = await (await get(links.report)).text();
    const og = /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(og).toMatch(new RegExp(`^${worker.url}/s/${token}/jobs/${A}/og\\.[0-9a-f]{12}\\.png$`));
    for (const url of [
      og,
      `${worker.url}/s/${token}/jobs/${A}/og.svg`,
      `${worker.url}/s/${token}/jobs/${A}/badge.json`,
    ]) {
      expect((await get(url)).status, url).toBe(200);
    }
    // Reads went upstream with the service key, never the caller's.
    const reads = keysSeen.filter((k) => k.key !== CALLER);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((k) => k.key === SERVICE_KEY)).toBe(true);
  });

  it('nothing else opens: not the public paths, not another job, not a changed token', async () => {
    const { token } = (await mint({ job_id: A })).json();
    const faces = (id: string) => [
      `/jobs/${id}`,
      `/api/jobs/${id}/`,
      `/api/jobs/${id}/summary`,
      `/api/jobs/${id}/events`,
      `/jobs/${id}/og.png`,
      `/jobs/${id}/badge.svg`,
      `/jobs/${id}/comment.md`,
      `/compare/${id}...${B}`,
    ];
    const changed = `${token.slice(0, 30)}${token[30] === 'A' ? 'B' : 'A'}${token.slice(31)}`;
    for (let i = 0; i < faces(A).length; i++) {
      const [pa, pu, po] = [faces(A)[i] ?? '', faces(UNKNOWN)[i] ?? '', faces(OTHER)[i] ?? ''];
      const unknown = await snapshot(await get(`${worker.url}${pu}`));
      expect(unknown.status, pu).toBe(404);
      for (const attempt of [pa, `/s/${changed}${pa}`, `/s/${token}${po}`, `/s/${token.slice(0, -2)}${pa}`]) {
        expect(await snapshot(await get(`${worker.url}${attempt}`)), attempt).toEqual(unknown);
      }
    }
    const index = await (await get(`${worker.url}/`)).text();
    for (const id of ids) expect(index).not.toContain(id);
  });

  it('a comparison opens with a link for each of its two jobs', async () => {
    const ta = (await mint({ job_id: A })).json().token;
    const tb = (await mint({ job_id: B })).json().token;
    const page = await get(`${worker.url}/s/${ta}.${tb}/compare/${B}...${A}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const og = /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(og.startsWith(`${worker.url}/s/${ta}.${tb}/compare/${B}...${A}/og.`)).toBe(true);
    expect((await get(og)).status).toBe(200);
    expect((await get(`${worker.url}/s/${ta}/compare/${B}...${A}`)).status).toBe(404);
  });

  it('minting answers the upstream’s verdict on the caller’s key, and never mints without one', async () => {
    expect((await mint({ job_id: A }, {})).status).toBe(401);
    expect((await mint({ job_id: A }, { 'X-Api-Key': 'ovr_revoked' })).status).toBe(401);
    expect((await mint({ job_id: A }, { 'X-Api-Key': OUTSIDER })).status).toBe(403);
    expect((await mint({ job_id: UNKNOWN }, { Authorization: `Bearer ${CALLER}` })).status).toBe(404);
    const bad = await mint({ job_id: A, expires_in: 5 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ code: 'invalid_body' });
  });

  it('an expired link is a 410 page', async () => {
    const expired = await mintShareToken(await importShareKey(SECRET), {
      jobId: A,
      expiresAt: Math.floor(Date.now() / 1000) - 5,
    });
    const page = await get(`${worker.url}/s/${expired}/jobs/${A}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This share link has expired');
    const api = await get(`${worker.url}/s/${expired}/api/jobs/${A}/`);
    expect(await api.json()).toMatchObject({ code: 'share_expired' });
  });

  it('npm run share mints locally from SHARE_SECRET a link the worker opens', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'scripts/share.ts'), OTHER, '--expires-in', '600', '--origin', worker.url],
      { cwd: ROOT, env: { ...process.env, SHARE_SECRET: SECRET } },
    );
    const out = JSON.parse(stdout) as Minted;
    expect(Date.parse(out.expires_at ?? '') - Date.now()).toBeGreaterThan(590_000);
    for (const link of [out.links.report, out.links.json, out.links.card]) {
      expect((await get(link)).status, link).toBe(200);
    }
  });

  it('neither key nor secret appears in any answer or in the worker’s log', () => {
    const everything = [...answers, worker.output()].join('\n');
    expect(answers.length).toBeGreaterThan(40);
    // The worker's own log lines are in the output, so the check below reads them too.
    expect(worker.output()).toContain('"event":"share_minted"');
    expect(worker.output()).toContain('"event":"share_refused"');
    for (const s of [SECRET, CALLER, OUTSIDER, SERVICE_KEY]) expect(everything).not.toContain(s);
  });
});
