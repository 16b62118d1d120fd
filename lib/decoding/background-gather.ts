import { Worker } from 'node:worker_threads';
import { SystemGatherer } from './gather-systems';

/**
 * SystemGatherer on a worker thread, so that the next batch's systems are gathered (JavaScript,
 * memory-bound) while TensorFlow factors this batch's: the decoder then keeps both cores busy.
 *
 * The worker runs SystemGatherer's own compiled source (its toString, evaluated in the worker),
 * so there is no separate worker file to build or find, and the gathered systems are bit-identical
 * to gathering on the main thread. Every array it touches lives in a SharedArrayBuffer; the
 * handshake is one Int32 flag with Atomics, so the main thread blocks only when it needs a batch
 * the worker has not finished.
 */
export class BackgroundGatherer {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private running = false;

  /** gram and mean must be backed by SharedArrayBuffers (see `shared`). */
  constructor(gram: Float32Array, p: number, k: number, maxBatch: number, mean: Float64Array, n: number, alpha: number) {
    this.state = new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(WORKER_SOURCE.replace('GATHERER_CLASS', SystemGatherer.toString()), {
      eval: true,
      workerData: { gram, p, k, maxBatch, mean, n, alpha, state: this.state },
    });
    // The worker never exits by itself; it must not keep the process alive either.
    this.worker.unref();
  }

  /** Starts gathering `count` systems for `voxels` into `out` (both SharedArrayBuffer-backed). */
  start(voxels: Int32Array, count: number, out: Float64Array): void {
    if (this.running) throw new Error('BackgroundGatherer: a gather is already running');
    Atomics.store(this.state, 0, PENDING);
    this.running = true;
    this.worker.postMessage({ voxels, count, out });
  }

  /** Blocks until the running gather (if any) has finished; throws if it failed. */
  wait(): void {
    if (!this.running) return;
    Atomics.wait(this.state, 0, PENDING);
    this.running = false;
    if (Atomics.load(this.state, 0) !== DONE) throw new Error('voxel-selection L2: the background gather failed');
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

const PENDING = 1;
const DONE = 2;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Gatherer = (GATHERER_CLASS);
const { gram, p, k, maxBatch, mean, n, alpha, state } = workerData;
const gatherer = new Gatherer(p, k, maxBatch);
parentPort.on('message', ({ voxels, count, out }) => {
  let result = ${DONE};
  try {
    gatherer.gather(gram, voxels, count, mean, n, alpha, out);
  } catch (error) {
    result = 3;
    console.error(error);
  }
  Atomics.store(state, 0, result);
  Atomics.notify(state, 0);
});
`;

/** A zero-filled typed array of `length` elements on a SharedArrayBuffer. */
export function shared<T extends Float32Array | Float64Array | Int32Array>(kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}
