// One error shape for the whole service, the upstream's own: {"detail", "code"}.

export type ErrorCode =
  | 'invalid_id'
  | 'invalid_query'
  | 'not_found'
  | 'method_not_allowed'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_invalid'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'rate_limited'
  | 'too_many_subscribers'
  | 'internal_error'
  /** Signed sharing is on but cannot verify links (no or short SHARE_SECRET, unknown SHARE_MODE): 503. */
  | 'misconfigured'
  /** A genuine share link past its expiry: 410. */
  | 'share_expired'
  /** No caller key, or the upstream refused it (minting): 401. */
  | 'unauthorized'
  /** The upstream says the caller's key may not read that job (minting): 403. */
  | 'forbidden'
  /** A request body that is not the JSON asked for: 400. */
  | 'invalid_body'
  | 'payload_too_large';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    /** Extra response headers, e.g. Retry-After or Allow. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'AppError';
  }

  /** Failures of the upstream, for which a stale copy may stand in. */
  get isUpstreamFailure(): boolean {
    return this.code.startsWith('upstream_');
  }

  toJSON(): { detail: string; code: ErrorCode } {
    return { detail: this.detail, code: this.code };
  }
}

/** An AppError as plain data, for crossing an RPC boundary (a Durable Object's answer). */
export interface ErrorShape {
  status: number;
  code: ErrorCode;
  detail: string;
  headers: Record<string, string>;
}

export function errorShape(err: AppError): ErrorShape {
  return { status: err.status, code: err.code, detail: err.detail, headers: { ...err.headers } };
}

export function fromErrorShape(e: ErrorShape): AppError {
  return new AppError(e.status, e.code, e.detail, e.headers);
}

/** No such job or path. `headers` carries how long a cache may remember it. */
export const notFound = (headers?: Record<string, string>) =>
  new AppError(404, 'not_found', 'Not found.', headers);

export const invalidId = (id: string) =>
  new AppError(
    400,
    'invalid_id',
    `Job id must be a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e (got ${JSON.stringify(truncate(id, 80))}).`,
  );

export const invalidQuery = (detail: string) => new AppError(400, 'invalid_query', detail);

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
