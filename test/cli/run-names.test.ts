import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = path.resolve(__dirname, '..', '..', 'dist', 'client.js');
const exec = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-names-'));
  // A run record where `../../fake` from the runs folder leads: it must never be read.
  await fs.mkdir(path.join(dir, 'fake'), { recursive: true });
  await fs.writeFile(path.join(dir, 'fake', 'run.json'), JSON.stringify({ configFile: '/nowhere.yaml', workflowId: 'planted', runId: 'x' }));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  // An address nothing listens on: a command that got past the name would fail on the connection instead.
  const all = [CLIENT, ...args, '--runs-dir', path.join(dir, 'a', 'runs'), '--address', '127.0.0.1:1'];
  return exec(process.execPath, all, { cwd: dir }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
}

describe('every command that takes a run name validates it like an experiment name', () => {
  const cases: [string, string][] = [['status', '../../fake'], ['rerun', '../../fake'], ['cancel', '../../fake'], ['status', '/etc'], ['status', 'a/b'], ['status', '.hidden']];
  for (const [command, name] of cases) {
    {
      it(`${command} ${name}: refused before anything is read or started`, async () => {
        const r = await cli([command, name]);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`error: invalid run name "${name}": use letters, digits, ".", "_" or "-" (max 64); a run is named by its experiment or sweep\n`);
      });
    }
  }
});
