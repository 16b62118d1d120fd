import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const CLIENT = path.join(ROOT, 'dist', 'client.js');
const exec = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-usererr-'));
  // A model folder whose model.json names a weight file outside it: bad input met by the features stage.
  await fs.mkdir(path.join(dir, 'model'));
  await fs.writeFile(path.join(dir, 'model', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../outside.bin'], weights: [] }] }));
  await fs.writeFile(
    path.join(dir, 'bad.yaml'),
    [
      'name: usererr',
      'store: {type: local, path: artifacts}',
      'stimuli: {seed: 2, imageSize: 32, trainImages: 8, testImages: 3, shapes: false, letters: false}',
      'subjects: [{name: s1, source: {type: simulated, voxels: 20, trainRepeats: 1, testRepeats: 1, imageryRepeats: 0}}]',
      'features: {network: tfjs-model, modelPath: model}',
      'reconstruct: {methods: [icnn-gd], iterations: 2, controls: [], ceiling: []}',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * The native TensorFlow library, when installed, prints two notices on stderr as it loads, before
 * its log level applies (lib/compute/backend.ts); they are not ours and are left out here.
 */
function withoutNativeNotices(stderr: string): string {
  return stderr.replace(/^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\n/m, '').replace(/^I0000 [^\n]* port\.cc:\d+\] oneDNN custom operations are on\.[^\n]*\n/m, '');
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [CLIENT, ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr: withoutNativeNotices(stderr) }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: withoutNativeNotices(e.stderr) }),
  );
}

const STACK_LINE = /^\s+at /m;

describe('a user error is one line, without stack traces', () => {
  it('run with bad data: one error line; the worker warnings only with --verbose; status | head -1 closes quietly', { timeout: 240_000 }, async () => {
    const quiet = await cli(['run', 'bad.yaml', '--workers', '1']);
    expect(quiet.code).toBe(1);
    // One line, ending with the worker that raised it (pid@host/queue).
    const expected = `error: experiment usererr failed: features: ${path.join(dir, 'model', 'model.json')}: "../outside.bin" leads outside its folder ${path.join(dir, 'model')}`;
    expect(quiet.stderr.startsWith(`${expected} (on worker `)).toBe(true);
    expect(quiet.stderr.slice(expected.length)).toMatch(/^ \(on worker \d+@[^/\s]+\/[^)\s]+\)\n$/);

    const verbose = await cli(['run', 'bad.yaml', '--workers', '1', '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\[WARN\] Activity failed/);
    expect(verbose.stderr).toMatch(STACK_LINE);

    // The reader of status's output goes away before the first line: the command still ends cleanly.
    const child = spawn(process.execPath, [CLIENT, 'status', 'usererr'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(withoutNativeNotices(stderr)).toBe('');
    expect(code).toBe(0);
  });
});

describe('validate on a sweep file', () => {
  it('validates it as a sweep: its base and every point', async () => {
    const r = await cli(['validate', path.join(ROOT, 'configs', 'sweeps', 'example.yaml')]);
    expect(r.stdout).toBe(`${path.join(ROOT, 'configs', 'sweeps', 'example.yaml')}: valid (sweep example-alpha, 6 point(s))\n`);
  });

  it('names the sweep file, line and key of a mistake in it', async () => {
    const file = path.join(dir, 'sweep.yaml');
    await fs.writeFile(file, `name: s\nbase: ${path.join(ROOT, 'configs', 'sweeps', 'three-subjects.yaml')}\ngrid:\n  decode.alpah: [1, 2]\n`);
    const r = await cli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`invalid config:\n${file}:4: decode.alpah: in point "s-decode.alpah_1" (and 1 more point(s)): unknown key "alpah" (did you mean "alpha"?)\n`);
    expect(r.stderr).not.toMatch(/subjects|unknown key "base"/);
  });
});

describe('an unreachable --address', () => {
  it('a client command names the address and says the server is unreachable', { timeout: 60_000 }, async () => {
    const r = await cli(['cancel', 'x', '--address', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach the Temporal server at 127\.0\.0\.1:1 \(.*\); check --address and that the server is running\n$/);
  });

  it('a worker names the address too, not the transport error', async () => {
    const r = await cli(['worker', '--address', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: cannot reach the Temporal server at 127.0.0.1:1 (Connection refused); check --address and that the server is running\n');
  });
});
