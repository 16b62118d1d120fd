import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { closestName } from '../../configs/closest-name';
import { ConfigError, type ConfigProblem } from '../../configs/config-error';
import { loadExperimentConfig } from '../../configs/load';
import type { ExperimentConfig } from '../../configs/schema';
import { type Sweep, SweepPointSchema, SweepSchema } from '../../configs/sweep-schema';
import type { PathSegment } from './dotted-path';
import { expandSweep, type SweepPoint } from './expand';
import { readConfigText } from '../../configs/config-text';
import { parseYamlSource, type YamlSource } from '../../configs/yaml-source';
import { formatKeyPath } from './key-path';

export interface LoadedSweep {
  readonly sweep: Sweep;
  readonly base: ExperimentConfig;
  readonly points: SweepPoint[];
}

/** Bytes of a sweep's point configs as JSON: they are the workflow's input, below Temporal's 2 MB limit. */
export const MAX_SWEEP_INPUT_BYTES = 1536 * 1024;

/** Reads a sweep file, loads its base experiment and expands it; every problem names `file:line: key.path`. */
export async function loadSweep(file: string): Promise<LoadedSweep> {
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
  const points = expandSweep(sweep, base, file, source.lineOf);
  // Every point's config travels in the sweep workflow's input, which Temporal refuses above 2 MB.
  const bytes = points.reduce((n, p) => n + Buffer.byteLength(JSON.stringify(p.config)) + Buffer.byteLength(JSON.stringify(p.params)), 0);
  if (bytes > MAX_SWEEP_INPUT_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `the sweep's ${points.length} point configs take ${bytes} bytes as JSON; the limit is ${MAX_SWEEP_INPUT_BYTES} bytes, as they travel in the workflow's input (about ${Math.floor((MAX_SWEEP_INPUT_BYTES * points.length) / bytes)} points of this config fit): split the sweep` }]);
  }
  return { sweep, base, points };
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


