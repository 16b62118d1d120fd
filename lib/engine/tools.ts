import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root';

export type ToolName = 'temporal' | 'weed';

/** Env var that points at a hand-supplied binary, per tool. */
const ENV_VARS: Record<ToolName, string> = { temporal: 'TEMPORAL_CLI', weed: 'WEED' };

interface ManifestEntry {
  path?: string;
  mode?: string;
  pythonpath?: string;
}

/** Written by scripts/install-tools.mjs at npm install time. */
function toolsDir(): string {
  return path.join(projectRoot(), '.deeprecon', 'tools');
}

function manifestEntry(key: string): ManifestEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path.join(toolsDir(), 'tools.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const entry: unknown = (parsed as Record<string, unknown>)[key];
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { path: str(e['path']), mode: str(e['mode']), pythonpath: str(e['pythonpath']) };
}

function isExecutableFile(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== '' && isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Absolute path of a server binary: the env var, else what npm install cached
 * (tools.json, then .deeprecon/tools/bin), else the name on PATH.
 */
export function resolveTool(name: ToolName): string {
  const envVar = ENV_VARS[name];
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    const abs = path.resolve(projectRoot(), fromEnv);
    // An explicit choice that is wrong must fail loudly, not silently fall back to another binary.
    if (!isExecutableFile(abs)) throw new Error(`${envVar}=${fromEnv} is not an executable file; set ${envVar} to the path of a ${name} binary`);
    return abs;
  }
  const recorded = manifestEntry(name)?.path;
  if (recorded !== undefined) {
    const abs = path.resolve(projectRoot(), recorded);
    if (isExecutableFile(abs)) return abs;
  }
  const cached = path.join(toolsDir(), 'bin', name);
  if (isExecutableFile(cached)) return cached;
  const found = onPath(name);
  if (found !== undefined) return found;
  throw new Error(`no ${name} binary found: run npm install, or set ${envVar} to the path of a ${name} binary`);
}

/** The python with the pinned packages (venv from npm install), else python3 from PATH. */
export function resolvePython(): string {
  const recorded = manifestEntry('python');
  if (recorded?.path !== undefined) {
    const candidate = recorded.path.includes('/') ? path.resolve(projectRoot(), recorded.path) : recorded.path;
    if (!candidate.includes('/') || isExecutableFile(candidate)) return candidate;
  }
  return 'python3';
}

/** Environment for resolvePython(): adds PYTHONPATH when packages were installed with pip --target. */
export function pythonEnv(): NodeJS.ProcessEnv {
  const recorded = manifestEntry('python');
  if (recorded?.mode !== 'target' || recorded.pythonpath === undefined) return { ...process.env };
  const lib = path.resolve(projectRoot(), recorded.pythonpath);
  const existing = process.env['PYTHONPATH'];
  return { ...process.env, PYTHONPATH: existing ? `${lib}${path.delimiter}${existing}` : lib };
}
