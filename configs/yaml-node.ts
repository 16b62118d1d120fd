import { isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';

export type PathSegment = string | number;

/** Each mapping's pairs by key, built once: looking up every key of a large mapping stays linear. */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
    pairIndex.set(map, index);
  }
  return index.get(key);
}

/** The YAML node (key node where possible) at a key path, or its deepest existing ancestor. */
export function nodeAt(root: Node | null, path: readonly PathSegment[]): Node | null {
  let node: Node | null = root;
  let located: Node | null = root;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = pairOf(node, String(segment));
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
