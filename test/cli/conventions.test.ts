import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/help';

const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');
const exec = promisify(execFile);

/** The built CLI, as a user's shell runs it: exit code and both streams. */
async function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [CLIENT, ...args], cwd ? { cwd } : {}).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-conventions-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('CLI conventions', () => {
  it('--help on every command prints that command\'s usage on stdout and exits 0, starting nothing', async () => {
    // In an empty folder: a command that ignored --help would start an engine or fail on its missing argument.
    for (const command of COMMANDS) {
      const flag = command === 'worker' ? '-h' : '--help';
      const r = await cli([command, flag], dir);
      expect({ command, ...r }).toMatchObject({ command, code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^usage: deeprecon ${command}\\b`));
    }
    // Also after other arguments, and as `help <command>`.
    expect(await cli(['sweep', 'points.yaml', '--force', '--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: deeprecon sweep </) });
    expect(await cli(['help', 'results'], dir)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: deeprecon results /) });
    await expect(fs.readdir(dir)).resolves.toEqual([]);
  });

  it('deeprecon --help prints the overview, every command and the exit codes, and nothing else', async () => {
    for (const args of [['--help'], ['help'], []]) {
      const r = await cli(args);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      for (const command of COMMANDS) expect(r.stdout).toContain(`deeprecon ${command}`);
      expect(r.stdout).toMatch(/exit codes: 0 done .* 64 usage error/s);
    }
  });

  it('--version prints package.json\'s version', async () => {
    const { version } = JSON.parse(await fs.readFile(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('a usage error exits 64 and shows the misused command\'s usage, not all of them', async () => {
    const r = await cli(['sweep', '--bogus']);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Unknown option '--bogus'/);
    expect(r.stderr).toContain('usage: deeprecon sweep <sweep.yaml>');
    expect(r.stderr).not.toContain('deeprecon cancel');
    expect((await cli(['help', 'frobnicate'])).code).toBe(64);
    expect((await cli(['results', '--csv', '--json'], dir)).code).toBe(64);
  });

  it('validate --json prints one object for a valid and for a refused file; exit 0 and 1', async () => {
    const good = await cli(['validate', '--json', path.resolve(__dirname, '..', '..', 'configs', 'default.yaml')]);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ valid: true, kind: 'experiment', name: 'default', subjects: 1 });
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, 'name: x\nsubjects:\n  - name: s\n    source: {type: simulated, voxles: 10}\n');
    try {
      const bad = await cli(['validate', file, '--json']);
      expect(bad.code).toBe(1);
      const parsed = JSON.parse(bad.stdout) as { valid: boolean; error: string; problems: { path: string; line: number }[] };
      expect(parsed.valid).toBe(false);
      expect(parsed.error).toContain('unknown key "voxles"');
      expect(parsed.problems).toEqual([expect.objectContaining({ path: 'subjects[0].source.voxles', line: 4 })]);
    } finally {
      await fs.rm(file);
    }
  });
});
