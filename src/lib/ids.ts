// A job id: a UUID in the 8-4-4-4-12 hex form, in either case (lower case is canonical). The
// read API's parameters use zod's z.guid(), the same shape; these are for paths and queries
// searched before any route runs (the share gate, canonical redirects, the share script).

const UUID_SOURCE = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Exactly one job id. */
export const UUID = new RegExp(`^${UUID_SOURCE}$`, 'i');

/** Every job id inside a text (global: use with matchAll). */
export const UUIDS = new RegExp(UUID_SOURCE, 'gi');

/** A job id in its canonical (lower-case) form when it is one; anything else unchanged. */
export function canonicalId(s: string): string {
  return UUID.test(s) ? s.toLowerCase() : s;
}
