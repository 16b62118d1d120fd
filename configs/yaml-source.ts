import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError, type ConfigProblem } from './config-error';
import { nodeAt, type PathSegment } from './yaml-node';

/**
 * Alias expansions allowed while building the value, as the yaml library counts them (each alias
 * weighted by the size of what it repeats): real files use a handful; a "billion laughs" file
 * needs billions.
 */
export const MAX_ALIAS_EXPANSION = 100;

/** A parsed YAML file that can still say which line a key path came from. */
export interface YamlSource {
  readonly value: unknown;
  /** Line of the key (or list item) at `path`, or of its deepest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

/**
 * Keys repeated within one mapping, in one pass with a set per mapping: the yaml library's own
 * check compares every key with every other one, which grows with the square of the keys.
 */
function duplicateKeys(root: Node | null, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          if (seen.has(key)) problems.push({ path: '', line: pair.key.range ? lines.linePos(pair.key.range[0]).line : undefined, message: `YAML syntax: map keys must be unique ("${key}" repeats)` });
          seen.add(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  // Warnings count too: an unknown tag such as !!js/function would otherwise pass as a plain string.
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length > 0) {
    // One problem per kind: a 5,000-deep nesting reports its stack overflow once, not 5,000 times.
    const kinds = new Map<string, ConfigProblem>();
    for (const e of syntax) {
      const message = `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
      if (!kinds.has(message)) kinds.set(message, { path: '', line: lines.linePos(e.pos[0]).line, message });
    }
    throw new ConfigError(file, [...kinds.values()]);
  }
  // One line for an empty file, rather than one "missing" line for every required key.
  if (doc.contents === null) throw new ConfigError(file, [{ path: '', message: 'the file is empty' }]);
  const duplicates = duplicateKeys(doc.contents, lines);
  if (duplicates.length > 0) throw new ConfigError(file, duplicates);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    // The library's guard against exponential alias expansion ("billion laughs") throws a ReferenceError.
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError(file, [
      { path: '', message: /excessive alias/i.test(message) ? `YAML aliases expand too far (more than ${MAX_ALIAS_EXPANSION} expansions, weighted by size): write the values out instead of repeating anchors` : `YAML: ${message.split('\n')[0]}` },
    ]);
  }
  return {
    value,
    lineOf: (path) => {
      const offset = nodeAt(doc.contents, path)?.range?.[0];
      return offset === undefined ? undefined : lines.linePos(offset).line;
    },
  };
}
