import { z } from 'zod';

// The body of POST /api/shares, in a module of its own so that /openapi.json documents the very
// schema the worker validates with, without loading the worker's routes.

/** Shortest link lifetime accepted, in seconds. */
export const MIN_EXPIRES_IN = 60;

/**
 * The mint request, one schema for both the worker's check and /openapi.json. `maxExpires` is
 * SHARE_MAX_EXPIRES_SECONDS; the document states its largest value.
 */
export function shareRequestSchema(maxExpires: number) {
  return z.strictObject({
    job_id: z.guid().describe('The job to share.'),
    expires_in: z
      .int()
      .min(MIN_EXPIRES_IN)
      .max(maxExpires)
      .nullish()
      .describe(
        'Seconds until the link stops working (at most `SHARE_MAX_EXPIRES_SECONDS`); none: no expiry.',
      ),
  });
}
