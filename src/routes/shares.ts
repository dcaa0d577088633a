import { Hono } from 'hono';
import { NO_STORE } from '../caching';
import { AppError } from '../errors';
import { readCapped } from '../lib/body';
import { shareLinks } from '../links';
import { parseJob } from '../schema';
import { services, type AppEnv, type IsolateState } from '../services';
import { mintShareToken, shareSettings } from '../share';
import { MIN_EXPIRES_IN, shareRequestSchema } from '../share-request';
import { fetchJobWithCallerKey } from '../upstream';
import { failClosed, shareKeys } from './share-mount';

// POST /api/shares: a share link, minted for whoever shows a key that can read the job
// (README "Private sharing"). Only in signed mode; in public mode the route does not exist.
//
// The caller's key goes to the upstream once, for this one job, and nowhere else: it is not
// the service key, its answer is neither cached nor shared with concurrent requests, and it is
// never logged, echoed or used as a rate-limit key. In demo mode nothing leaves the worker: any
// non-empty key may share a demo job, since the demo jobs are public data.

const MAX_BODY_BYTES = 4096;
const MINT_RETRY_AFTER_SECONDS = 60;
/** A key as the upstream issues them: printable ASCII, no spaces. */
const KEY_SHAPE = /^[\x21-\x7e]{1,512}$/;

export function shareRoutes(state: IsolateState) {
  const app = new Hono<AppEnv>();

  app.all('/api/shares', async (c, next) => {
    const s = services(c, state);
    const settings = shareSettings(s.config);
    if (settings.mode === 'public') return next();
    if (c.req.method !== 'POST') {
      throw new AppError(405, 'method_not_allowed', `Method ${c.req.method} is not allowed here; use POST.`, {
        Allow: 'POST',
      });
    }
    if (settings.problem) throw failClosed(state, settings.problem);

    const limiter = c.env?.SHARE_MINT_LIMITER;
    if (limiter && !(await admit(limiter, c.req.header('CF-Connecting-IP') ?? 'unknown', s.deps.log))) {
      throw new AppError(
        429,
        'rate_limited',
        'Too many share links minted from this address. Try again in a minute.',
        {
          'Retry-After': String(MINT_RETRY_AFTER_SECONDS),
        },
      );
    }

    const key = callerKey(c.req.raw.headers);
    if (key === null) {
      throw new AppError(
        401,
        'unauthorized',
        'Minting a share link needs your own Overmind API key, in X-Api-Key or Authorization: Bearer.',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    if (!KEY_SHAPE.test(key)) {
      throw new AppError(
        401,
        'unauthorized',
        'That API key is malformed: keys are printable ASCII without spaces.',
        {
          'WWW-Authenticate': 'Bearer',
        },
      );
    }

    const body = parseBody(await readBody(c.req.raw), s.config.SHARE_MAX_EXPIRES_SECONDS);
    const id = body.job_id.toLowerCase();
    try {
      if (s.source.kind === 'demo') {
        await s.source.fetchJob(id);
      } else {
        const parsed = parseJob(await fetchJobWithCallerKey(s.config, id, key, s.deps.fetch, s.deps.now));
        if (!parsed.ok || parsed.job.id.toLowerCase() !== id) {
          throw new AppError(502, 'upstream_invalid', 'The upstream did not answer with that job.');
        }
      }
    } catch (err) {
      if (err instanceof AppError)
        s.deps.log({ event: 'share_refused', id, status: err.status, code: err.code });
      throw err;
    }

    const nowSeconds = Math.floor(s.deps.now() / 1000);
    const expiresAt = body.expires_in != null ? nowSeconds + body.expires_in : null;
    const [signingKey] = await shareKeys(s.config, settings.secrets);
    if (!signingKey) throw failClosed(state, 'SHARE_SECRET could not be loaded.');
    const token = await mintShareToken(signingKey, { jobId: id, expiresAt });
    const links = shareLinks(s.origin, token, id);
    s.deps.log({ event: 'share_minted', id, expires_at: expiresAt });
    return c.json(
      {
        token,
        expires_at: expiresAt === null ? null : new Date(expiresAt * 1000).toISOString(),
        links,
      },
      201,
      { 'Cache-Control': NO_STORE, Location: links.report },
    );
  });

  return app;
}

async function admit(
  limiter: RateLimit,
  client: string,
  log: (fields: Record<string, unknown>) => void,
): Promise<boolean> {
  try {
    return (await limiter.limit({ key: client })).success;
  } catch (err) {
    // Like the miss limiter: a broken limiter must not take minting down.
    log({ event: 'rate_limiter_error', error: String(err) });
    return true;
  }
}

/**
 * The caller's key from X-Api-Key, else `Authorization: Bearer`; null when neither is there,
 * '' (malformed) for another Authorization scheme.
 */
function callerKey(headers: Headers): string | null {
  const direct = headers.get('X-Api-Key')?.trim();
  if (direct) return direct;
  const auth = headers.get('Authorization')?.trim();
  if (!auth) return null;
  return /^Bearer[ \t]+(.+)$/i.exec(auth)?.[1]?.trim() ?? '';
}

async function readBody(req: Request): Promise<string> {
  const tooLarge = () =>
    new AppError(413, 'payload_too_large', `The body must be at most ${MAX_BODY_BYTES} bytes of JSON.`);
  const bytes = await readCapped(req.body, req.headers, MAX_BODY_BYTES, tooLarge);
  return new TextDecoder().decode(bytes);
}

const EXAMPLE = '{"job_id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", "expires_in": 604800}';

function invalidBody(detail: string): AppError {
  return new AppError(400, 'invalid_body', detail);
}

function parseBody(
  text: string,
  maxExpires: number,
): { job_id: string; expires_in?: number | null | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidBody(`The body must be JSON like ${EXAMPLE}.`);
  }
  const parsed = shareRequestSchema(maxExpires).safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue || issue.path.length === 0) {
    // Field names are not echoed: a key pasted into the wrong place must not come back.
    if (issue?.code === 'unrecognized_keys') {
      throw invalidBody('The body has a field other than job_id and expires_in, the only two it takes.');
    }
    throw invalidBody(`The body must be a JSON object like ${EXAMPLE}.`);
  }
  if (issue.path[0] === 'job_id') {
    throw invalidBody(
      (value as { job_id?: unknown }).job_id === undefined
        ? 'job_id is required: the UUID of the job to share.'
        : 'job_id must be a job id, a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e.',
    );
  }
  throw invalidBody(
    `expires_in must be a whole number of seconds from ${MIN_EXPIRES_IN} to ${maxExpires}, or left out for a link that does not expire.`,
  );
}
