/**
 * The origin absolute URLs are built from: PUBLIC_ORIGIN when set, else the request's own
 * (never a forwarded-host header, which a client can set).
 */
export function originOf(publicOrigin: string, requestUrl: string): string {
  return publicOrigin || new URL(requestUrl).origin;
}
