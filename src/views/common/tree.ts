// Markup as data: a tiny element tree that the server renders with hono/jsx
// (src/views/html/tree.ts) and the live page's script builds with createElement /
// createElementNS (src/client/dom.ts). Markup written once here is drawn the same by both,
// so a live update and a reload cannot differ. Attribute values and text are data: both
// renderers put them in as text (hono/jsx escapes them; the DOM never parses them).

export type Attrs = Record<string, string | number | null | undefined>;
export type Kid = El | string | null | undefined | false;

export interface El {
  tag: string;
  attrs: Attrs;
  kids: Kid[];
}

export function h(tag: string, attrs: Attrs | null = null, ...kids: Kid[]): El {
  return { tag, attrs: attrs ?? {}, kids };
}
