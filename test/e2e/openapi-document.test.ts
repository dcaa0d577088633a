import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi';
import { ROOT } from '../node/wrangler';

// The document the worker serves at /openapi.json (test/openapi.test.ts checks it is this one),
// judged by two independent tools in Node: the OpenAPI 3.1 JSON Schema (through
// @seriousme/openapi-schema-validator) and Redocly's linter with its recommended rules
// (redocly.yaml says which three are changed, and why). Both run offline.

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'overmind-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A loopback server, as `npm start` serves it (Redocly warns about example.com servers).
const doc = openApiDocument('http://127.0.0.1:8787');

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by the specification’s JSON Schema', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as object);
    expect(validator.version).toBe('3.1');
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('and a document that breaks it is not (the validator can fail)', async () => {
    const broken = structuredClone(doc) as unknown as { paths: Record<string, Record<string, unknown>> };
    (broken.paths['/healthz']?.get as { responses?: unknown }).responses = 'every answer';
    expect((await new Validator().validate(broken as object)).valid).toBe(false);
  });

  it('passes `redocly lint` with no error and no warning, offline', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const { stdout, stderr } = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules/@redocly/cli/bin/cli.js'),
        'lint',
        file,
        '--config',
        join(ROOT, 'redocly.yaml'),
        '--format',
        'json',
      ],
      {
        cwd: dir,
        timeout: 60_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`redocly lint failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(
      report.problems.map((p) => `${p.ruleId}: ${p.message}`),
      stderr,
    ).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
