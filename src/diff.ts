import { structuredPatch } from 'diff';
import type { Iteration } from './schema';

// "What changed": for each kept iteration, a unified diff of its agent_code against
// the previous kept one (the first kept one against the first iteration). The
// work is bounded however large or numerous the sources are: only the newest
// MAX_DIFFS diffs are computed, the edit distance searched is capped (the Myers
// algorithm costs O(N·D)), sources beyond MAX_SOURCE_CHARS are not diffed at all,
// and each diff shows at most MAX_LINES lines.

export const DIFF_LIMITS = {
  maxDiffs: 50,
  maxLines: 400,
  maxEditLength: 400,
  maxSourceChars: 200_000,
  contextLines: 3,
};

export type DiffLineKind = 'add' | 'del' | 'ctx' | 'hunk';
export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

export interface CodeChange {
  iteration: Iteration;
  /** The iteration diffed against; null when this kept iteration is the first one. */
  against: Iteration | null;
  /** initial: nothing to compare with · same: identical code · diff: lines · too-large: not computed. */
  kind: 'initial' | 'same' | 'diff' | 'too-large';
  lines: DiffLine[];
  added: number;
  removed: number;
  /** Lines of the diff not shown because of maxLines. */
  hiddenLines: number;
}

export interface CodeChanges {
  changes: CodeChange[];
  /** Kept iterations with code, older than the ones shown. */
  omitted: number;
  /** Kept iterations with code, in all. */
  total: number;
}

/** `iterations` must be sorted by order. */
export function keptCodeChanges(iterations: Iteration[], limits = DIFF_LIMITS): CodeChanges {
  const first = iterations.find((it) => typeof it.agent_code === 'string') ?? null;
  const kept = iterations.filter((it) => it.status === 'keep' && typeof it.agent_code === 'string');
  const start = Math.max(0, kept.length - limits.maxDiffs);
  const changes: CodeChange[] = [];
  for (let i = start; i < kept.length; i++) {
    const it = kept[i]!;
    const prev = i > 0 ? kept[i - 1]! : first !== it ? first : null;
    changes.push(compare(prev, it, limits));
  }
  return { changes, omitted: start, total: kept.length };
}

function compare(against: Iteration | null, iteration: Iteration, limits: typeof DIFF_LIMITS): CodeChange {
  const base: CodeChange = {
    iteration,
    against,
    kind: 'initial',
    lines: [],
    added: 0,
    removed: 0,
    hiddenLines: 0,
  };
  if (!against) return base;
  const oldCode = against.agent_code ?? '';
  const newCode = iteration.agent_code ?? '';
  if (oldCode === newCode) return { ...base, kind: 'same' };
  if (oldCode.length > limits.maxSourceChars || newCode.length > limits.maxSourceChars) {
    return { ...base, kind: 'too-large' };
  }
  const patch = structuredPatch(
    against.iteration_name,
    iteration.iteration_name,
    oldCode,
    newCode,
    undefined,
    undefined,
    {
      context: limits.contextLines,
      maxEditLength: limits.maxEditLength,
    },
  );
  if (!patch) return { ...base, kind: 'too-large' };

  const lines: DiffLine[] = [];
  let added = 0;
  let removed = 0;
  let total = 0;
  for (const h of patch.hunks) {
    total++;
    if (lines.length < limits.maxLines) {
      lines.push({ kind: 'hunk', text: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@` });
    }
    for (const l of h.lines) {
      const sign = l.charAt(0);
      // "\ No newline at end of file" markers add noise to a page; skip them.
      if (sign === '\\') continue;
      const kind: DiffLineKind = sign === '+' ? 'add' : sign === '-' ? 'del' : 'ctx';
      if (kind === 'add') added++;
      else if (kind === 'del') removed++;
      total++;
      if (lines.length < limits.maxLines) lines.push({ kind, text: l });
    }
  }
  return { ...base, kind: 'diff', lines, added, removed, hiddenLines: total - lines.length };
}
