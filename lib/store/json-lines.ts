/**
 * JSON lines: one JSON value per line, UTF-8. The format of artifacts that hold many small records
 * (a sweep's points, its finished points): appendable, readable a line at a time, and diffable.
 */

export class JsonLinesError extends Error {
  constructor(source: string, line: number, why: string) {
    super(`${source}:${line}: not a JSON line (${why})`);
    this.name = 'JsonLinesError';
  }
}

export function encodeJsonLines(values: Iterable<unknown>): Uint8Array {
  const parts: string[] = [];
  for (const value of values) parts.push(`${JSON.stringify(value)}\n`);
  return new TextEncoder().encode(parts.join(''));
}

/** Parses every non-empty line; `source` names the artifact in errors. */
export function decodeJsonLines<T>(bytes: Uint8Array, source: string): T[] {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const values: T[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.length === 0) continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch (error) {
      throw new JsonLinesError(source, i + 1, error instanceof Error ? error.message : String(error));
    }
  }
  return values;
}
