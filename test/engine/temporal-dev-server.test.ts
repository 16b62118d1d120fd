import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deeprecon-temporal-'));
const running: TemporalDevServer[] = [];

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(dbFile: string): Promise<TemporalDevServer> {
  const server = await startTemporalDevServer({ dbFile, logFile: path.join(tmp, 'temporal.log') });
  running.push(server);
  return server;
}

async function withClient<T>(server: TemporalDevServer, use: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await use(new Client({ connection, namespace: server.namespace }));
  } finally {
    await connection.close();
  }
}

describe('temporal dev server', () => {
  it('keeps workflow history across restarts on the same db file', async () => {
    const dbFile = path.join(tmp, 'state', 'temporal.sqlite');
    const workflowId = `persisted-${Date.now()}`;

    const first = await start(dbFile);
    // No worker is needed: the start is recorded in history even if nobody polls the queue.
    await withClient(first, (client) => client.workflow.start('anything', { taskQueue: 'nobody-listens', workflowId }));
    await first.stop();
    expect(first.process.exitCode !== null || first.process.signalCode !== null).toBe(true);

    const second = await start(dbFile);
    const description = await withClient(second, (client) => client.workflow.getHandle(workflowId).describe());
    expect(description.status.name).toBe('RUNNING');
    expect(description.workflowId).toBe(workflowId);
    await second.stop();
  });

  it('says why when the server exits before it is ready (its own output, no log file needed)', async () => {
    // Holds the port; refuses to talk, so only the server's own exit can end the wait.
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startTemporalDevServer({ port, uiPort: false })).rejects.toThrow(/exited early with exit code \d+; its last output:[\s\S]*address already in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('rejects with a clear error when the binary does not exist', async () => {
    const saved = process.env['TEMPORAL_CLI'];
    process.env['TEMPORAL_CLI'] = path.join(tmp, 'no-such-temporal');
    try {
      await expect(startTemporalDevServer()).rejects.toThrow(/TEMPORAL_CLI=.*no-such-temporal/);
    } finally {
      if (saved === undefined) delete process.env['TEMPORAL_CLI'];
      else process.env['TEMPORAL_CLI'] = saved;
    }
  });
});
