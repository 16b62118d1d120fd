import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_PREFERENCE, type BackendName } from '../lib/compute/backend';

/** Runs `bench` for the backend named on the command line, or for every one with `all` (the default). */
export function benchEachBackend(bench: (backend: BackendName) => Promise<void>): void {
  const main = async (): Promise<void> => {
    const arg = process.argv[2] ?? 'all';
    const backends: BackendName[] = arg === 'all' ? [...BACKEND_PREFERENCE] : [arg as BackendName];
    console.log(`machine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? 'unknown'}), node ${process.version}, tfjs ${tf.version.tfjs}`);
    for (const backend of backends) await bench(backend);
  };
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
