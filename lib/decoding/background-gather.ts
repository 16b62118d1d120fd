import { Worker } from 'node:worker_threads';
import { balancedRowRanges, SystemGatherer } from './gather-systems';

/**
 * SystemGatherer on worker threads, so that the next batch's systems are gathered (JavaScript,
 * memory-bound) while TensorFlow factors this batch's: the decoder then keeps both cores busy.
 * With several workers each writes the system rows of its own range of voxels (balancedRowRanges).
 *
 * The workers run SystemGatherer's own compiled source (its toString, evaluated in the worker),
 * so there is no separate worker file to build or find, and the gathered systems are bit-identical
 * to gathering on the main thread. Every array they touch lives in a SharedArrayBuffer; the
 * handshake is one Int32 flag per worker with Atomics, so the main thread blocks only when it
 * needs a batch the workers have not finished.
 */
export class BackgroundGatherer {
  private readonly workers: Worker[];
  private readonly state: Int32Array;
  private running = false;

  /** gram and mean must be backed by SharedArrayBuffers (see `shared`). */
  constructor(gram: Float32Array, p: number, k: number, maxBatch: number, mean: Float64Array, n: number, alpha: number, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`BackgroundGatherer: threads must be a positive integer, got ${threads}`);
    this.state = new Int32Array(new SharedArrayBuffer(4 * threads));
    const ranges = balancedRowRanges(p, threads);
    const source = WORKER_SOURCE.replace('GATHERER_SOURCE', JSON.stringify(`(${SystemGatherer.toString()})`));
    this.workers = Array.from({ length: threads }, (_, index) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { gram, p, k, maxBatch, mean, n, alpha, state: this.state, index, from: ranges[index]!, to: ranges[index + 1]! },
      });
      // The workers never exit by themselves; they must not keep the process alive either.
      worker.unref();
      return worker;
    });
  }

  /** Starts gathering `count` systems for `voxels` into `out` (both SharedArrayBuffer-backed). */
  start(voxels: Int32Array, count: number, out: Float64Array): void {
    if (this.running) throw new Error('BackgroundGatherer: a gather is already running');
    this.state.fill(PENDING);
    this.running = true;
    for (const worker of this.workers) worker.postMessage({ voxels, count, out });
  }

  /** Blocks until the running gather (if any) has finished; throws if it failed. */
  wait(): void {
    if (!this.running) return;
    this.running = false;
    const deadline = performance.now() + WAIT_LIMIT_MS;
    for (let i = 0; i < this.workers.length; i++) {
      // A loop, not one wait: a worker's notify for the previous batch can arrive after its
      // store was seen (it was descheduled in between) and wake this wait while still PENDING.
      while (Atomics.load(this.state, i) === PENDING) {
        // Bounded: a worker that died cannot say so while this thread blocks its event loop.
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`voxel-selection L2: a gather thread gave no answer in ${WAIT_LIMIT_MS / 1000} s`);
        Atomics.wait(this.state, i, PENDING, left);
      }
    }
    if (this.state.some((v) => v !== DONE)) throw new Error(`voxel-selection L2: the background gather failed (thread states ${this.state.join(', ')})`);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A batch takes well under a second to gather; minutes mean the worker is gone. */
const WAIT_LIMIT_MS = 300_000;
const PENDING = 1;
const DONE = 2;
const FAILED = 3;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { gram, p, k, maxBatch, mean, n, alpha, state, index, from, to } = workerData;
// Built inside try, so that even a source that fails to evaluate answers every request (FAILED).
let gatherer;
try {
  gatherer = new (eval(GATHERER_SOURCE))(p, k, maxBatch);
} catch (error) {
  console.error(error);
}
parentPort.on('message', ({ voxels, count, out }) => {
  let result = ${DONE};
  try {
    gatherer.gather(gram, voxels, count, mean, n, alpha, out, from, to);
  } catch (error) {
    result = ${FAILED};
    console.error(error);
  }
  Atomics.store(state, index, result);
  Atomics.notify(state, index);
});
`;

/** A zero-filled typed array of `length` elements on a SharedArrayBuffer. */
export function shared<T extends Float32Array | Float64Array | Int32Array>(kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}
