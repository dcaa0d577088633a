// Nesting depth of JSON values from outside. JSON.parse accepts any depth, but JSON.stringify,
// structuredClone and every recursive walker overflow the stack somewhere past a few thousand
// levels, so depth is measured here without recursion.

/** Whether `value` nests arrays or objects more than `limit` levels deep; no recursion. */
export function nestsDeeper(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v == null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** `value` with everything below `depth` levels replaced by `deeper`; recursion bounded by `depth`. */
export function clipDepth(value: unknown, depth: number, deeper: unknown): unknown {
  if (value == null || typeof value !== 'object') return value;
  if (depth === 0) return deeper;
  if (Array.isArray(value)) return value.map((v) => clipDepth(v, depth - 1, deeper));
  // No prototype: keys are job data, and `__proto__` must stay a key like any other.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = clipDepth(v, depth - 1, deeper);
  return out;
}
