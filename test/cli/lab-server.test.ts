import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/engine/free-port';
import { waitFor } from '../../lib/engine/wait-for';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';

const CLIENT = path.resolve(__dirname, '../../dist/client.js');

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-labserver-'));
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

function start(args: string[], until: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [CLIENT, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (until.test(output)) resolve({ child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited (${code}) before ${until}:\n${output}`)));
  });
}

describe('deeprecon server', () => {
  it('hosts Temporal with its UI, namespace and search attributes, and S3 with the bucket; a worker started with the printed line connects', async () => {
    const [port, uiPort, s3Port] = [await freePort(), await freePort(), await freePort()];
    const server = await start(
      ['server', '--port', String(port), '--ui-port', String(uiPort), '--advertise', '127.0.0.1', '--namespace', 'lab', '--state-dir', path.join(dir, 'state'), '--s3', '--s3-port', String(s3Port), '--bucket', 'lab-bucket'],
      /Ctrl-C stops the server/,
    );
    const out = server.output();
    expect(out).toContain(`deeprecon server: Temporal at 127.0.0.1:${port}, namespace lab, search attributes DeepreconExperiment, DeepreconSubjects, DeepreconSweep, DeepreconStage registered`);
    expect(out).toContain(`  web UI: http://127.0.0.1:${uiPort}`);
    expect(out).toContain(`  store: {type: s3, bucket: lab-bucket, prefix: runs, endpoint: "http://127.0.0.1:${s3Port}", region: us-east-1, forcePathStyle: true}`);

    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const listed = await connection.operatorService.listSearchAttributes({ namespace: 'lab' });
      expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTE_TYPES)));
      expect((await fetch(`http://127.0.0.1:${uiPort}/`)).ok).toBe(true);

      const keys = /export AWS_ACCESS_KEY_ID=(\S+) AWS_SECRET_ACCESS_KEY=(\S+) AWS_REGION=(\S+)/.exec(out)!;
      const s3 = new S3Client({ endpoint: `http://127.0.0.1:${s3Port}`, region: keys[3]!, forcePathStyle: true, credentials: { accessKeyId: keys[1]!, secretAccessKey: keys[2]! } });
      await s3.send(new HeadBucketCommand({ Bucket: 'lab-bucket' }));
      s3.destroy();

      // The printed worker line, word for word (npx deeprecon is this project's CLI).
      const workerLine = /^ {2}npx deeprecon (worker .*)$/m.exec(out)![1]!;
      expect(workerLine).toBe(`worker --address 127.0.0.1:${port} --namespace lab --task-queue deeprecon --concurrency 1`);
      const worker = await start([...workerLine.split(' '), '--backend', 'cpu'], /Ctrl-C to stop/);
      const client = new Client({ connection, namespace: 'lab' });
      await waitFor(
        async () => {
          const described = await client.workflowService.describeTaskQueue({
            namespace: 'lab',
            taskQueue: { name: 'deeprecon', kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          });
          return (described.pollers ?? []).length > 0;
        },
        { what: 'a poller on the lab server', timeoutMs: 30_000 },
      );
      worker.child.kill('SIGINT');
    } finally {
      await connection.close();
    }
    server.child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => server.child.once('exit', r));
    expect(code).toBe(0);
  });
});
