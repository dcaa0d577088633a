// The one place that knows each URL form of a job (README "URL forms"). Every link a page,
// card, summary or comment prints is built here, under `base`: the public origin, or the origin
// followed by a share link's `/s/{token}` prefix, so links carry whatever opened the job.

/** Every URL of one job. Images are versioned (immutable) unless named `…Latest`. */
export function jobUrls(base: string, id: string, version: string) {
  const page = `${base}/jobs/${id}`;
  const api = `${base}/api/jobs/${id}`;
  return {
    report: page,
    json: `${api}/`,
    summary: `${api}/summary`,
    events: `${api}/events`,
    comment: `${page}/comment.md`,
    ogPng: `${page}/og.${version}.png`,
    ogSvg: `${page}/og.${version}.svg`,
    badgeSvg: `${page}/badge.${version}.svg`,
    badgeJson: `${page}/badge.json`,
    ogPngLatest: `${page}/og.png`,
    badgeSvgLatest: `${page}/badge.svg`,
  };
}

export type JobUrls = ReturnType<typeof jobUrls>;

/** The range of a comparison in GitHub's compare form: `{base}...{head}`. */
export const RANGE_SEPARATOR = '...';

/** Every URL of the comparison of two jobs, `baseId` (the base branch's run) against `headId`. */
export function compareUrls(base: string, baseId: string, headId: string, version: string) {
  const page = `${base}/compare/${baseId}${RANGE_SEPARATOR}${headId}`;
  return {
    page,
    ogPng: `${page}/og.${version}.png`,
    ogSvg: `${page}/og.${version}.svg`,
    ogPngLatest: `${page}/og.png`,
    /** The head job's comment against the base. */
    comment: `${base}/jobs/${headId}/comment.md?base=${baseId}`,
  };
}

export type CompareUrls = ReturnType<typeof compareUrls>;

/**
 * The links a share link is handed out with (POST /api/shares, `npm run share`): every face of
 * the job under `/s/{token}`, with the images' latest forms, so the link keeps showing the job as it is.
 */
export function shareLinks(origin: string, token: string, id: string) {
  const u = jobUrls(`${origin}/s/${token}`, id, '');
  return {
    report: u.report,
    json: u.json,
    summary: u.summary,
    card: u.ogPngLatest,
    badge: u.badgeSvgLatest,
    comment: u.comment,
    events: u.events,
  };
}
