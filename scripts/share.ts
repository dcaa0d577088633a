// Mint a share link locally, for operators (README "Private sharing"):
//
//   npm run share -- <job-id> [--expires-in SECONDS] [--origin https://edge.example.com]
//
// The secret comes from SHARE_SECRET in the environment, else from .dev.vars (what `wrangler dev`
// reads). Nothing is asked of the upstream: whoever holds the secret can open any job anyway.
// It prints what POST /api/shares answers: {token, expires_at, links}.
//
// Node 22 runs this file directly (type stripping); it imports nothing outside the repo.

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs, parseEnv } from 'node:util';
import { UUID } from '../src/lib/ids.ts';
import { shareLinks } from '../src/links.ts';
import { importShareKey, MIN_SECRET_LENGTH, mintShareToken } from '../src/share.ts';

const DEFAULT_MAX_EXPIRES = 31_536_000;
const MIN_EXPIRES = 60;

function fail(message: string): never {
  process.stderr.write(`share: ${message}\n`);
  process.exit(2);
}

function devVars(): Record<string, string | undefined> {
  const file = new URL('../.dev.vars', import.meta.url);
  return existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { 'expires-in': { type: 'string' }, origin: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();

if (values.help || positionals.length !== 1) {
  process.stdout.write(
    'usage: npm run share -- <job-id> [--expires-in SECONDS] [--origin URL]\n' +
      'Reads SHARE_SECRET (and PUBLIC_ORIGIN, SHARE_MAX_EXPIRES_SECONDS) from the environment or .dev.vars.\n',
  );
  process.exit(values.help ? 0 : 2);
}

const vars = { ...devVars(), ...process.env };
const jobId = positionals[0] ?? '';
if (!UUID.test(jobId)) fail(`the job id must be a UUID like 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e.`);

const secret = (vars.SHARE_SECRET ?? '').trim();
if (secret === '') fail('SHARE_SECRET is not set, in the environment or in .dev.vars.');
if (secret.length < MIN_SECRET_LENGTH) fail(`SHARE_SECRET must be at least ${MIN_SECRET_LENGTH} characters.`);

const maxExpires = Number(vars.SHARE_MAX_EXPIRES_SECONDS) || DEFAULT_MAX_EXPIRES;
let expiresAt: number | null = null;
if (values['expires-in'] !== undefined) {
  const s = Number(values['expires-in']);
  if (!Number.isInteger(s) || s < MIN_EXPIRES || s > maxExpires) {
    fail(`--expires-in must be a whole number of seconds from ${MIN_EXPIRES} to ${maxExpires}.`);
  }
  expiresAt = Math.floor(Date.now() / 1000) + s;
}

let origin: string;
try {
  origin = new URL(values.origin ?? (vars.PUBLIC_ORIGIN || 'http://localhost:8787')).origin;
} catch {
  fail('--origin (or PUBLIC_ORIGIN) must be a URL like https://edge.example.com.');
}

const id = jobId.toLowerCase();
const token = await mintShareToken(await importShareKey(secret), { jobId: id, expiresAt });
const answer = {
  token,
  expires_at: expiresAt === null ? null : new Date(expiresAt * 1000).toISOString(),
  links: shareLinks(origin, token, id),
};
process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
