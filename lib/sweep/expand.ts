import { closestName } from '../../configs/closest-name';
import { ConfigError, type ConfigProblem } from '../../configs/config-error';
import { type ExperimentConfig, ExperimentSchema } from '../../configs/schema';
import type { Sweep, SweepValue } from '../../configs/sweep-schema';
import { canonicalJson } from '../store/canonical-json';
import { DottedPathError, formatPath, getAt, parsePath, type PathSegment, setAt } from './dotted-path';
import { formatValueForName, joinName, paramLabels, withHash } from './point-name';

/** One child experiment of a sweep. */
export interface SweepPoint {
  /** A valid, unique experiment name; also `config.name`. */
  readonly name: string;
  /** The base subject this point runs, when the sweep lists `subjects`. */
  readonly subject?: string;
  /** Dotted config path → the value this point sets. */
  readonly params: Record<string, SweepValue>;
  readonly config: ExperimentConfig;
}

/** Line of a key path in the sweep file, for error messages; sweeps built in code have none. */
export type SweepLineOf = (path: readonly PathSegment[]) => number | undefined;

interface ParamPoint {
  readonly nameParts: readonly string[];
  readonly params: Record<string, SweepValue>;
  /** Where each param was set in the sweep file. */
  readonly origins: Record<string, readonly PathSegment[]>;
}

/**
 * Expands a sweep into its child experiments, in a fixed order: subjects (outermost), then grid
 * keys in file order (the last varies fastest), then zip as one more dimension, then named points.
 * Every point's config is validated with ExperimentSchema; all problems are reported together.
 * Holds every point at once: for a sweep of any size, use openExpansion and consume its points.
 */
export function expandSweep(sweep: Sweep, base: ExperimentConfig, sweepFile: string, lineOf: SweepLineOf = () => undefined): SweepPoint[] {
  return [...openExpansion(sweep, base, sweepFile, lineOf).points()];
}

/** A sweep checked and counted, whose points are built one at a time when asked for. */
export interface SweepExpansion {
  readonly count: number;
  /**
   * The points in order, each built and validated as it is yielded, so memory holds one point
   * (plus the names) whatever the sweep's size. A point with problems is not yielded; after the
   * last point, every problem is thrown together as one ConfigError.
   */
  points(): Generator<SweepPoint, void, undefined>;
}

/** Checks the sweep's paths, subjects and size, and names every point, without building any config. */
export function openExpansion(sweep: Sweep, base: ExperimentConfig, sweepFile: string, lineOf: SweepLineOf = () => undefined): SweepExpansion {
  const problem = (origin: readonly PathSegment[], path: string, message: string): ConfigProblem => ({ path, line: lineOf(origin), message });
  const problems = [...checkPaths(sweep, base, problem), ...checkSubjects(sweep, base, problem)];
  if (problems.length > 0) throw new ConfigError(sweepFile, problems);
  // Counted before anything is expanded: a grid of a million points is refused in microseconds.
  const count = pointCount(sweep, base);
  if (count > MAX_SWEEP_POINTS) {
    const where: PathSegment[] = Object.keys(sweep.grid).length > 0 ? ['grid'] : Object.keys(sweep.zip).length > 0 ? ['zip'] : ['points'];
    throw new ConfigError(sweepFile, [problem(where, '', `the sweep expands to ${count} points; the limit is ${MAX_SWEEP_POINTS} (split it into several sweeps)`)]);
  }

  const paramPoints = [...gridTimesZip(sweep), ...namedPoints(sweep)];
  const subjects: ReadonlyArray<{ name?: string; indices: number[] }> = sweep.subjects
    ? sweep.subjects.map((name) => ({ name, indices: [base.subjects.findIndex((s) => s.name === name)] }))
    : [{ indices: base.subjects.map((_, i) => i) }];

  const drafts = subjects.flatMap((subject) =>
    paramPoints.map((point) => ({ subject, point, name: joinName([sweep.name, subject.name ?? '', ...point.nameParts]) })),
  );
  const names = uniqueNames(drafts.map((d) => ({ name: d.name, identity: canonicalJson({ subject: d.subject.name, params: d.point.params }) })));
  // First position of each name (a map, not indexOf: a sweep of 100,000 points must not take n² steps).
  const firstIndex = new Map<string, number>();
  for (const [i, name] of names.entries()) if (!firstIndex.has(name)) firstIndex.set(name, i);

  function* points(): Generator<SweepPoint, void, undefined> {
    const found: ConfigProblem[] = [];
    const seen = new Map<string, { origin: readonly PathSegment[]; path: string; message: string; points: string[] }>();
    for (const [i, draft] of drafts.entries()) {
      const name = names[i]!;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
        found.push({ path: 'name', line: lineOf(['name']), message: `point name "${name}" is not a valid experiment name` });
        continue;
      }
      if (firstIndex.get(name) !== i) {
        found.push({ path: 'name', line: lineOf(['name']), message: `two points would both be named "${name}": their settings are identical` });
        continue;
      }
      let applied: ExperimentConfig = base;
      for (const [path, value] of Object.entries(draft.point.params)) applied = setAt(applied, path, value);
      // Validate before selecting subjects, so problems keep the subject indices the sweep file used.
      const parsed = ExperimentSchema.safeParse({ ...applied, name });
      if (parsed.success) {
        const config = { ...parsed.data, subjects: draft.subject.indices.map((index) => parsed.data.subjects[index]!) };
        yield { name, ...(draft.subject.name ? { subject: draft.subject.name } : {}), params: draft.point.params, config };
        continue;
      }
      for (const issue of parsed.error.issues) {
        const issuePath = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
        for (const key of keys) {
          const path = key === undefined ? issuePath : [...issuePath, key];
          const hint = key === undefined ? undefined : closestName(key, Object.keys(Object(safeGet(base, issuePath))));
          const message = key === undefined ? issue.message : `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`;
          const origin = originOf(path, draft.point);
          const id = `${canonicalJson(origin)}|${formatPath(path)}|${message}`;
          const entry = seen.get(id) ?? { origin, path: formatPath(path), message, points: [] };
          entry.points.push(name);
          seen.set(id, entry);
        }
      }
    }
    for (const entry of seen.values()) {
      const more = entry.points.length > 1 ? ` (and ${entry.points.length - 1} more point(s))` : '';
      found.push(problem(entry.origin, entry.path, `in point "${entry.points[0]}"${more}: ${entry.message}`));
    }
    if (found.length > 0) throw new ConfigError(sweepFile, found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }
  return { count, points };
}

/**
 * Points a sweep may expand to. The points travel through the store a page at a time, so this
 * bounds the client's expansion time and the names it holds (35 s and 313 MiB resident at the
 * limit, measured), and the one results table built at the end; a larger grid is refused before
 * any point is built.
 */
export const MAX_SWEEP_POINTS = 100_000;

/** Subjects × (grid product × zip length + named points), without building any point. */
export function pointCount(sweep: Sweep, base: ExperimentConfig): number {
  const grid = Object.values(sweep.grid).reduce((n, values) => n * values.length, 1);
  const zipKeys = Object.keys(sweep.zip);
  const zip = zipKeys.length > 0 ? sweep.zip[zipKeys[0]!]!.length : 1;
  const varied = Object.keys(sweep.grid).length > 0 || zipKeys.length > 0;
  const perSubject = (varied ? grid * zip : sweep.points.length === 0 ? 1 : 0) + sweep.points.length;
  return (sweep.subjects ? sweep.subjects.length : base.subjects.length > 0 ? 1 : 0) * perSubject;
}

type ProblemAt = (origin: readonly PathSegment[], path: string, message: string) => ConfigProblem;

/** Every varied path must lead somewhere in the base config (checked once, not per point). */
function checkPaths(sweep: Sweep, base: ExperimentConfig, problem: ProblemAt): ConfigProblem[] {
  const uses: Array<[readonly PathSegment[], string, SweepValue]> = [
    ...Object.entries(sweep.grid).map(([p, v]): [PathSegment[], string, SweepValue] => [['grid', p], p, v[0]!]),
    ...Object.entries(sweep.zip).map(([p, v]): [PathSegment[], string, SweepValue] => [['zip', p], p, v[0]!]),
    ...sweep.points.flatMap((point, i) =>
      Object.entries(point.set).map(([p, v]): [PathSegment[], string, SweepValue] => [['points', i, 'set', p], p, v]),
    ),
  ];
  const problems: ConfigProblem[] = [];
  for (const [origin, path, value] of uses) {
    try {
      setAt(base, path, value);
    } catch (error) {
      if (!(error instanceof DottedPathError)) throw error;
      problems.push(problem(origin, path, `${error.reason} in the base experiment`));
    }
  }
  return problems;
}

function checkSubjects(sweep: Sweep, base: ExperimentConfig, problem: ProblemAt): ConfigProblem[] {
  const known = base.subjects.map((s) => s.name);
  return (sweep.subjects ?? []).flatMap((name, i) => {
    if (known.includes(name)) return [];
    const hint = closestName(name, known);
    return [problem(['subjects', i], `subjects[${i}]`, `no subject "${name}" in the base experiment${hint ? ` (did you mean "${hint}"?)` : ''}; it has ${known.join(', ')}`)];
  });
}

/** The grid's cartesian product with zip as its last dimension; one empty point when both are empty and no named points are given. */
function gridTimesZip(sweep: Sweep): ParamPoint[] {
  const gridKeys = Object.keys(sweep.grid);
  const zipKeys = Object.keys(sweep.zip);
  if (gridKeys.length === 0 && zipKeys.length === 0) {
    return sweep.points.length === 0 ? [{ nameParts: [], params: {}, origins: {} }] : [];
  }
  const labels = paramLabels([...gridKeys, ...zipKeys]);
  type Setting = { path: string; value: SweepValue; origin: PathSegment[] };
  const dimensions: Setting[][][] = gridKeys.map((path) => sweep.grid[path]!.map((value) => [{ path, value, origin: ['grid', path] }]));
  if (zipKeys.length > 0) {
    const length = sweep.zip[zipKeys[0]!]!.length;
    dimensions.push(Array.from({ length }, (_, i) => zipKeys.map((path) => ({ path, value: sweep.zip[path]![i]!, origin: ['zip', path] }))));
  }
  let combos: Setting[][] = [[]];
  for (const dimension of dimensions) combos = combos.flatMap((combo) => dimension.map((choice) => [...combo, ...choice]));
  return combos.map((settings) => ({
    nameParts: settings.map((s) => `${labels.get(s.path)!}_${formatValueForName(s.value)}`),
    params: Object.fromEntries(settings.map((s) => [s.path, s.value])),
    origins: Object.fromEntries(settings.map((s) => [s.path, s.origin])),
  }));
}

function namedPoints(sweep: Sweep): ParamPoint[] {
  return sweep.points.map((point, i) => ({
    nameParts: [point.name],
    params: { ...point.set },
    origins: Object.fromEntries(Object.keys(point.set).map((path) => [path, ['points', i, 'set', path]])),
  }));
}

/** Names that collide (after sanitising values) get a hash of their settings; identical settings stay equal. */
function uniqueNames(drafts: ReadonlyArray<{ name: string; identity: string }>): string[] {
  const count = new Map<string, number>();
  for (const d of drafts) count.set(d.name, (count.get(d.name) ?? 0) + 1);
  return drafts.map((d) => ((count.get(d.name) ?? 0) > 1 ? withHash(d.name, d.identity) : d.name));
}

/** The sweep key that set (a parent or child of) `path`, for locating a validation problem. */
function originOf(path: readonly PathSegment[], point: ParamPoint): readonly PathSegment[] {
  for (const [param, origin] of Object.entries(point.origins)) {
    const segments = parsePath(param);
    const n = Math.min(segments.length, path.length);
    if (segments.slice(0, n).every((s, i) => String(s) === String(path[i]))) return origin;
  }
  return [];
}

function safeGet(obj: unknown, path: readonly PathSegment[]): unknown {
  try {
    return getAt(obj, path);
  } catch {
    return undefined;
  }
}
