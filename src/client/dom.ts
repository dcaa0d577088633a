import { h, type Attrs, type El, type Kid } from '../views/common/tree';

// Element trees (src/views/common/tree.ts) as DOM nodes. Live pages require Trusted Types with
// no policy, so the browser itself refuses every HTML sink: nodes are made with createElement /
// createElementNS, and every string from a job goes in with setAttribute or as a text node.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A child: an element tree, a string, or a node already built. */
export type DomKid = Kid | Node;

export function build(kid: DomKid, svg = false): Node | null {
  if (kid == null || kid === false || kid === '') return null;
  // A job's JSON is checked only loosely here: whatever is not a tree or a node is text.
  if (typeof kid !== 'object') return document.createTextNode(String(kid));
  if (kid instanceof Node) return kid;
  const inSvg = svg || kid.tag === 'svg';
  const node = inSvg ? document.createElementNS(SVG_NS, kid.tag) : document.createElement(kid.tag);
  for (const [k, v] of Object.entries(kid.attrs)) if (v != null) node.setAttribute(k, String(v));
  for (const child of kid.kids) {
    const c = build(child, inSvg);
    if (c) node.appendChild(c);
  }
  return node;
}

/** An HTML element from a tag, attributes and children (strings become text). */
export function el(tag: string, attrs: Attrs | null = null, ...kids: DomKid[]): HTMLElement {
  const node = build(h(tag, attrs)) as HTMLElement;
  for (const kid of kids) {
    const c = build(kid);
    if (c) node.appendChild(c);
  }
  return node;
}

export function tree(t: El): Element {
  return build(t) as Element;
}

export function clear<T extends Node>(node: T): T {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function one<T extends Element = HTMLElement>(sel: string, from: ParentNode = document): T | null {
  return from.querySelector<T>(sel);
}

export function every<T extends Element = HTMLElement>(sel: string, from: ParentNode = document): T[] {
  return Array.from(from.querySelectorAll<T>(sel));
}

/** Replace `old` with `node` where it stands. */
export function swap(old: Node, node: Node): void {
  old.parentNode?.replaceChild(node, old);
}

/** A section's content: everything after its heading, replaced. */
export function setSectionBody(section: Element, nodes: (Node | null)[]): void {
  const heading = section.querySelector('h2');
  while (heading && heading.nextSibling) section.removeChild(heading.nextSibling);
  for (const n of nodes) if (n) section.appendChild(n);
}
