import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NAME_PATTERN } from '../configs/name-rule';
import { UsageError } from './options';

/** A finished run's Parquet tables in runs/<name>/ (what `run` writes when it ends). */
export interface RunTables {
  readonly kind: 'run';
  readonly name: string;
  readonly scores: string;
  readonly decoding?: string;
  readonly stages?: string;
}

/** A finished sweep's results table, runs/<sweep>/results.parquet: one row per point × score. */
export interface SweepTables {
  readonly kind: 'sweep';
  readonly name: string;
  readonly results: string;
}

export type ResultSource = RunTables | SweepTables;

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

/**
 * Every finished run and sweep under `runsDir`, by name. "Finished" means its tables exist: they
 * are written once the workflow has completed, so a run still going (or one that failed) has none
 * and is left out rather than shown half-done.
 */
export async function findResultSources(runsDir: string): Promise<ResultSource[]> {
  let entries: string[];
  try {
    entries = (await fs.readdir(runsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    throw new Error(`no runs folder ${runsDir} (runs appear there when \`deeprecon run\` or \`deeprecon sweep\` finishes; --runs-dir names another)`);
  }
  const sources: ResultSource[] = [];
  for (const name of entries.filter((n) => NAME_PATTERN.test(n)).sort()) {
    const dir = path.join(runsDir, name);
    const file = (table: string) => path.join(dir, `${table}.parquet`);
    if (await isFile(file('results'))) sources.push({ kind: 'sweep', name, results: file('results') });
    else if (await isFile(file('scores'))) {
      sources.push({
        kind: 'run',
        name,
        scores: file('scores'),
        ...((await isFile(file('decoding'))) ? { decoding: file('decoding') } : {}),
        ...((await isFile(file('stages'))) ? { stages: file('stages') } : {}),
      });
    }
  }
  return sources;
}

/** The sources the user named (all when none); a name that is no finished run or sweep is an error naming those that are. */
export function selectSources(all: readonly ResultSource[], names: readonly string[], runsDir: string): ResultSource[] {
  if (all.length === 0) throw new Error(`no finished run or sweep in ${runsDir}: their tables appear when \`deeprecon run\` or \`deeprecon sweep\` finishes`);
  if (names.length === 0) return [...all];
  for (const name of names) if (!NAME_PATTERN.test(name)) throw new UsageError(`invalid run name "${name}"`);
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`no finished run or sweep named ${unknown.map((n) => `"${n}"`).join(', ')} in ${runsDir} (finished: ${all.map((s) => s.name).join(', ')})`);
  }
  return all.filter((s) => names.includes(s.name));
}
