// dist/client/bundle.js, written by scripts/build-client.ts before wrangler, vitest and the bench
// load the worker's code (npm install builds it too). Declared here so that type-checking needs
// no build.
declare module '*/dist/client/bundle.js' {
  /** src/client/live.ts bundled and minified for the browser. */
  export const LIVE_SCRIPT: string;
  /** Its CSP source, 'sha256-…'. */
  export const LIVE_SCRIPT_HASH: string;
  /** src/views/html/page.css with the brand's colours. */
  export const STYLESHEET: string;
  /** Its CSP source, 'sha256-…'. */
  export const STYLESHEET_HASH: string;
}
