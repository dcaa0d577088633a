import { STYLESHEET, STYLESHEET_HASH } from '../../../dist/client/bundle.js';

// The one stylesheet of every HTML page (its source: ./page.css), inlined in a <style> element
// and allowed by the Content-Security-Policy through its hash (so no 'unsafe-inline' and no
// extra request); scripts/build-client.ts fills in the brand's colours and computes the hash at
// build time. It is written without & < > " ' so that hono/jsx's default escaping of the
// <style> child leaves it byte-for-byte unchanged: the hash then matches and the stylesheet
// needs no raw(). The build refuses it otherwise.
//
// Colours follow GitHub Primer's light and dark palettes, with the brand colour
// (src/views/common/brand.ts, shared with the cards) as the accent; every text/background
// pair used here meets WCAG AA (4.5:1) including the tinted table cells and the
// highlighted best row.
// No inline style attributes are used anywhere (the CSP would block them), so
// everything data-dependent (matrix shading, progress, chart series) is a class.

export { STYLESHEET };

/** The CSP source for the stylesheet, e.g. 'sha256-…'. */
export function styleHash(): Promise<string> {
  return Promise.resolve(STYLESHEET_HASH);
}

/** What a live page (src/client/live.ts) adds to the policy. */
export interface LivePolicy {
  /** The live script's hash source, e.g. 'sha256-…'. */
  scriptHash: string;
  /** Origins the script may fetch and subscribe to: the page's own, and that of its links if another. */
  connect: readonly string[];
}

/**
 * The Content-Security-Policy of every HTML page. Pages have no script, one hashed <style>,
 * images only from this origin (badge/card previews) and data: (favicon, inline images from
 * the report), connections only to this origin, and no forms, frames or plugins. The page
 * of an active job adds its one script by hash, the origins it connects to, and Trusted Types
 * with no policy at all, so even that script could not write markup (innerHTML and every
 * other HTML sink throw).
 */
export async function pageCsp(live?: LivePolicy): Promise<string> {
  return [
    "default-src 'none'",
    `style-src ${await styleHash()}`,
    "img-src 'self' data:",
    // 'self' on every page, not only live ones: tools that read the site's own files through a
    // page are held to it (Lighthouse fetches /robots.txt that way). With no script allowed,
    // nothing on a finished job's page can use it.
    `connect-src ${["'self'", ...(live?.connect ?? [])].join(' ')}`,
    ...(live
      ? [`script-src ${live.scriptHash}`, "require-trusted-types-for 'script'", "trusted-types 'none'"]
      : []),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
