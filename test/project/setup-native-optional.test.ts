import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm install` runs scripts/setup-native.mjs --optional: where the native build cannot succeed it
// must print one line, leave the details in a file and exit 0, before downloading anything. Each
// case runs a copy of the script in an empty project, so nothing here touches the real build.

const SCRIPT = path.resolve(__dirname, '../../scripts/setup-native.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deeprecon-native-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'setup-native.mjs'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"empty","private":true}\n');
  // An empty PATH: no make, no compiler, no pip.
  fs.mkdirSync(path.join(dir, 'empty-bin'));
  return dir;
}

function setup(dir: string, args: string[], env: Record<string, string> = {}, preload?: string) {
  const { DEEPRECON_SKIP_NATIVE: _skip, DEEPRECON_WORKER_ONLY: _worker, DEEPRECON_LIBTENSORFLOW_DIR: _lib, DEEPRECON_NATIVE_GPU: _gpu, ...inherited } = process.env;
  const argv = [...(preload ? ['--require', preload] : []), path.join(dir, 'scripts', 'setup-native.mjs'), ...args];
  const r = spawnSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...inherited, PATH: path.join(dir, 'empty-bin'), DEEPRECON_NATIVE_GPU: '0', ...env } });
  const lines = `${r.stdout}${r.stderr}`.trim().split('\n').filter(Boolean);
  return { status: r.status, lines };
}

describe('setup-native --optional (npm install)', () => {
  it('without a compiler: one line naming the reason, details in a file, exit 0, nothing downloaded', () => {
    const dir = project();
    const { status, lines } = setup(dir, ['--optional']);
    expect(status).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/native TensorFlow backend not built, runs use wasm: toolchain: 'make' not found.*last-error\.log.*DEEPRECON_SKIP_NATIVE=1/);
    expect(fs.readFileSync(path.join(dir, '.deeprecon', 'native', 'last-error.log'), 'utf8')).toMatch(/apt-get install/);
    expect(fs.existsSync(path.join(dir, '.deeprecon', 'native', 'download'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules'))).toBe(false);
  });

  it('on another platform: one line saying which, exit 0', () => {
    const dir = project();
    const preload = path.join(dir, 'fake-platform.cjs');
    fs.writeFileSync(preload, "const os = require('node:os'); os.platform = () => 'darwin'; os.arch = () => 'arm64';\n");
    const { status, lines } = setup(dir, ['--optional'], {}, preload);
    expect(status).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/runs use wasm: platform: the PyPI route is set up for linux-x64 only \(this is darwin-arm64\)/);
  });

  it('DEEPRECON_SKIP_NATIVE=1 skips it with one line', () => {
    const dir = project();
    const { status, lines } = setup(dir, ['--optional'], { DEEPRECON_SKIP_NATIVE: '1' });
    expect(status).toBe(0);
    expect(lines).toEqual(['[setup-native] DEEPRECON_SKIP_NATIVE=1: native TensorFlow backend not built; runs use wasm']);
    expect(fs.existsSync(path.join(dir, '.deeprecon'))).toBe(false);
  });

  it('run by hand (npm run setup:native) the same failure is an error with a hint', () => {
    const dir = project();
    const { status, lines } = setup(dir, []);
    expect(status).toBe(1);
    expect(lines.join('\n')).toMatch(/ERROR: toolchain: 'make' not found[\s\S]*apt-get install/);
  });
});
