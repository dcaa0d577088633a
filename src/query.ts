import { z } from 'zod';
import { invalidQuery } from './errors';

// Query strings of the image routes. Only these parameters change a picture; any
// other parameter (a cache-buster, a tracking tag) is ignored and never reaches a cache key.

const theme = z.enum(['light', 'dark']).default('light');

export const CardQuery = z.object({ theme });

export const BadgeQuery = z.object({
  label: z.string().max(40).optional(),
  metric: z.enum(['best', 'improvement', 'baseline']).default('best'),
  style: z.enum(['flat', 'flat-square', 'for-the-badge']).default('flat'),
  theme,
});

export type CardParams = z.infer<typeof CardQuery>;
export type BadgeParams = z.infer<typeof BadgeQuery>;

/** Parse the known parameters; a bad value becomes a 400 that names the parameter and its choices. */
export function parseQuery<T extends z.ZodObject>(schema: T, query: Record<string, string>): z.infer<T> {
  const known: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    if (query[key] !== undefined) known[key] = query[key];
  }
  const parsed = schema.safeParse(known);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'query');
  const got = JSON.stringify((known[name] ?? '').slice(0, 60));
  if (issue?.code === 'invalid_value') {
    throw invalidQuery(`${name} must be one of ${issue.values.join(', ')} (got ${got}).`);
  }
  if (issue?.code === 'too_big') {
    throw invalidQuery(`${name} must be at most ${String(issue.maximum)} characters.`);
  }
  throw invalidQuery(`${name} is invalid (got ${got}).`);
}
