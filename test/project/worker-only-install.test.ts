import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The light install of a worker host: `npm run install:worker` (DEEPRECON_WORKER_ONLY=1 npm install)
// fetches neither engine binary nor pyarrow and builds no native backend, so a host without
// Python installs. Copies of the install scripts run in an empty project with an empty PATH.

const ROOT = path.resolve(__dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deeprecon-workeronly-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const script of ['install-tools.mjs', 'setup-native.mjs']) fs.copyFileSync(path.join(ROOT, 'scripts', script), path.join(dir, 'scripts', script));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"empty","private":true}\n');
  fs.mkdirSync(path.join(dir, 'empty-bin'));
  return dir;
}

function runScript(dir: string, args: string[], workerOnly: boolean) {
  const { DEEPRECON_SKIP_NATIVE: _n, DEEPRECON_SKIP_TOOLS: _t, DEEPRECON_WORKER_ONLY: _w, TEMPORAL_CLI: _c, WEED: _s, ...inherited } = process.env;
  const env = { ...inherited, PATH: path.join(dir, 'empty-bin'), PYTHON: path.join(dir, 'no-python'), DEEPRECON_NATIVE_GPU: '0', ...(workerOnly ? { DEEPRECON_WORKER_ONLY: '1' } : {}) };
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts', args[0]!), ...args.slice(1)], { cwd: dir, encoding: 'utf8', timeout: 60_000, env });
  return { status: r.status, lines: `${r.stdout}${r.stderr}`.trim().split('\n').filter(Boolean) };
}

describe('worker-only install', () => {
  it('npm run install:worker sets DEEPRECON_WORKER_ONLY=1 for npm install', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['install:worker']).toBe('DEEPRECON_WORKER_ONLY=1 npm install');
    expect(pkg.scripts['postinstall']).toMatch(/install-tools\.mjs.*setup-native\.mjs --optional/);
  });

  it('install-tools: no Temporal CLI, SeaweedFS or pyarrow, and no Python needed', () => {
    const dir = project();
    expect(runScript(dir, ['install-tools.mjs'], true)).toEqual({
      status: 0,
      lines: ['[install-tools] DEEPRECON_WORKER_ONLY=1: worker-only install, no Temporal CLI, SeaweedFS or pyarrow (`deeprecon worker --address` needs none)'],
    });
    expect(fs.existsSync(path.join(dir, '.deeprecon'))).toBe(false);
    // Without it, the same host fails: the full install needs Python.
    expect(runScript(dir, ['install-tools.mjs'], false).status).not.toBe(0);
  });

  it('setup-native --optional: the native build is skipped in one line', () => {
    const dir = project();
    expect(runScript(dir, ['setup-native.mjs', '--optional'], true)).toEqual({
      status: 0,
      lines: ['[setup-native] DEEPRECON_WORKER_ONLY=1: native TensorFlow backend not built; runs use wasm (`npm run setup:native` adds it)'],
    });
    expect(fs.existsSync(path.join(dir, '.deeprecon'))).toBe(false);
  });
});
