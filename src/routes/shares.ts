import { z } from 'zod';
import { NO_STORE } from '../caching';
import { AppError, notFound } from '../errors';
import { readCapped } from '../lib/body';
import { shareLinks } from '../links';
import { parseJob } from '../schema';
import { EXAMPLE_ID, errors, h, text } from '../openapi/parts';
import { mintShareToken, shareSettings } from '../share';
import { MIN_EXPIRES_IN, shareRequestSchema } from '../share-request';
import { fetchJobWithCallerKey } from '../upstream';
import { failClosed, shareKeys } from '../middleware/share-gate';
import { defineRoute } from './define';

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

export const shareRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/shares',
    errors: 'json',
    // In public mode the route does not exist: a 404, as for any unknown path.
    enabled: (config) => shareSettings(config).mode === 'signed',
    doc: {
      operationId: 'createShare',
      tag: 'Sharing',
      summary: 'Mint a share link (signed mode)',
      description:
        'Mints a signed link to one job, for someone who can read that job: the worker asks the upstream for it with the caller’s own key (never the service’s), and caches nothing under that key. The token opens that job, and no other, under `/s/{token}/…`.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: shareRequestSchema(31_536_000),
          },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
      responses: {
        201: {
          description: 'The share link.',
          headers: z.object({
            'Cache-Control': text('`no-store`.'),
            Location: h.location.describe('The shared report.'),
          }),
          content: {
            'application/json': {
              schema: z.object({
                token: z.string(),
                expires_at: z
                  .string()
                  .nullable()
                  .describe('When the link stops working (ISO 8601), or null.'),
                links: z
                  .object({
                    report: z.string(),
                    json: z.string(),
                    summary: z.string(),
                    card: z.string(),
                    badge: z.string(),
                    comment: z.string(),
                    events: z.string(),
                  })
                  .describe('Every face of the job under the share link, absolute.'),
              }),
            },
          },
        },
        ...errors([400, 401, 403, 404, 405, 413, 414, 429, 431, 500, 502, 503, 504], 'json', {
          set: 'mint',
          notes: {
            404: 'The upstream does not know this job (for this key); in public mode the route does not exist.',
            405: 'Any method but POST, in signed mode.',
          },
        }),
      },
      curl: `curl -s -X POST {origin}/api/shares -H "X-Api-Key: $OVERMIND_API_KEY" -H 'Content-Type: application/json' -d '{"job_id":"${EXAMPLE_ID}","expires_in":604800}'`,
    },
    handler: async (c) => {
      const s = c.var.services;
      const settings = shareSettings(s.config);
      // Unreachable (the route is enabled in signed mode only); narrows the settings' type.
      if (settings.mode === 'public') throw notFound();
      if (settings.problem) throw failClosed(s.state, settings.problem);

      const limiter = c.env?.SHARE_MINT_LIMITER;
      if (limiter && !(await admit(limiter, c.req.header('CF-Connecting-IP') ?? 'unknown', s.log))) {
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
          const parsed = parseJob(await fetchJobWithCallerKey(s.config, id, key, s.deps.fetch, s.now));
          if (!parsed.ok || parsed.job.id.toLowerCase() !== id) {
            throw new AppError(502, 'upstream_invalid', 'The upstream did not answer with that job.');
          }
        }
      } catch (err) {
        if (err instanceof AppError)
          s.log({ event: 'share_refused', id, status: err.status, code: err.code });
        throw err;
      }

      const nowSeconds = Math.floor(s.now() / 1000);
      const expiresAt = body.expires_in != null ? nowSeconds + body.expires_in : null;
      const [signingKey] = await shareKeys(s.config, settings.secrets);
      if (!signingKey) throw failClosed(s.state, 'SHARE_SECRET could not be loaded.');
      const token = await mintShareToken(signingKey, { jobId: id, expiresAt });
      const links = shareLinks(s.origin, token, id);
      s.log({ event: 'share_minted', id, expires_at: expiresAt });
      return c.json(
        {
          token,
          expires_at: expiresAt === null ? null : new Date(expiresAt * 1000).toISOString(),
          links,
        },
        201,
        { 'Cache-Control': NO_STORE, Location: links.report },
      );
    },
  }),
];

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
