import { sha256Hex } from '../store/artifact-ref';
import { parsePath } from './dotted-path';

/**
 * Names for sweep points. Every name must be a valid experiment name (the workflow id and results
 * folder derive from it), so it is built only from letters, digits, ".", "_" and "-", and it must
 * say which values the point has: `<sweep>-<subject>-decode.alpha_10-noiseSd_3`. ("=" would read
 * better but is not allowed in experiment names, so "_" joins a setting to its value.)
 */

export const MAX_NAME_LENGTH = 64;
const HASH_LENGTH = 8;

/** Replaces everything an experiment name may not contain. */
export function sanitizeNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function formatValueForName(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(formatValueForName).join('.');
  return sanitizeNamePart(String(value));
}

/** Path segments as shown in names: `subjects[0]` becomes `subjects0`. */
function displaySegments(path: string): string[] {
  const shown: string[] = [];
  for (const segment of parsePath(path)) {
    if (typeof segment === 'number' && shown.length > 0) shown[shown.length - 1] += String(segment);
    else shown.push(String(segment));
  }
  return shown;
}

/**
 * Short labels for the varied paths: a top-level `section.key` as written, deeper paths by their
 * last key (`subjects[0].source.noiseSd` → `noiseSd`), lengthened with parent keys while two
 * labels would otherwise be equal.
 */
export function paramLabels(paths: readonly string[]): Map<string, string> {
  const shown = paths.map(displaySegments);
  const take = shown.map((s) => (s.length <= 2 ? s.length : 1));
  const label = (i: number): string => shown[i]!.slice(-take[i]!).join('.');
  for (;;) {
    const byLabel = new Map<string, number[]>();
    for (const i of paths.keys()) byLabel.set(label(i), [...(byLabel.get(label(i)) ?? []), i]);
    let grew = false;
    for (const group of byLabel.values()) {
      if (group.length < 2) continue;
      for (const i of group) {
        if (take[i]! < shown[i]!.length) {
          take[i]! += 1;
          grew = true;
        }
      }
    }
    if (!grew) break;
  }
  return new Map(paths.map((p, i) => [p, label(i)]));
}

export function shortHash(text: string): string {
  return sha256Hex(new TextEncoder().encode(text)).slice(0, HASH_LENGTH);
}

/** Joins name parts with "-"; a name longer than 64 characters is cut and ends in a hash of the whole. */
export function joinName(parts: readonly string[]): string {
  const full = parts.filter((p) => p.length > 0).join('-');
  if (full.length <= MAX_NAME_LENGTH) return full;
  return `${full.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)}-${shortHash(full)}`;
}

/** `name` with a hash of `identity` appended (still within 64 characters): to tell apart names that collide. */
export function withHash(name: string, identity: string): string {
  return `${name.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 1)}-${shortHash(identity)}`;
}
