import { closestName } from '../../configs/closest-name';
import type { PathSegment } from '../../configs/yaml-node';

/**
 * Dotted config paths such as `decode.alpha` or `subjects[0].source.noiseSd`: how a sweep names
 * the setting it varies. Keys are identifiers; list items are addressed by index in brackets.
 */

export type { PathSegment };

/** A path that does not parse, or that names something the target object does not have. */
export class DottedPathError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'DottedPathError';
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*/;
const INDEX = /^\[(0|[1-9][0-9]*)\]/;

export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let rest = path;
  let expectKey = true;
  while (rest.length > 0 || expectKey) {
    if (expectKey) {
      const key = KEY.exec(rest);
      if (!key) throw new DottedPathError(path, `expected a key at "${rest}" (paths look like decode.alpha or subjects[0].source.noiseSd)`);
      segments.push(key[0]);
      rest = rest.slice(key[0].length);
      expectKey = false;
    } else if (rest.startsWith('.')) {
      rest = rest.slice(1);
      expectKey = true;
    } else {
      const index = INDEX.exec(rest);
      if (!index) throw new DottedPathError(path, `unexpected "${rest}" (use .key or [index])`);
      segments.push(Number(index[1]));
      rest = rest.slice(index[0].length);
    }
  }
  return segments;
}

export function isDottedPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

export function formatPath(segments: readonly PathSegment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function segmentsOf(path: string | readonly PathSegment[]): readonly PathSegment[] {
  return typeof path === 'string' ? parsePath(path) : path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why `segment` cannot be followed from `container`, or undefined when it can. */
function missing(container: unknown, segment: PathSegment, where: string): string | undefined {
  if (typeof segment === 'number') {
    if (!Array.isArray(container)) return `${where || 'the top level'} is not a list, so [${segment}] does not apply`;
    if (segment >= container.length) return `${where} has ${container.length} item(s), so [${segment}] does not exist`;
    return undefined;
  }
  if (!isRecord(container)) return `${where || 'the top level'} is ${Array.isArray(container) ? 'a list (use [index])' : 'not an object'}, so .${segment} does not apply`;
  if (!Object.hasOwn(container, segment)) {
    const hint = closestName(segment, Object.keys(container));
    return `no key "${segment}"${where ? ` in ${where}` : ''}${hint ? ` (did you mean "${hint}"?)` : ''}`;
  }
  return undefined;
}

/** The value at `path`; throws DottedPathError when any part of it does not exist. */
export function getAt(obj: unknown, path: string | readonly PathSegment[]): unknown {
  const segments = segmentsOf(path);
  let current = obj;
  for (const [i, segment] of segments.entries()) {
    const reason = missing(current, segment, formatPath(segments.slice(0, i)));
    if (reason) throw new DottedPathError(formatPath(segments), reason);
    current = typeof segment === 'number' ? (current as unknown[])[segment] : (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * A copy of `obj` with `value` at `path`; `obj` is not modified (only the objects along the path
 * are copied). Every container on the path must exist; the last key of an object may be new,
 * because optional settings are absent from a parsed config. The result's shape is not checked
 * here: callers validate it (the sweep expander runs ExperimentSchema on every point).
 */
export function setAt<T>(obj: T, path: string | readonly PathSegment[], value: unknown): T {
  const segments = segmentsOf(path);
  if (segments.length === 0) throw new DottedPathError('', 'empty path');
  const set = (container: unknown, depth: number): unknown => {
    const segment = segments[depth]!;
    const last = depth === segments.length - 1;
    const where = formatPath(segments.slice(0, depth));
    if (last && typeof segment === 'string' && isRecord(container)) return { ...container, [segment]: value };
    const reason = missing(container, segment, where);
    if (reason) throw new DottedPathError(formatPath(segments), reason);
    if (typeof segment === 'number') {
      const copy = [...(container as unknown[])];
      copy[segment] = last ? value : set(copy[segment], depth + 1);
      return copy;
    }
    const record = container as Record<string, unknown>;
    return { ...record, [segment]: set(record[segment], depth + 1) };
  };
  return set(obj, 0) as T;
}
