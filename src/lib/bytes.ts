// Digests and their spellings: one SHA-256, one hex, one base64url (RFC 4648 §5, no padding).
// Import-free, so Node runs the modules that use it (scripts/share.ts) without a bundler.

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The bytes of a base64url string, or null. Strict, so each value has exactly one spelling:
 * atob would skip whitespace and accept padding, and the last character can carry unused bits.
 */
export function fromBase64url(s: string, maxLength = Infinity): Uint8Array | null {
  if (s.length === 0 || s.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
  let bin: string;
  try {
    bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return base64url(bytes) === s ? bytes : null;
}

/** A strong ETag from a SHA-256 digest: 144 bits is plenty to tell versions apart. */
export function etagOf(digest: Uint8Array): string {
  return `"${base64url(digest.subarray(0, 18))}"`;
}

export async function strongEtag(data: string | Uint8Array): Promise<string> {
  return etagOf(await sha256(data));
}
