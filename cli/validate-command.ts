import { ConfigError, type ConfigProblem } from '../configs/config-error';
import { readConfigText } from '../configs/config-text';
import { loadExperimentConfig } from '../configs/load';
import { parseYamlSource } from '../configs/yaml-source';
import { openSweep } from '../lib/sweep/load-sweep';

/** A sweep file names its base experiment; an experiment file never has `base`. */
async function isSweepFile(file: string): Promise<boolean> {
  const value = parseYamlSource(await readConfigText(file), file).value;
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'base' in value;
}

/** A file that passed: its kind, name and size. */
export type ValidFile =
  | { readonly file: string; readonly valid: true; readonly kind: 'experiment'; readonly name: string; readonly subjects: number }
  | { readonly file: string; readonly valid: true; readonly kind: 'sweep'; readonly name: string; readonly points: number };

/** What `validate --json` prints for a file the schema refused: the message and every problem. */
export interface InvalidFile {
  readonly file: string;
  readonly valid: false;
  readonly error: string;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Checks an experiment file, or a sweep file (its base experiment and every point it expands
 * to), exactly as `run` and `sweep` would before starting; nothing runs. A refused file throws
 * its ConfigError (file, line and key path of every problem).
 */
export async function validateFile(file: string): Promise<ValidFile> {
  if (await isSweepFile(file)) {
    // Every point is expanded (and checked) one at a time, as `sweep` does: memory stays flat.
    const opened = await openSweep(file);
    let points = 0;
    for (const _point of opened.points()) points++;
    return { file, valid: true, kind: 'sweep', name: opened.sweep.name, points };
  }
  const config = await loadExperimentConfig(file);
  return { file, valid: true, kind: 'experiment', name: config.name, subjects: config.subjects.length };
}

/** `validate --json`: a refused config is an answer, not a crash; other errors still throw. */
export async function validateForJson(file: string): Promise<ValidFile | InvalidFile> {
  try {
    return await validateFile(file);
  } catch (error) {
    if (error instanceof ConfigError) return { file, valid: false, error: error.message, problems: error.problems };
    throw error;
  }
}

/** `deeprecon validate <file>`: the line to print. */
export async function validateCommand(file: string): Promise<string> {
  const v = await validateFile(file);
  return v.kind === 'sweep' ? `${file}: valid (sweep ${v.name}, ${v.points} point(s))` : `${file}: valid (experiment ${v.name}, ${v.subjects} subject(s))`;
}
