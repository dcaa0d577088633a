import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/env';
import {
  importShareKey,
  MIN_SECRET_LENGTH,
  mintShareToken,
  shareSettings,
  verifyShareToken,
  type SharePayload,
} from '../src/share';

// Share tokens on their own: the format against an independent HMAC, and every way of
// changing a genuine token (each character, each length, padding, the version byte, the key)
// turning it into nothing.

const SECRET = 'share-secret-for-tests-0123456789abcdef';
const OLD_SECRET = 'the-secret-before-rotation-9876543210zyx';
const A = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DOMAIN = 'overmind-edge share link v1\n';

function bytesOf(token: string): Uint8Array {
  const bin = atob(token.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function tokenOf(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

describe('share tokens', async () => {
  const key = await importShareKey(SECRET);
  const old = await importShareKey(OLD_SECRET);
  const never: SharePayload = { jobId: A, expiresAt: null };
  const dated: SharePayload = { jobId: A, expiresAt: 1_900_000_000 };

  it('are base64url of version, job id, expiry and an HMAC-SHA256 any implementation can check', async () => {
    for (const payload of [never, dated]) {
      const token = await mintShareToken(key, payload);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      const bytes = bytesOf(token);
      const head = bytes.subarray(0, bytes.length - 32);
      expect(head[0]).toBe(payload.expiresAt === null ? 1 : 2);
      expect(Buffer.from(head.subarray(1, 17)).toString('hex')).toBe(A.replace(/-/g, ''));
      if (payload.expiresAt !== null) {
        expect(new DataView(head.buffer, head.byteOffset).getUint32(17)).toBe(payload.expiresAt);
      }
      const mac = createHmac('sha256', SECRET)
        .update(Buffer.concat([Buffer.from(DOMAIN), Buffer.from(head)]))
        .digest();
      expect(Buffer.from(bytes.subarray(head.length)).equals(mac)).toBe(true);
      expect(await verifyShareToken([key], token)).toEqual(payload);
    }
  });

  it('name their own job and no other, and differ per job, expiry and secret', async () => {
    const ta = await mintShareToken(key, never);
    const tb = await mintShareToken(key, { jobId: B, expiresAt: null });
    expect((await verifyShareToken([key], ta))?.jobId).toBe(A);
    expect((await verifyShareToken([key], tb))?.jobId).toBe(B);
    expect(new Set([ta, tb, await mintShareToken(key, dated), await mintShareToken(old, never)]).size).toBe(
      4,
    );
    // Upper-case ids mint the same token: ids are canonical in lower case.
    expect(await mintShareToken(key, { jobId: A.toUpperCase(), expiresAt: null })).toBe(ta);
  });

  it('verify under the previous secret only while it is listed (rotation)', async () => {
    const before = await mintShareToken(old, dated);
    expect(await verifyShareToken([key], before)).toBeNull();
    expect(await verifyShareToken([key, old], before)).toEqual(dated);
    expect(await verifyShareToken([], before)).toBeNull();
  });

  it('turn into nothing when any single character changes', async () => {
    for (const payload of [never, dated]) {
      const token = await mintShareToken(key, payload);
      let tried = 0;
      for (let i = 0; i < token.length; i++) {
        for (const c of ALPHABET) {
          if (c === token[i]) continue;
          const altered = token.slice(0, i) + c + token.slice(i + 1);
          expect(await verifyShareToken([key], altered), altered).toBeNull();
          tried++;
        }
      }
      expect(tried).toBe(token.length * 63);
    }
  });

  it('turn into nothing when truncated, extended, padded, spaced or percent-encoded', async () => {
    const token = await mintShareToken(key, dated);
    for (let n = 0; n < token.length; n++) {
      expect(await verifyShareToken([key], token.slice(0, n))).toBeNull();
      expect(await verifyShareToken([key], token.slice(token.length - n))).toBeNull();
    }
    for (const variant of [
      `${token}A`,
      `${token}=`,
      `${token}==`,
      ` ${token}`,
      `${token}\n`,
      `${token.slice(0, 10)} ${token.slice(10)}`,
      encodeURIComponent(token).replace(/A/g, '%41'),
      token.replace(/-/g, '+').replace(/_/g, '/'),
      token + token,
    ]) {
      if (variant === token) continue;
      expect(await verifyShareToken([key], variant), JSON.stringify(variant)).toBeNull();
    }
  });

  it('cannot lose their expiry, move it, or change job by editing bytes and keeping the MAC', async () => {
    const token = await mintShareToken(key, dated);
    const bytes = bytesOf(token);
    const mac = bytes.subarray(21);
    // Drop the expiry and claim version 1 (never expires), same MAC.
    const stripped = new Uint8Array([1, ...bytes.subarray(1, 17), ...mac]);
    expect(await verifyShareToken([key], tokenOf(stripped))).toBeNull();
    // A later expiry.
    const later = bytes.slice();
    new DataView(later.buffer).setUint32(17, 0xffff_fff0);
    expect(await verifyShareToken([key], tokenOf(later))).toBeNull();
    // Another job.
    const moved = bytes.slice();
    moved.set(bytesOf(await mintShareToken(key, { jobId: B, expiresAt: 1_900_000_000 })).subarray(1, 17), 1);
    expect(await verifyShareToken([key], tokenOf(moved))).toBeNull();
    // An unknown version byte.
    const v3 = bytes.slice();
    v3[0] = 3;
    expect(await verifyShareToken([key], tokenOf(v3))).toBeNull();
    // The MAC of the bytes without the domain separation is not the token's MAC.
    const head = bytes.subarray(0, 21);
    const bare = createHmac('sha256', SECRET).update(Buffer.from(head)).digest();
    expect(await verifyShareToken([key], tokenOf(new Uint8Array([...head, ...bare])))).toBeNull();
  });

  it('refuse to mint for anything but a UUID and a whole expiry before 2106', async () => {
    for (const jobId of ['', 'not-a-uuid', `${A}x`, A.replace(/-/g, '')]) {
      await expect(mintShareToken(key, { jobId, expiresAt: null })).rejects.toThrow(/UUID/);
    }
    for (const expiresAt of [0, -1, 1.5, 2 ** 32, Number.NaN]) {
      await expect(mintShareToken(key, { jobId: A, expiresAt })).rejects.toThrow(/expiry/);
    }
  });
});

describe('share settings', () => {
  const settings = (vars: Record<string, string>) => shareSettings(readConfig({ ...vars }));

  it('default to public; a typo in SHARE_MODE fails closed rather than open', () => {
    expect(settings({})).toEqual({ mode: 'public' });
    expect(settings({ SHARE_MODE: '' })).toEqual({ mode: 'public' });
    expect(settings({ SHARE_MODE: ' Public ' })).toEqual({ mode: 'public' });
    const typo = settings({ SHARE_MODE: 'signd', SHARE_SECRET: SECRET });
    expect(typo).toMatchObject({ mode: 'signed', problem: expect.stringMatching(/SHARE_MODE/) });
  });

  it('signed mode needs a secret of at least 32 characters, and says which', () => {
    expect(settings({ SHARE_MODE: 'signed' })).toMatchObject({
      mode: 'signed',
      problem: expect.stringMatching(/SHARE_SECRET is not set/),
    });
    expect(settings({ SHARE_MODE: 'signed', SHARE_SECRET: 'x'.repeat(MIN_SECRET_LENGTH - 1) })).toMatchObject(
      {
        problem: expect.stringMatching(/at least 32/),
      },
    );
    expect(
      settings({ SHARE_MODE: 'signed', SHARE_SECRET: SECRET, SHARE_SECRET_PREVIOUS: 'short' }),
    ).toMatchObject({ problem: expect.stringMatching(/at least 32/) });
    expect(settings({ SHARE_MODE: 'SIGNED', SHARE_SECRET: SECRET })).toEqual({
      mode: 'signed',
      secrets: [SECRET],
      problem: null,
    });
    expect(
      settings({ SHARE_MODE: 'signed', SHARE_SECRET: SECRET, SHARE_SECRET_PREVIOUS: OLD_SECRET }),
    ).toEqual({
      mode: 'signed',
      secrets: [SECRET, OLD_SECRET],
      problem: null,
    });
  });

  it('never put a secret in a problem description', () => {
    const cases: Record<string, string>[] = [
      { SHARE_MODE: 'signd', SHARE_SECRET: SECRET },
      { SHARE_MODE: 'signed', SHARE_SECRET: 'short-secret' },
      { SHARE_MODE: 'signed', SHARE_SECRET: SECRET, SHARE_SECRET_PREVIOUS: 'short-previous' },
    ];
    for (const vars of cases) {
      const s = settings(vars);
      const text = JSON.stringify(s.mode === 'signed' ? s.problem : s);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('short-secret');
      expect(text).not.toContain('short-previous');
    }
  });
});
