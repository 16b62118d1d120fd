import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { writeTinyConfig } from '../support/tiny-config';

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const CLIENT = path.join(ROOT, 'dist/client.js');

let dir: string;
let temporal: TemporalDevServer;
let client: Client;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-workermsg-'));
  temporal = await startTemporalDevServer({ uiPort: false });
  client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await client?.connection.close();
  await temporal?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Spawns the CLI and collects its output; resolves `ready` once stdout+stderr match `pattern`. */
function start(args: string[], pattern: RegExp): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(process.execPath, [CLIENT, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (pattern.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => reject(new Error(`exited before ${pattern}:\n${output}`)));
  });
  return { child, output: () => output, ready };
}

describe('workers and clients say what they do', () => {
  it('a worker logs each stage start and end with its identity, seconds and attempt', async () => {
    const queue = `log-${process.pid}`;
    const worker = start(['worker', '--address', temporal.address, '--task-queue', queue], /Ctrl-C to stop/);
    await worker.ready;
    const banner = worker.output().split('\n').find((l) => l.startsWith('worker '))!;
    const identity = /, identity (\S+) \(backend /.exec(banner)![1]!;
    expect(identity).toBe(`${worker.child.pid}@${os.hostname()}/${queue}`);
    expect(banner).toMatch(new RegExp(`^worker on task queue ${queue} of namespace default at ${temporal.address}, identity `));
    const file = await writeTinyConfig(dir, 'worker-log', { reconstruct: { methods: ['icnn-gd'], iterations: 4 } });
    const run = await exec(process.execPath, [CLIENT, 'run', file, '--address', temporal.address, '--task-queue', queue, '--quiet'], { cwd: dir });
    expect(run.stderr).toBe('');
    const lines = worker.output().split('\n');
    const escaped = identity.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    // A sharded stage's shards name their place: `shard i/n (group start–end)`.
    const literal = (t: string) => t.replace(/[[\]]/g, '\\$&');
    const shard = ' shard \\d+/\\d+ \\(\\S+ \\d+–\\d+\\)';
    const stages = [
      ...['stimuli', 'features', 'simulate [sim01]', 'decodeMerge [sim01]', 'evaluate [sim01]'].map(literal),
      `${literal('decode [sim01]')}${shard}`,
      `${literal('reconstruct icnn-gd [sim01]')}${shard}`,
    ];
    for (const s of stages) {
      expect(lines.some((l) => new RegExp(`^\\S+ \\[${escaped}\\] start ${s} \\(attempt 1, queue ${queue}\\)$`).test(l)), `${s} start`).toBe(true);
      expect(lines.some((l) => new RegExp(`^\\S+ \\[${escaped}\\] end ${s}: (new|cached|forced|\\w+-changed) in \\d+\\.\\d s \\(attempt 1\\)$`).test(l)), `${s} end`).toBe(true);
    }
    // The AWS SDK's notice about future Node versions is not printed by our processes.
    expect(worker.output()).not.toMatch(/NodeVersionSupportWarning/);
    worker.child.kill('SIGINT');
  });

  it('Ctrl-C of a remote run says it detaches, not that it stops a worker or server it does not have', async () => {
    const file = await writeTinyConfig(dir, 'remote-sigint');
    const run = start(['run', file, '--address', temporal.address, '--task-queue', `nobody-${process.pid}`], /experiment remote-sigint: workflow/);
    await run.ready;
    run.child.kill('SIGINT');
    await new Promise((r) => run.child.once('exit', r));
    expect(run.output()).toContain('SIGINT: detaching; the run goes on on the server (`deeprecon status` follows it, `deeprecon cancel` stops it).');
    expect(run.output()).not.toMatch(/stopping the worker|local server/);
    await client.workflow.getHandle('deeprecon-remote-sigint').terminate('test done');
  });

  it('the AWS SDK Node-version notice is off in our processes through the SDK switch, and a user setting is kept', async () => {
    const make = "const {S3Client}=require('@aws-sdk/client-s3'); new S3Client({region:'x'});";
    const env = { ...process.env };
    delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
    const ours = await exec(process.execPath, ['-r', path.join(ROOT, 'dist/cli/aws-sdk-notice.js'), '-e', make], { cwd: ROOT, env });
    expect(ours.stderr).toBe('');
    if (Number(process.versions.node.split('.')[0]) < 22) {
      const plain = await exec(process.execPath, ['-e', make], { cwd: ROOT, env });
      expect(plain.stderr).toMatch(/NodeVersionSupportWarning/);
      const userChoice = await exec(process.execPath, ['-r', path.join(ROOT, 'dist/cli/aws-sdk-notice.js'), '-e', make], { cwd: ROOT, env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' } });
      expect(userChoice.stderr).toMatch(/NodeVersionSupportWarning/);
    }
  });
});
