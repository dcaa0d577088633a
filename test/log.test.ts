import { afterEach, describe, expect, it, vi } from 'vitest';
import { logLevel, logLine } from '../src/log';

// Workers Logs takes a line's level from the console method: errors and warnings must be found
// by the level filter, not only by the event name.

afterEach(() => vi.restoreAllMocks());

describe('log levels', () => {
  it('errors at error level, warnings at warn level, the rest at info', () => {
    const seen: [string, string][] = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((line: string) => {
        seen.push([level, (JSON.parse(line) as { event: string }).event]);
      });
    }
    for (const event of [
      'internal_error',
      'upstream_error',
      'deployment_misconfigured',
      'shield_backoff',
      'shield_fallback',
      'config_rejected',
      'shield_refresh',
      'shield_forgotten',
    ]) {
      logLine({ event, id: 'x' });
    }
    expect(seen).toEqual([
      ['error', 'internal_error'],
      ['error', 'upstream_error'],
      ['error', 'deployment_misconfigured'],
      ['warn', 'shield_backoff'],
      ['warn', 'shield_fallback'],
      ['warn', 'config_rejected'],
      ['log', 'shield_refresh'],
      ['log', 'shield_forgotten'],
    ]);
  });

  it('the events the README queries name are at error or warn level', () => {
    expect(logLevel('upstream_error')).toBe('error');
    expect(logLevel('internal_error')).toBe('error');
    expect(logLevel('shield_backoff')).toBe('warn');
    expect(logLevel('shield_fallback')).toBe('warn');
    expect(logLevel(undefined)).toBe('info');
  });
});
