// Share links (README "Private sharing"): capability tokens, each opening one job.
//
// A token is the base64url (no padding) of
//
//   version (1 byte) ‖ job id (16 bytes) ‖ expiry (4 bytes, Unix seconds; version 2 only) ‖ MAC (32 bytes)
//
// where MAC = HMAC-SHA256(SHARE_SECRET, DOMAIN ‖ every byte before it), computed and verified
// through WebCrypto (`crypto.subtle.verify` compares in constant time). The token names its job,
// so a verifier can tell a genuine token for another job from a forgery without loading anything,
// and several tokens can stand side by side in one share segment (`/s/{a}.{b}/compare/…`).
//
// It imports only import-free modules, by their .ts names, so `scripts/share.ts` runs it
// under plain Node to mint links locally with exactly the code the worker verifies them with.

import { base64url, fromBase64url } from './lib/bytes.ts';
import { UUID } from './lib/ids.ts';
/** Bound into every MAC, so a signature made for anything else with the same key never verifies. */
const DOMAIN = new TextEncoder().encode('overmind-edge share link v1\n');
const V_NO_EXPIRY = 1;
const V_EXPIRY = 2;
const ID_BYTES = 16;
const MAC_BYTES = 32;
const MAX_EXPIRY = 0xffff_ffff;

/** Shortest secret accepted: HMAC keys below 256 bits are within reach of an offline search. */
export const MIN_SECRET_LENGTH = 32;

/** Tokens one share segment may hold: one per job a request names (a compare page names two). */
export const MAX_TOKENS_PER_SEGMENT = 4;

/** WebCrypto's key type, named by shape: workerd's and Node's typings both fit it. */
export type ShareKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export interface SharePayload {
  /** Lower-case UUID. */
  jobId: string;
  /** Unix seconds, or null for a link that never expires. */
  expiresAt: number | null;
}

export function importShareKey(secret: string): Promise<ShareKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

/** A token for `jobId`, signed with `key` (the current SHARE_SECRET). */
export async function mintShareToken(key: ShareKey, payload: SharePayload): Promise<string> {
  if (!UUID.test(payload.jobId)) throw new Error('a share token needs a UUID job id');
  const { expiresAt } = payload;
  if (expiresAt !== null && !(Number.isInteger(expiresAt) && expiresAt > 0 && expiresAt <= MAX_EXPIRY)) {
    throw new Error('a share token expiry must be whole Unix seconds before 2106');
  }
  const head = new Uint8Array(1 + ID_BYTES + (expiresAt === null ? 0 : 4));
  head[0] = expiresAt === null ? V_NO_EXPIRY : V_EXPIRY;
  head.set(idBytes(payload.jobId), 1);
  if (expiresAt !== null) new DataView(head.buffer).setUint32(1 + ID_BYTES, expiresAt);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, signed(head)));
  const token = new Uint8Array(head.byteLength + MAC_BYTES);
  token.set(head);
  token.set(mac, head.byteLength);
  return base64url(token);
}

/**
 * The payload of a genuine token, or null for anything else: malformed, truncated, padded,
 * non-canonical, or signed by none of `keys` (the current secret, then the previous one).
 * Expiry is not judged here: the caller compares `expiresAt` with its own clock.
 */
export async function verifyShareToken(
  keys: readonly ShareKey[],
  token: string,
): Promise<SharePayload | null> {
  const bytes = fromBase64url(token, LONGEST_TOKEN);
  if (!bytes) return null;
  const version = bytes[0];
  const headLength = version === V_NO_EXPIRY ? 1 + ID_BYTES : version === V_EXPIRY ? 1 + ID_BYTES + 4 : -1;
  if (headLength < 0 || bytes.byteLength !== headLength + MAC_BYTES) return null;
  const head = bytes.subarray(0, headLength);
  const mac = bytes.subarray(headLength);
  let genuine = false;
  for (const key of keys) {
    if (await crypto.subtle.verify('HMAC', key, mac, signed(head))) {
      genuine = true;
      break;
    }
  }
  if (!genuine) return null;
  const expiresAt =
    version === V_EXPIRY ? new DataView(head.buffer, head.byteOffset).getUint32(1 + ID_BYTES) : null;
  return { jobId: idString(head.subarray(1, 1 + ID_BYTES)), expiresAt };
}

function signed(head: Uint8Array): Uint8Array {
  const m = new Uint8Array(DOMAIN.byteLength + head.byteLength);
  m.set(DOMAIN);
  m.set(head, DOMAIN.byteLength);
  return m;
}

function idBytes(id: string): Uint8Array {
  const hex = id.replace(/-/g, '').toLowerCase();
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function idString(bytes: Uint8Array): string {
  let h = '';
  for (const b of bytes) h += b.toString(16).padStart(2, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const LONGEST_TOKEN = Math.ceil(((1 + ID_BYTES + 4 + MAC_BYTES) * 4) / 3);

// What the share settings amount to, from the config (src/env.ts).

export type ShareSettings =
  | { mode: 'public' }
  | { mode: 'signed'; secrets: string[]; problem: null }
  /** Signed mode that cannot verify anything: every job route fails closed with 503. */
  | { mode: 'signed'; secrets: []; problem: string };

/** From the parsed config (src/env.ts readConfig); typed by shape, to keep this file import-free. */
export function shareSettings(config: {
  SHARE_MODE: string;
  SHARE_SECRET: string;
  SHARE_SECRET_PREVIOUS: string;
}): ShareSettings {
  const mode = config.SHARE_MODE;
  if (mode === 'public') return { mode: 'public' };
  // Anything but the two known words is a typo, and a typo must not publish every job.
  if (mode !== 'signed') {
    return { mode: 'signed', secrets: [], problem: 'SHARE_MODE is neither "public" nor "signed".' };
  }
  const current = config.SHARE_SECRET;
  const previous = config.SHARE_SECRET_PREVIOUS;
  if (current === '') {
    return {
      mode: 'signed',
      secrets: [],
      problem: 'SHARE_MODE is "signed" but SHARE_SECRET is not set, so no share link can be verified.',
    };
  }
  if (current.length < MIN_SECRET_LENGTH || (previous !== '' && previous.length < MIN_SECRET_LENGTH)) {
    return {
      mode: 'signed',
      secrets: [],
      problem: `SHARE_SECRET and SHARE_SECRET_PREVIOUS must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32).`,
    };
  }
  return { mode: 'signed', secrets: previous !== '' ? [current, previous] : [current], problem: null };
}

// The share a request was opened under. The share middleware (src/middleware/share-gate.ts) checks
// `/s/{tokens}/…`, then dispatches the public path as a new Request; this map carries what it
// decided to that inner request, where services() reads the link base from it.

export interface ShareContext {
  /** `/s/{segment}`: the prefix of every job link an answer under this share prints. */
  pathBase: string;
  /** Each job the request names, with the live token of the segment that opens it. */
  jobs: ReadonlyMap<string, SharePayload>;
  /**
   * `/s/{token}` for each job the request names: its own live token alone. Links to one job
   * (the summary's, each live event's) carry this rather than the whole segment, so a segment of
   * several tokens cannot lengthen them past the summary's bound.
   */
  jobPathBases: ReadonlyMap<string, string>;
}

export type ShareDecision = { ok: true; share: ShareContext } | { ok: false; error: Error };

const decisions = new WeakMap<Request, ShareDecision>();

export function setShareDecision(req: Request, decision: ShareDecision): void {
  decisions.set(req, decision);
}

export function shareDecisionOf(req: Request): ShareDecision | undefined {
  return decisions.get(req);
}

/** The share an authorised request runs under; undefined in public mode and on public paths. */
export function shareContextOf(req: Request): ShareContext | undefined {
  const d = decisions.get(req);
  return d?.ok ? d.share : undefined;
}
