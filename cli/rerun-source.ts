import type { ExperimentConfig } from '../configs/schema';
import type { ExperimentInput, SweepInput } from '../workflows/contracts';
import type { ConnectionOptions } from './connection-options';
import { findRun, recordedInput } from './find-run';
import { checkRunName, readRunRecord } from './run-record';
import { openSession } from './session';

/** What `rerun` starts again: the file this machine ran, or what the server recorded. */
export type RerunSource =
  | { readonly kind: 'experiment' | 'sweep'; readonly file: string }
  | { readonly kind: 'experiment'; readonly config: ExperimentConfig }
  | { readonly kind: 'sweep'; readonly input: SweepInput };

/**
 * The local record when there is one (the common case: no server round trip); otherwise the run is
 * found through the server by name or workflow id, and its recorded input is what runs again.
 */
export async function runToRerun(connection: ConnectionOptions, runsDir: string, run: string): Promise<RerunSource> {
  checkRunName(run);
  const record = await readRunRecord(runsDir, run).catch(() => undefined);
  if (record) return { kind: record.kind ?? 'experiment', file: record.configFile };
  const session = await openSession({ connection, withWorker: false });
  try {
    const found = await findRun(session.client, runsDir, run);
    if (found.kind === 'sweep') return { kind: 'sweep', input: await recordedInput<SweepInput>(session.client, found.workflowId) };
    return { kind: 'experiment', config: (await recordedInput<ExperimentInput>(session.client, found.workflowId)).config };
  } finally {
    await session.close();
  }
}
