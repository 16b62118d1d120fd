#!/usr/bin/env node
// Builds the native 'tensorflow' tfjs backend (@tensorflow/tfjs-node 4.22.0, or tfjs-node-gpu
// where an NVIDIA driver is present) without the downloads its own install script makes
// (storage.googleapis.com: libtensorflow tarball and a prebuilt addon), using only package registries:
//   1. the TensorFlow C library + headers come from the `tensorflow-cpu` wheel on PyPI (pip)
//      (the `tensorflow` wheel for the GPU build): its libtensorflow_cc.so.2 exports the whole
//      C API (TF_* / TFE_*) that the binding uses, next to libtensorflow_framework.so.2 and
//      tensorflow/include/tensorflow/c/*.h; cached under .deeprecon/native/ (git-ignored);
//   2. `npm install --no-save --ignore-scripts @tensorflow/tfjs-node@4.22.0`;
//   3. the library goes into node_modules/@tensorflow/tfjs-node/deps/{lib,include} and the
//      N-API addon is compiled locally with node-gyp against the installed Node headers;
//   4. a matmul on the 'tensorflow' backend checks the result.
// `npm install` runs it with --optional (postinstall): then a build that cannot succeed (no
// compiler, no pip, no Node headers, another platform, no registry) prints one line and exits 0,
// and the project runs on wasm; the details go to .deeprecon/native/last-error.log.
// Run by hand: npm run setup:native  (or node scripts/setup-native.mjs [--force] [--verify-only] [--uninstall])
// Safe to run again: cached/unchanged steps are skipped.
// --uninstall removes node_modules/@tensorflow/tfjs-node(-gpu) again (backend choice falls back to
// wasm); the cache in .deeprecon/native stays (delete that folder to free ~620 MB).
//
// Environment:
//   DEEPRECON_SKIP_NATIVE=1     `npm install` does not build it (e.g. worker hosts that use wasm)
//   DEEPRECON_WORKER_ONLY=1     the light worker install (`npm run install:worker`): not built either;
//                               `npm run setup:native` adds it later
//   DEEPRECON_NATIVE_GPU        1: build tfjs-node-gpu from the `tensorflow` wheel; 0: the CPU build;
//                               unset: GPU when an NVIDIA driver is present, else CPU (GPU untested)
//   DEEPRECON_TF_WHEEL_VERSION  TensorFlow wheel version (default below)
//   DEEPRECON_LIBTENSORFLOW_DIR use an unpacked libtensorflow instead of the wheel: a folder with
//                               lib/libtensorflow.so.2 (official tarball) or lib/libtensorflow_cc.so.2,
//                               lib/libtensorflow_framework.so.2, and include/tensorflow/c/
//   DEEPRECON_NODEDIR           Node headers/prefix for node-gyp (default: npm's `nodedir`, else
//                               the prefix of the running node when it has include/node)
//   DEEPRECON_NATIVE_STRIP=0    keep the symbol table of libtensorflow_cc.so.2 (~200 MB more)
//   PYTHON                      python used for pip and unzip (default python3)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TFJS_NODE_VERSION = '4.22.0';
const TF_VERSION = process.env.DEEPRECON_TF_WHEEL_VERSION ?? '2.21.0';
// The same binding sources build either package; only the library they link against differs.
// The GPU wheel's libtensorflow_cc.so.2 loads CUDA 12 / cuDNN 9 from the loader path at run time
// and computes on the CPU when they are missing.
const VARIANTS = {
  cpu: { npm: '@tensorflow/tfjs-node', wheel: 'tensorflow-cpu' },
  gpu: { npm: '@tensorflow/tfjs-node-gpu', wheel: 'tensorflow' },
};
// The wheel's libraries do not depend on the Python version; pin the tag so any python3 can fetch it.
const WHEEL_PY = { version: '3.11', abi: 'cp311', platforms: ['manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64'] };
const WHEEL_MEMBERS = [
  'tensorflow/libtensorflow_cc.so.2',
  'tensorflow/libtensorflow_framework.so.2',
];
// Header trees the binding's #includes reach (c_api.h, eager/c_api.h and what they include).
const WHEEL_INCLUDE_PREFIXES = ['tensorflow/c/', 'tensorflow/core/platform/', 'tsl/', 'xla/tsl/'];

const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
const NATIVE_DIR = path.join(ROOT, '.deeprecon', 'native');
const PYTHON = process.env.PYTHON ?? 'python3';
const STARTED = Date.now();
const args = new Set(process.argv.slice(2));
const FORCE = args.has('--force');
const OPTIONAL = args.has('--optional');
const ERROR_LOG = path.join(NATIVE_DIR, 'last-error.log');
const VARIANT = VARIANTS[wantGpu() ? 'gpu' : 'cpu'];
const TF_WHEEL = { pkg: VARIANT.wheel, version: TF_VERSION };
const PKG_DIR = path.join(ROOT, 'node_modules', ...VARIANT.npm.split('/'));
const STAMP = path.join(PKG_DIR, 'deps', 'deeprecon-native.json');

/** GPU build when asked (DEEPRECON_NATIVE_GPU=1) or, unless refused (=0), when an NVIDIA driver is loaded. */
function wantGpu() {
  const v = process.env.DEEPRECON_NATIVE_GPU;
  if (v === '1' || v === '0') return v === '1';
  if (os.platform() !== 'linux' || os.arch() !== 'x64') return false;
  return fs.existsSync('/proc/driver/nvidia/version');
}

class StepError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

function findRoot(start) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

function log(msg) {
  console.log(`[setup-native] ${msg}`);
}

function rel(p) {
  const r = path.relative(ROOT, p);
  return r.startsWith('..') ? p : r;
}

function run(cmd, argv, what, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error || r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
    const detail = r.error ? r.error.message : `exit code ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n${out.slice(-4000)}`;
    throw new StepError(`${what} failed: ${cmd} ${argv.join(' ')}\n${detail}`);
  }
  return r.stdout ?? '';
}

function has(cmd, argv = ['--version']) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
}

function mb(p) {
  return `${(fs.statSync(p).size / 2 ** 20).toFixed(0)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// Step 1: the TensorFlow C library and headers.

/** The wheels' libraries exist for linux-x64 only; elsewhere an unpacked libtensorflow is needed. */
function checkPlatform() {
  if (process.env.DEEPRECON_LIBTENSORFLOW_DIR || (os.platform() === 'linux' && os.arch() === 'x64')) return;
  throw new StepError(
    `the PyPI route is set up for linux-x64 only (this is ${os.platform()}-${os.arch()})`,
    'Set DEEPRECON_LIBTENSORFLOW_DIR to an unpacked libtensorflow for this platform, or use `npm install @tensorflow/tfjs-node` on a connected machine.',
  );
}

/** Returns { lib, include, tfLib, version, source }: lib holds tfLib + libtensorflow_framework.so.2. */
function obtainLibtensorflow() {
  const custom = process.env.DEEPRECON_LIBTENSORFLOW_DIR;
  if (custom) {
    const lib = path.join(custom, 'lib');
    const include = path.join(custom, 'include');
    const tfLib = ['libtensorflow.so.2', 'libtensorflow_cc.so.2'].find((f) => fs.existsSync(path.join(lib, f)));
    if (!tfLib || !fs.existsSync(path.join(lib, 'libtensorflow_framework.so.2')) || !fs.existsSync(path.join(include, 'tensorflow', 'c', 'c_api.h'))) {
      throw new StepError(
        `DEEPRECON_LIBTENSORFLOW_DIR=${custom} lacks lib/libtensorflow(.so.2|_cc.so.2), lib/libtensorflow_framework.so.2 or include/tensorflow/c/c_api.h`,
        'Point it at an unpacked libtensorflow-cpu-linux-x86_64-<version>.tar.gz, or unset it to use the PyPI wheel.',
      );
    }
    log(`libtensorflow: using DEEPRECON_LIBTENSORFLOW_DIR=${custom} (${tfLib})`);
    return { lib, include, tfLib, version: 'custom', source: `dir:${custom}` };
  }

  checkPlatform();
  const source = `pypi:${TF_WHEEL.pkg}==${TF_WHEEL.version}`;
  const dir = path.join(NATIVE_DIR, `${TF_WHEEL.pkg}-${TF_WHEEL.version}`);
  const manifestPath = path.join(dir, 'manifest.json');
  const lib = path.join(dir, 'lib');
  const include = path.join(dir, 'include');
  const tfLib = 'libtensorflow_cc.so.2';
  const prev = readJson(manifestPath);
  const complete = prev?.source === source && WHEEL_MEMBERS.every((m) => fs.existsSync(path.join(lib, path.basename(m)))) && fs.existsSync(path.join(include, 'tensorflow', 'c', 'c_api.h'));
  if (complete && !FORCE) {
    log(`libtensorflow: cached ${rel(dir)} (${source})`);
    return { lib, include, tfLib, version: TF_WHEEL.version, source };
  }

  if (!has(PYTHON, ['-m', 'pip', '--version'])) {
    throw new StepError(`'${PYTHON} -m pip' is not available`, 'Install python3 with pip (e.g. apt-get install python3-pip), or set PYTHON to one that has it.');
  }
  fs.mkdirSync(NATIVE_DIR, { recursive: true });
  const dl = path.join(NATIVE_DIR, 'download');
  fs.mkdirSync(dl, { recursive: true });
  let wheel = fs.readdirSync(dl).find((f) => f.startsWith(`${TF_WHEEL.pkg.replace(/-/g, '_')}-${TF_WHEEL.version}-`) && f.endsWith('.whl'));
  if (!wheel) {
    log(`libtensorflow: downloading ${TF_WHEEL.pkg}==${TF_WHEEL.version} from PyPI (~${VARIANT === VARIANTS.gpu ? 600 : 270} MB)`);
    const platformArgs = WHEEL_PY.platforms.flatMap((p) => ['--platform', p]);
    run(
      PYTHON,
      ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '--no-deps', '--only-binary=:all:',
        ...platformArgs, '--python-version', WHEEL_PY.version, '--implementation', 'cp', '--abi', WHEEL_PY.abi,
        '--dest', dl, `${TF_WHEEL.pkg}==${TF_WHEEL.version}`],
      `pip download ${TF_WHEEL.pkg}==${TF_WHEEL.version}`,
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    wheel = fs.readdirSync(dl).find((f) => f.startsWith(`${TF_WHEEL.pkg.replace(/-/g, '_')}-${TF_WHEEL.version}-`) && f.endsWith('.whl'));
    if (!wheel) throw new StepError(`pip download of ${TF_WHEEL.pkg}==${TF_WHEEL.version} produced no wheel in ${rel(dl)}`);
  } else {
    log(`libtensorflow: reusing downloaded ${wheel}`);
  }

  // Extract into <dir>.partial and rename, so an interrupted run never looks complete.
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`libtensorflow: extracting libraries and C headers from ${wheel}`);
  const extract = [
    'import json, os, shutil, sys, zipfile',
    'whl, out, members, prefixes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])',
    'n = 0',
    'with zipfile.ZipFile(whl) as z:',
    '    names = set(z.namelist())',
    '    for m in members:',
    '        if m not in names: sys.exit("missing in wheel: " + m)',
    '        dst = os.path.join(out, "lib", os.path.basename(m)); os.makedirs(os.path.dirname(dst), exist_ok=True)',
    '        with z.open(m) as s, open(dst, "wb") as d: shutil.copyfileobj(s, d, 1 << 22)',
    '    for name in names:',
    '        for p in prefixes:',
    '            full = "tensorflow/include/" + p',
    '            if name.startswith(full) and not name.endswith("/"):',
    '                dst = os.path.join(out, "include", name[len("tensorflow/include/"):]); os.makedirs(os.path.dirname(dst), exist_ok=True)',
    '                with z.open(name) as s, open(dst, "wb") as d: shutil.copyfileobj(s, d)',
    '                n += 1',
    '                break',
    'print(n)',
  ].join('\n');
  const nHeaders = run(PYTHON, ['-c', extract, path.join(dl, wheel), partial, JSON.stringify(WHEEL_MEMBERS), JSON.stringify(WHEEL_INCLUDE_PREFIXES)], `extracting ${wheel}`).trim();
  if (!fs.existsSync(path.join(partial, 'include', 'tensorflow', 'c', 'c_api.h'))) {
    throw new StepError(`${wheel} has no tensorflow/include/tensorflow/c/c_api.h`);
  }
  if (process.env.DEEPRECON_NATIVE_STRIP !== '0' && has('strip', ['--version'])) {
    // Drops only the static symbol table (~200 MB); the dynamic symbols the binding links to stay.
    const target = path.join(partial, 'lib', 'libtensorflow_cc.so.2');
    const before = mb(target);
    const r = spawnSync('strip', ['--strip-unneeded', target], { encoding: 'utf8' });
    log(r.status === 0 ? `libtensorflow: stripped libtensorflow_cc.so.2 ${before} -> ${mb(target)}` : `libtensorflow: strip failed (kept unstripped): ${(r.stderr || '').trim()}`);
  }
  fs.writeFileSync(
    path.join(partial, 'manifest.json'),
    JSON.stringify({ source, wheel, tensorflowVersion: TF_WHEEL.version, headers: Number(nHeaders), libs: WHEEL_MEMBERS.map((m) => path.basename(m)) }, null, 2) + '\n',
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  fs.rmSync(dl, { recursive: true, force: true }); // only the wheel was there; the libraries are cached
  log(`libtensorflow: cached ${rel(dir)} (${WHEEL_MEMBERS.map((m) => `${path.basename(m)} ${mb(path.join(lib, path.basename(m)))}`).join(', ')}, ${nHeaders} headers)`);
  return { lib, include, tfLib, version: TF_WHEEL.version, source };
}

// ---------------------------------------------------------------------------------------------
// Step 2: the npm package, without its install script.

function installedTfjsNodeVersion() {
  return readJson(path.join(PKG_DIR, 'package.json'))?.version;
}

function installTfjsNode() {
  const have = installedTfjsNodeVersion();
  if (have === TFJS_NODE_VERSION && fs.existsSync(path.join(ROOT, 'node_modules', '@mapbox', 'node-pre-gyp')) && !FORCE) {
    log(`npm: ${VARIANT.npm}@${have} already installed`);
    return false;
  }
  log(`npm: installing ${VARIANT.npm}@${TFJS_NODE_VERSION} (--no-save --ignore-scripts: its download step is skipped)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  run(npm, ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${VARIANT.npm}@${TFJS_NODE_VERSION}`], `npm install ${VARIANT.npm}`, { cwd: ROOT });
  const now = installedTfjsNodeVersion();
  if (now !== TFJS_NODE_VERSION) throw new StepError(`after npm install, ${rel(PKG_DIR)} is ${now ?? 'missing'}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Step 3: deps/ and the addon build.

/** Hard link (no extra disk) when on the same filesystem, else copy. */
function linkOrCopy(src, dst) {
  fs.rmSync(dst, { force: true });
  try {
    fs.linkSync(src, dst);
  } catch {
    fs.copyFileSync(src, dst);
  }
}

function stageDeps(tf) {
  const deps = path.join(PKG_DIR, 'deps');
  const depsLib = path.join(deps, 'lib');
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(depsLib, { recursive: true });
  linkOrCopy(path.join(tf.lib, tf.tfLib), path.join(depsLib, tf.tfLib));
  linkOrCopy(path.join(tf.lib, 'libtensorflow_framework.so.2'), path.join(depsLib, 'libtensorflow_framework.so.2'));
  // binding.gyp links -ltensorflow -ltensorflow_framework with rpath $ORIGIN/../../deps/lib; the
  // addon records the SONAMEs (libtensorflow_cc.so.2 / libtensorflow.so.2). libtensorflow.so.2.9.1
  // is the file tfjs-node's own install.js looks for: with it, `npm rebuild` skips the download too.
  const links = { 'libtensorflow.so': tf.tfLib, 'libtensorflow_framework.so': 'libtensorflow_framework.so.2', 'libtensorflow.so.2.9.1': tf.tfLib };
  if (tf.tfLib !== 'libtensorflow.so.2') links['libtensorflow.so.2'] = tf.tfLib;
  for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(depsLib, name));
  fs.cpSync(tf.include, path.join(deps, 'include'), { recursive: true });
  log(`deps: staged ${rel(depsLib)} and ${rel(path.join(deps, 'include'))}`);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(createRequire(path.join(ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (npmRoot.status === 0) candidates.push(path.join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => c && fs.existsSync(c));
  if (!found) {
    throw new StepError('node-gyp not found (looked in npm_config_node_gyp, the project, and npm\'s bundled copy)', 'Install it: npm install -g node-gyp');
  }
  return found;
}

function nodeVersionAt(dir) {
  try {
    const h = fs.readFileSync(path.join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => h.match(new RegExp(`#define NODE_${k}_VERSION (\\d+)`))?.[1]);
    return v.every(Boolean) ? `v${v.join('.')}` : undefined;
  } catch {
    return undefined;
  }
}

/** A folder whose include/node matches the running node, so node-gyp needs no header download. */
function findNodeDir() {
  const candidates = [];
  if (process.env.DEEPRECON_NODEDIR) candidates.push(['DEEPRECON_NODEDIR', process.env.DEEPRECON_NODEDIR]);
  if (process.env.npm_config_nodedir) candidates.push(['npm_config_nodedir', process.env.npm_config_nodedir]);
  const cfg = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const fromNpm = cfg.status === 0 ? cfg.stdout.trim() : '';
  if (fromNpm && fromNpm !== 'undefined' && fromNpm !== 'null') candidates.push(['npm config nodedir', fromNpm]);
  candidates.push(['node prefix', path.dirname(path.dirname(process.execPath))]);
  for (const [from, dir] of candidates) {
    const v = nodeVersionAt(dir);
    if (v === process.version) return { dir, from };
    log(`node headers: ${from}=${dir} ${v ? `is ${v}, not ${process.version}` : 'has no include/node/node_version.h'}; skipped`);
  }
  const cache = path.join(os.homedir(), '.cache', 'node-gyp', process.version.slice(1));
  if (nodeVersionAt(cache) === process.version) return { dir: cache, from: 'node-gyp cache' };
  throw new StepError(
    `no Node ${process.version} headers found (checked ${candidates.map(([f, d]) => `${f}=${d}`).join(', ')})`,
    'Install the headers matching this node (e.g. the nodejs package\'s include/node, or libnode-dev), and set DEEPRECON_NODEDIR to the folder that holds include/node.',
  );
}

function bindingPath() {
  const req = createRequire(path.join(PKG_DIR, 'package.json'));
  return req('@mapbox/node-pre-gyp').find(path.join(PKG_DIR, 'package.json'));
}

/** What compiling the addon needs: make, a C++ compiler, node-gyp and this node's headers. */
function toolchain() {
  for (const [cmd, pkg] of [['make', 'make'], ['c++', 'g++']]) {
    if (!has(cmd)) throw new StepError(`'${cmd}' not found: node-gyp needs a C++ toolchain`, `Install it (Debian/Ubuntu: apt-get install -y ${pkg} make python3).`);
  }
  return { nodeGyp: findNodeGyp(), nodedir: findNodeDir() };
}

function buildAddon({ nodeGyp, nodedir }) {
  const modulePath = path.dirname(bindingPath());
  const napiBuild = path.basename(modulePath).replace(/^napi-v/, '');
  log(`build: node-gyp rebuild (${rel(nodeGyp)}; headers ${nodedir.dir} from ${nodedir.from}; N-API ${napiBuild})`);
  const t0 = Date.now();
  run(
    process.execPath,
    [nodeGyp, 'rebuild', `--nodedir=${nodedir.dir}`, '--module_name=tfjs_binding', `--module_path=${modulePath}`, `--napi_build_version=${napiBuild}`, '-j', String(Math.max(1, os.cpus().length))],
    'node-gyp rebuild of tfjs_binding',
    { cwd: PKG_DIR, env: { ...process.env, npm_config_nodedir: nodedir.dir } },
  );
  const addon = path.join(modulePath, 'tfjs_binding.node');
  if (!fs.existsSync(addon)) throw new StepError(`node-gyp finished but ${rel(addon)} is missing`);
  log(`build: ${rel(addon)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------------------------------------
// Step 4: verification in a fresh process.

const VERIFY_JS = `
const tf = require('${VARIANT.npm}');
(async () => {
  if (!(await tf.setBackend('tensorflow'))) throw new Error("setBackend('tensorflow') returned false");
  await tf.ready();
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const got = Array.from(await tf.matMul(a, a).data());
  if (JSON.stringify(got) !== JSON.stringify([7, 10, 15, 22])) throw new Error('matmul gave ' + got);
  const n = 1024, x = tf.randomNormal([n, n]), y = tf.randomNormal([n, n]);
  await tf.matMul(x, y).data();
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) await tf.matMul(x, y).data();
  const ms = (performance.now() - t0) / 3;
  const b = tf.backend();
  console.log(JSON.stringify({ backend: tf.getBackend(), tensorflow: b.binding.TF_Version, tfjsNode: tf.version['tfjs-node'],
    tfjsCore: tf.version['tfjs-core'], gpu: b.isUsingGpuDevice, matmul1024ms: +ms.toFixed(1), gflops: +(2 * n ** 3 / ms / 1e6).toFixed(1) }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`;

function verify() {
  const r = spawnSync(process.execPath, ['-e', VERIFY_JS], { cwd: ROOT, encoding: 'utf8', env: { TF_CPP_MIN_LOG_LEVEL: '2', ...process.env, LD_BIND_NOW: '1' } });
  // LD_BIND_NOW: a TF_/TFE_ symbol the addon needs but the library lacks fails here, not at first use.
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let info;
  try {
    info = JSON.parse(line);
  } catch {}
  if (r.status !== 0 || !info) {
    return { ok: false, error: `${(r.stderr || r.stdout || r.error?.message || '').trim().slice(-3000)}` };
  }
  return { ok: true, info };
}

function checkSharedCore() {
  // tfjs-node must use the project's tfjs-core, or its backend registers with another engine.
  try {
    const fromRoot = createRequire(path.join(ROOT, 'package.json')).resolve('@tensorflow/tfjs-core');
    const fromPkg = createRequire(path.join(PKG_DIR, 'package.json')).resolve('@tensorflow/tfjs-core');
    if (fromRoot !== fromPkg) log(`WARNING: tfjs-node resolves its own tfjs-core (${rel(fromPkg)}), not the project's (${rel(fromRoot)}); align @tensorflow/tfjs versions`);
  } catch {}
}

// ---------------------------------------------------------------------------------------------

function main() {
  if (args.has('--uninstall')) {
    for (const v of Object.values(VARIANTS)) {
      const dir = path.join(ROOT, 'node_modules', ...v.npm.split('/'));
      if (!fs.existsSync(dir)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      log(`removed ${rel(dir)} (its npm dependencies stay until the next npm install/prune; cache ${rel(NATIVE_DIR)} kept)`);
    }
    return;
  }
  if (args.has('--verify-only')) {
    const v = verify();
    if (!v.ok) throw new StepError(`verification failed:\n${v.error}`, 'Run `npm run setup:native` to (re)build.');
    log(`OK ${JSON.stringify(v.info)}`);
    return;
  }
  const step = (name, hint, fn) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StepError) {
        err.message = `${name}: ${err.message}`;
        err.hint ??= hint;
        throw err;
      }
      throw new StepError(`${name}: ${err instanceof Error ? err.stack || err.message : String(err)}`, hint);
    }
  };

  // Checked before the ~270 MB download, so a machine that cannot compile fails in a second;
  // a finished earlier build (its stamp) needs no toolchain to be reused.
  step('platform', undefined, checkPlatform);
  let tools = readJson(STAMP) ? undefined : step('toolchain', undefined, toolchain);
  log(`${VARIANT.npm} from the ${TF_WHEEL.pkg} ${TF_WHEEL.version} wheel${VARIANT === VARIANTS.gpu ? ' (NVIDIA driver found; DEEPRECON_NATIVE_GPU=0 builds the CPU package)' : ''}`);
  const tf = step('libtensorflow', 'Check that PyPI is reachable (pip download tensorflow-cpu), or set DEEPRECON_LIBTENSORFLOW_DIR.', obtainLibtensorflow);
  const freshInstall = step('npm install', 'Check that the npm registry is reachable.', installTfjsNode);
  checkSharedCore();

  const wanted = { source: tf.source, tfLib: tf.tfLib, node: process.version, tfjsNode: TFJS_NODE_VERSION };
  const prev = readJson(STAMP);
  if (!FORCE && !freshInstall && prev && JSON.stringify(prev) === JSON.stringify(wanted)) {
    const v = verify();
    if (v.ok) {
      log(`already set up (${((Date.now() - STARTED) / 1000).toFixed(0)} s); OK ${JSON.stringify(v.info)}`);
      return;
    }
    log(`existing build does not load, rebuilding:\n${v.error}`);
  }

  step('stage deps', undefined, () => stageDeps(tf));
  tools ??= step('toolchain', undefined, toolchain);
  step('build', 'See the node-gyp output above; `--force` starts over.', () => buildAddon(tools));
  const v = verify();
  if (!v.ok) {
    throw new StepError(
      `verify: require('${VARIANT.npm}') + matmul on 'tensorflow' failed:\n${v.error}`,
      'If a TF_/TFE_ symbol is missing, the TensorFlow version is incompatible with the binding: try another DEEPRECON_TF_WHEEL_VERSION.',
    );
  }
  fs.writeFileSync(STAMP, JSON.stringify(wanted, null, 2) + '\n');
  log(`OK ${JSON.stringify(v.info)}`);
  log(`the 'tensorflow' backend is ready (${((Date.now() - STARTED) / 1000).toFixed(0)} s): compute.backend auto now picks it (DEEPRECON_BACKEND=wasm overrides).`);
}

if (OPTIONAL && process.env.DEEPRECON_SKIP_NATIVE === '1') {
  log('DEEPRECON_SKIP_NATIVE=1: native TensorFlow backend not built; runs use wasm');
} else if (OPTIONAL && process.env.DEEPRECON_WORKER_ONLY === '1') {
  log('DEEPRECON_WORKER_ONLY=1: native TensorFlow backend not built; runs use wasm (`npm run setup:native` adds it)');
} else {
  try {
    main();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (!OPTIONAL) {
      console.error(`[setup-native] ERROR: ${msg}`);
      if (err?.hint) console.error(`[setup-native] ${err.hint}`);
      process.exit(1);
    }
    // Inside `npm install`: the project works without it, so one line, the details in a file, exit 0.
    let where = '';
    try {
      fs.mkdirSync(NATIVE_DIR, { recursive: true });
      fs.writeFileSync(ERROR_LOG, `${new Date().toISOString()}\n${msg}\n${err?.hint ?? ''}\n`);
      where = ` (details: ${rel(ERROR_LOG)})`;
    } catch {}
    const reason = msg.split('\n')[0].replace(/\s+failed: .*/, ' failed');
    if (VARIANT === VARIANTS.gpu && process.env.DEEPRECON_NATIVE_GPU !== '1' && !/^(platform|toolchain): /.test(msg)) {
      // Chosen only because a driver was seen, and failed past the checks both builds share:
      // the CPU build is still worth having.
      console.warn(`[setup-native] GPU build failed (${reason}${where}); trying the CPU build`);
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, DEEPRECON_NATIVE_GPU: '0' } });
      process.exit(r.status ?? 0);
    }
    console.warn(`[setup-native] native TensorFlow backend not built, runs use wasm: ${reason}${where}; \`npm run setup:native\` retries, DEEPRECON_SKIP_NATIVE=1 skips`);
  }
}
