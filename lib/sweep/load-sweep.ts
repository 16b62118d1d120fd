import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { closestName } from '../../configs/closest-name';
import { ConfigError, type ConfigProblem } from '../../configs/config-error';
import { loadExperimentConfig } from '../../configs/load';
import type { ExperimentConfig } from '../../configs/schema';
import { type Sweep, SweepPointSchema, SweepSchema } from '../../configs/sweep-schema';
import type { PathSegment } from './dotted-path';
import { openExpansion, type SweepPoint } from './expand';
import { readConfigText } from '../../configs/config-text';
import { parseYamlSource, type YamlSource } from '../../configs/yaml-source';
import { formatKeyPath } from './key-path';

export interface LoadedSweep {
  readonly sweep: Sweep;
  readonly base: ExperimentConfig;
  readonly points: SweepPoint[];
}

/** A sweep file read and checked, its points still to be built (see SweepExpansion.points). */
export interface OpenedSweep {
  readonly sweep: Sweep;
  readonly base: ExperimentConfig;
  readonly count: number;
  points(): Generator<SweepPoint, void, undefined>;
}

/** Reads a sweep file and loads its base experiment; every problem names `file:line: key.path`. Points are built as they are consumed. */
export async function openSweep(file: string): Promise<OpenedSweep> {
  const source = parseYamlSource(await readConfigText(file), file);
  const sweep = parseSweep(source, file);
  const basePath = path.resolve(path.dirname(file), sweep.base);
  try {
    await fs.access(basePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(file, [{ path: 'base', line: source.lineOf(['base']), message: `cannot read the base experiment ${basePath} (${code})` }]);
  }
  const base = await loadExperimentConfig(basePath);
  const expansion = openExpansion(sweep, base, file, source.lineOf);
  return { sweep, base, count: expansion.count, points: () => expansion.points() };
}

/**
 * Reads a sweep file and expands every point into memory (validation, small sweeps, tests). The
 * sweep command streams instead (openSweep), so a sweep's size is bounded by MAX_SWEEP_POINTS only.
 */
export async function loadSweep(file: string): Promise<LoadedSweep> {
  const opened = await openSweep(file);
  return { sweep: opened.sweep, base: opened.base, points: [...opened.points()] };
}

/** Validates a parsed sweep file against SweepSchema, reporting every problem at once. */
export function parseSweep(source: YamlSource, file: string): Sweep {
  const parsed = SweepSchema.safeParse(source.value ?? {});
  if (parsed.success) return parsed.data;
  const problems: ConfigProblem[] = [];
  for (const issue of parsed.error.issues) {
    const at = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(at);
      for (const key of issue.keys) {
        const hint = closestName(key, allowed);
        problems.push({
          path: formatKeyPath([...at, key]),
          line: source.lineOf([...at, key]),
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
        });
      }
    } else {
      // A record key that is not a config path carries its reason in a nested issue.
      const nested = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
      problems.push({ path: formatKeyPath(at), line: source.lineOf(at), message: nested ?? issue.message });
    }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigError(file, problems);
}

function allowedKeys(at: readonly PathSegment[]): string[] {
  const shapes: Record<string, z.ZodType> = at.length === 0 ? SweepSchema.shape : at[0] === 'points' && at.length === 2 ? SweepPointSchema.shape : {};
  return Object.keys(shapes);
}


