import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error';
import { nodeAt, type PathSegment } from './yaml-node';

/** A parsed YAML file that can still say which line a key path came from. */
export interface YamlSource {
  readonly value: unknown;
  /** Line of the key (or list item) at `path`, or of its deepest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number | undefined;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  return {
    value: doc.toJS() as unknown,
    lineOf: (path) => {
      const offset = nodeAt(doc.contents, path)?.range?.[0];
      return offset === undefined ? undefined : lines.linePos(offset).line;
    },
  };
}
