import { readConfigText } from '../configs/config-text';
import { loadExperimentConfig } from '../configs/load';
import { parseYamlSource } from '../configs/yaml-source';
import { loadSweep } from '../lib/sweep/load-sweep';

/** A sweep file names its base experiment; an experiment file never has `base`. */
async function isSweepFile(file: string): Promise<boolean> {
  const value = parseYamlSource(await readConfigText(file), file).value;
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'base' in value;
}

/**
 * `deeprecon validate <file>`: checks an experiment file, or a sweep file (its base experiment and
 * every point it expands to), exactly as `run` and `sweep` would before starting; nothing runs.
 * Returns the line to print.
 */
export async function validateCommand(file: string): Promise<string> {
  if (await isSweepFile(file)) {
    const { sweep, points } = await loadSweep(file);
    return `${file}: valid (sweep ${sweep.name}, ${points.length} point(s))`;
  }
  const config = await loadExperimentConfig(file);
  return `${file}: valid (experiment ${config.name}, ${config.subjects.length} subject(s))`;
}
