import { getJob, type JobAnswer } from '../cache';
import { invalidId } from '../errors';
import { uuid } from '../schema';
import type { Services } from '../services';

// What the job routes share. Apart from src/services.ts (which reaches the Durable Object
// binding), so that the route declarations load where only their documentation is wanted
// (the Node build of /openapi.json, test/e2e/openapi-document.test.ts).

/** A route's id parameter, validated and normalised to lowercase (one cache entry per job). */
export function parseId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!uuid.safeParse(id).success) throw invalidId(id);
  return id.toLowerCase();
}

export function loadJob(s: Services, id: string): Promise<JobAnswer> {
  return getJob(s, id);
}

export { jobOf } from '../cache';
