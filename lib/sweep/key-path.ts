import type { PathSegment } from './dotted-path';

/** A sweep-file key path; keys that are themselves dotted config paths are bracketed and quoted. */
export function formatKeyPath(path: readonly PathSegment[]): string {
  return path
    .map((s, i) => {
      if (typeof s === 'number') return `[${s}]`;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return `["${s}"]`;
      return i === 0 ? s : `.${s}`;
    })
    .join('');
}
