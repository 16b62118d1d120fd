import { readConfigText } from './config-text';
import type { PathSegment } from './yaml-node';
import { parseYamlSource } from './yaml-source';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';
import { type ExperimentConfig, ExperimentSchema } from './schema';
import { closestName } from './closest-name';

function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function knownKeys(schema: z.ZodType, path: readonly PathSegment[], value: unknown): string[] {
  // Walk the parsed value's path through the schema's shapes to list the keys allowed there.
  let current: unknown = schema;
  let data: unknown = value;
  const shapeOf = (s: unknown, d: unknown): Record<string, unknown> | undefined => {
    const def = (s as { def?: { type?: string; shape?: Record<string, unknown>; innerType?: unknown; options?: unknown[]; element?: unknown } }).def;
    if (!def) return undefined;
    if (def.shape) return def.shape;
    if (def.innerType) return shapeOf(def.innerType, d);
    if (def.options) {
      const type = (d as { type?: unknown } | undefined)?.type;
      for (const option of def.options) {
        const shape = shapeOf(option, d);
        const literal = (shape?.type as { def?: { values?: unknown[] } } | undefined)?.def?.values;
        if (literal?.includes(type)) return shape;
      }
    }
    return undefined;
  };
  for (const segment of path) {
    const def = (current as { def?: { type?: string; element?: unknown; innerType?: unknown } }).def;
    let unwrapped: unknown = current;
    while ((unwrapped as { def?: { innerType?: unknown } }).def?.innerType) unwrapped = (unwrapped as { def: { innerType: unknown } }).def.innerType;
    if (typeof segment === 'number') {
      current = (unwrapped as { def?: { element?: unknown } }).def?.element ?? def?.element;
    } else {
      current = shapeOf(unwrapped, data)?.[segment];
    }
    data = (data as Record<PathSegment, unknown> | undefined)?.[segment];
    if (!current) return [];
  }
  let unwrapped: unknown = current;
  while ((unwrapped as { def?: { innerType?: unknown } }).def?.innerType) unwrapped = (unwrapped as { def: { innerType: unknown } }).def.innerType;
  return Object.keys(shapeOf(unwrapped, data) ?? {});
}

/**
 * Bytes of the resolved config as JSON. It travels in the workflow's input, and Temporal refuses
 * a payload over 2 MB at start; the limit sits well below, so `validate` refuses what `run` would.
 */
export const MAX_CONFIG_JSON_BYTES = 512 * 1024;

function withinInputLimit(config: ExperimentConfig, file: string): ExperimentConfig {
  const bytes = Buffer.byteLength(JSON.stringify(config));
  if (bytes > MAX_CONFIG_JSON_BYTES) {
    throw new ConfigError(file, [{ path: '', message: `the config is ${bytes} bytes as JSON (with defaults and aliases expanded); the limit is ${MAX_CONFIG_JSON_BYTES} bytes, as it travels in the workflow's input: shorten long lists or split the experiment` }]);
  }
  return config;
}

/**
 * Parses and validates an experiment file. Every problem (YAML syntax, unknown key, wrong type,
 * value out of range) is reported together, each with its key path and line, before anything runs.
 */
export function parseExperimentConfig(text: string, file: string): ExperimentConfig {
  const source = parseYamlSource(text, file);
  const value = source.value;
  const parsed = ExperimentSchema.safeParse(value ?? {});
  if (parsed.success) return withinInputLimit(parsed.data, file);
  const problems: ConfigProblem[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = knownKeys(ExperimentSchema, path, value);
      for (const key of issue.keys) {
        const hint = closestName(key, allowed);
        problems.push({
          path: formatPath([...path, key]),
          line: source.lineOf([...path, key]),
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
        });
      }
    } else {
      problems.push({ path: formatPath(path), line: source.lineOf(path), message: issue.message });
    }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigError(file, problems);
}

export async function loadExperimentConfig(file: string): Promise<ExperimentConfig> {
  return parseExperimentConfig(await readConfigText(file), file);
}
