// The one number formatter and the one date formatter of everything a person reads: the HTML
// pages, the cards, the PR comment's markdown and the live page's script (src/client/live.ts),
// which is bundled for the browser. Runtime-free: no import, nothing but the language.

export const DASH = '—';
const MINUS = '−';

function finite(n: number | null | undefined): n is number {
  return n != null && Number.isFinite(n);
}

/** A 0–100 score with one decimal; null, undefined or non-finite → "—" (never 0 or NaN). */
export function formatScore(n: number | null | undefined): string {
  return finite(n) ? n.toFixed(1) : DASH;
}

/** One decimal with a sign, true minus and "±" for zero: "+12.3", "−4.0", "±0.0", then `unit`. */
function signed(n: number | null | undefined, unit: string): string {
  if (!finite(n)) return DASH;
  const r = Math.round(n * 10) / 10;
  if (r === 0) return `±0.0${unit}`;
  return r > 0 ? `+${r.toFixed(1)}${unit}` : `${MINUS}${Math.abs(r).toFixed(1)}${unit}`;
}

/** Signed points, e.g. "+12.3" / "−4.0" (true minus sign) / "±0.0". */
export function formatDelta(n: number | null | undefined): string {
  return signed(n, '');
}

/** A signed percentage, e.g. "+12.3%" / "−4.0%" / "±0.0%". */
export function formatPercent(n: number | null | undefined): string {
  return signed(n, '%');
}

/** A 0–100 score that may be negative (penalties), with a true minus sign. */
export function formatSigned(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  const fixed = n.toFixed(1);
  return fixed === '-0.0' ? '0.0' : fixed.replace(/^-/, MINUS);
}

/** A number for a table of mixed metrics: integers as is, others to 3 significant decimals. */
export function formatNumber(n: number | null | undefined): string {
  if (!finite(n)) return DASH;
  if (Number.isInteger(n)) return formatCount(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return n
    .toFixed(digits)
    .replace(/\.?0+$/, '')
    .replace(/^-/, MINUS);
}

/** A count with thousands separators: "2,000". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 iteration", "2,000 iterations". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export type Direction = 'up' | 'down' | 'flat' | 'none';

/** Direction of change; within ±0.05 points counts as unchanged. */
export function direction(points: number | null | undefined): Direction {
  if (!finite(points)) return 'none';
  if (points > 0.05) return 'up';
  if (points < -0.05) return 'down';
  return 'flat';
}

/** A tick label on a chart's score axis: integers as they are, others to one decimal. */
export function formatTick(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

// ---------------------------------------------------------------------------
// Dates and times, always in UTC, never from the runtime's locale data.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An ISO timestamp in UTC. 'minute' (pages, comments): "2025-01-15 14:03 UTC", the input as
 * given when it is not a date. 'day' (cards): "15 Jan 2025 UTC", "—" when it is not a date.
 */
export function formatUtc(iso: string, precision: 'minute' | 'day' = 'minute'): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return precision === 'day' ? DASH : iso;
  const d = new Date(t);
  if (precision === 'day')
    return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()} UTC`;
  const s = d.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** "12 Mar 2025 UTC", as the cards print a date. */
export function formatDateUtc(iso: string): string {
  return formatUtc(iso, 'day');
}

const UNITS: [string, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "3 days ago" / "in 2 hours" / "just now", relative to `now` (ms epoch). */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const diff = now - t;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (abs >= ms || unit === 'second') {
      const n = Math.max(1, Math.round(abs / ms));
      const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return diff >= 0 ? `${phrase} ago` : `in ${phrase}`;
    }
  }
  return '';
}

/** "45 s", "12 min 5 s", "2 h 14 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
