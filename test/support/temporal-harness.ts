import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { startTemporalDevServer, type TemporalDevServer } from '../../lib/engine/temporal-dev-server';
import { createWorker } from '../../worker';

/** What a workflow-level test needs: a real Temporal server, one worker on a queue, a client and a scratch folder. */
export interface TemporalHarness {
  readonly dir: string;
  readonly temporal: TemporalDevServer;
  readonly worker: Worker;
  readonly client: Client;
  /** The queue the worker polls; unique per test file and process. */
  readonly taskQueue: string;
  /** Stops the worker, the client and the server, and removes the folder. */
  stop(): Promise<void>;
}

/**
 * Starts the harness for the test file named `name` (used in the folder and queue names). A
 * failure part-way stops what had started, so a broken set-up leaves no server behind.
 */
export async function startTemporalHarness(name: string): Promise<TemporalHarness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `deeprecon-${name}-`));
  const taskQueue = `${name}-${process.pid}`;
  let temporal: TemporalDevServer | undefined;
  let client: Client | undefined;
  try {
    temporal = await startTemporalDevServer({ uiPort: false });
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const { worker } = await createWorker({ address: temporal.address, namespace: 'default', taskQueue, concurrency: 2 });
    const workerDone = worker.run();
    const [server, connected] = [temporal, client];
    return {
      dir,
      temporal: server,
      worker,
      client: connected,
      taskQueue,
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerDone.catch(() => undefined);
        await connected.connection.close();
        await server.stop();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await client?.connection.close();
    await temporal?.stop();
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}
