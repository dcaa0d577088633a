import { jsx } from 'hono/jsx';
import type { Child } from 'hono/jsx';
import type { Kid } from '../common/tree';

// An element tree from src/views/common/tree.ts as hono/jsx, which escapes every attribute
// value and text like any other JSX. The live page's script builds the same tree as DOM nodes.

export function fromTree(kid: Kid): Child {
  if (kid == null || kid === false) return null;
  if (typeof kid === 'string') return kid;
  const props: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(kid.attrs)) if (v != null) props[k] = v;
  return jsx(kid.tag, props, ...kid.kids.map(fromTree));
}
