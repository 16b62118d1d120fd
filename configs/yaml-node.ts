import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';

export type PathSegment = string | number;

/** The YAML node (key node where possible) at a key path, or its deepest existing ancestor. */
export function nodeAt(root: Node | null, path: readonly PathSegment[]): Node | null {
  let node: Node | null = root;
  let located: Node | null = root;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return located;
      located = isScalar(pair.key) ? pair.key : located;
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return located;
      located = item;
      node = item;
    } else {
      return located;
    }
  }
  return located;
}
