import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');
const exec = promisify(execFile);

async function validate(yaml: string): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-cli-'));
  const file = path.join(dir, 'experiment.yaml');
  await fs.writeFile(file, yaml);
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLIENT, 'validate', file]);
    return { code: 0, stdout, stderr, file };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, file };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('deeprecon validate', () => {
  it('accepts the default experiment', async () => {
    const { stdout } = await exec(process.execPath, [CLIENT, 'validate', path.resolve(__dirname, '..', '..', 'configs', 'default.yaml')]);
    expect(stdout).toMatch(/valid \(experiment default, 1 subject/);
  });

  it('refuses an unknown key, naming the file, line and key path', async () => {
    const r = await validate('name: x\nsubjects:\n  - name: s\n    source: {type: simulated, voxles: 10}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${r.file}:4: subjects[0].source.voxles: unknown key "voxles" (did you mean "voxels"?)`);
  });

  it('refuses a wrong type and an impossible value before anything runs', async () => {
    const wrongType = await validate('name: x\nsubjects:\n  - name: s\n    source: {type: simulated}\ndecode:\n  alpha: lots\n');
    expect(wrongType.code).toBe(1);
    expect(wrongType.stderr).toMatch(/:6: decode\.alpha: .*number/);
    const impossible = await validate('name: x\nsubjects:\n  - name: s\n    source: {type: simulated}\nreconstruct:\n  iterations: 0\n');
    expect(impossible.code).toBe(1);
    expect(impossible.stderr).toMatch(/:6: reconstruct\.iterations: .*(>=|at least|≥) ?1/i);
  });

  it('refuses a missing file, broken YAML and an impossible list, each with file and line', async () => {
    const missing = await exec(process.execPath, [CLIENT, 'validate', path.join(os.tmpdir(), 'no-such-experiment.yaml')]).catch((e: { code: number; stderr: string }) => e);
    expect((missing as { code: number }).code).toBe(1);
    expect((missing as { stderr: string }).stderr).toMatch(/no-such-experiment\.yaml: .*cannot read file \(ENOENT\)/);
    const broken = await validate('name: x\nsubjects: [\n');
    expect(broken.stderr).toMatch(/experiment\.yaml:3: .*YAML syntax/);
    const empty = await validate('name: x\nsubjects: []\n');
    expect(empty.stderr).toMatch(/experiment\.yaml:2: subjects: .*>=1/);
  });

  it('exits 64 on a usage error', async () => {
    const r = await exec(process.execPath, [CLIENT, 'frobnicate']).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(64);
  });
});
