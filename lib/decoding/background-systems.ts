import { Worker } from 'node:worker_threads';
import { balancedRowRanges, SystemGatherer } from './gather-systems';
import { UnitSelector, type UnitChunk, type VoxelStats } from './unit-selection';

/** Where the background threads read a batch's inputs and write its selections and systems. */
export interface BatchBuffers {
  readonly gram: Float32Array;
  readonly voxelStats: VoxelStats;
  /** Rewritten by the caller for each chunk of units, only while no batch runs. */
  readonly chunk: UnitChunk;
  /** Per slot: the batch's selected voxels (batch × k), right-hand sides (batch × (k+1)) and systems. */
  readonly voxelSlots: readonly Int32Array[];
  readonly rhsSlots: readonly Float64Array[];
  readonly systemSlots: readonly Float64Array[];
}

/**
 * Selects the voxels of a batch of units and gathers their systems on worker threads, so that
 * this work (JavaScript: the selection is CPU-bound, the gather memory-bound) runs while
 * TensorFlow factors the previous batch: the decoder then keeps both cores busy.
 *
 * Each worker selects its share of the batch's units; after a barrier, it writes the system rows
 * of its own range of voxels (balancedRowRanges), which needs every unit's selection. The workers
 * run UnitSelector's and SystemGatherer's own compiled source (their toString, evaluated in the
 * worker), so there is no separate worker file to build or find, and the results are bit-identical
 * to selecting and gathering on the main thread. Every array they touch lives in a
 * SharedArrayBuffer; the handshake is one Int32 flag per worker with Atomics, so the main thread
 * blocks only when it needs a batch the workers have not finished.
 */
export class BackgroundSystems {
  private readonly workers: Worker[];
  private readonly state: Int32Array;
  /** [0]: selections finished, over all batches so far; the barrier before the gather. */
  private readonly barrier: Int32Array;
  private job = 0;
  private running = false;

  /** Every array in `buffers` must be backed by a SharedArrayBuffer (see `shared`). */
  constructor(buffers: BatchBuffers, p: number, k: number, maxBatch: number, n: number, alpha: number, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`BackgroundSystems: threads must be a positive integer, got ${threads}`);
    this.state = new Int32Array(new SharedArrayBuffer(4 * threads));
    this.barrier = new Int32Array(new SharedArrayBuffer(4));
    const ranges = balancedRowRanges(p, threads);
    const source = WORKER_SOURCE.replace('GATHERER_SOURCE', JSON.stringify(`(${SystemGatherer.toString()})`)).replace(
      'SELECTOR_SOURCE',
      JSON.stringify(`(${UnitSelector.toString()})`),
    );
    this.workers = Array.from({ length: threads }, (_, index) => {
      const worker = new Worker(source, {
        eval: true,
        workerData: { buffers, p, k, maxBatch, n, alpha, threads, state: this.state, barrier: this.barrier, index, from: ranges[index]!, to: ranges[index + 1]! },
      });
      // The workers never exit by themselves; they must not keep the process alive either.
      worker.unref();
      return worker;
    });
  }

  /** Starts selecting and gathering units [first, first + count) of the current chunk into `slot`. */
  start(first: number, count: number, slot: number): void {
    if (this.running) throw new Error('BackgroundSystems: a batch is already running');
    this.state.fill(PENDING);
    this.running = true;
    this.job++;
    for (const worker of this.workers) worker.postMessage({ first, count, slot, job: this.job });
  }

  /** Blocks until the running batch (if any) has finished; throws if it failed. */
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
        if (left <= 0) throw new Error(`voxel-selection L2: a selection thread gave no answer in ${WAIT_LIMIT_MS / 1000} s`);
        Atomics.wait(this.state, i, PENDING, left);
      }
    }
    if (this.state.some((v) => v !== DONE)) throw new Error(`voxel-selection L2: the background selection failed (thread states ${this.state.join(', ')})`);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A batch takes well under a second; minutes mean the worker is gone. */
const WAIT_LIMIT_MS = 300_000;
const PENDING = 1;
const DONE = 2;
const FAILED = 3;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { buffers, p, k, maxBatch, n, alpha, threads, state, barrier, index, from, to } = workerData;
// Built inside try, so that even a source that fails to evaluate answers every request (FAILED).
let gatherer;
let selector;
try {
  gatherer = new (eval(GATHERER_SOURCE))(p, k, maxBatch);
  selector = new (eval(SELECTOR_SOURCE))(n, p, k);
} catch (error) {
  console.error(error);
}
parentPort.on('message', ({ first, count, slot, job }) => {
  let result = ${DONE};
  const voxels = buffers.voxelSlots[slot];
  try {
    // This worker's share of the batch's units.
    const lo = Math.floor((index * count) / threads);
    const hi = Math.floor(((index + 1) * count) / threads);
    for (let bi = lo; bi < hi; bi++) {
      selector.select(buffers.voxelStats, buffers.chunk, first + bi, voxels, bi * k, buffers.rhsSlots[slot], bi * (k + 1));
    }
  } catch (error) {
    result = ${FAILED};
    console.error(error);
  }
  // Every worker passes the barrier, failed or not, so that none waits for ever.
  Atomics.add(barrier, 0, 1);
  Atomics.notify(barrier, 0);
  for (let seen = Atomics.load(barrier, 0); seen < threads * job; seen = Atomics.load(barrier, 0)) Atomics.wait(barrier, 0, seen);
  if (result === ${DONE}) {
    try {
      gatherer.gather(buffers.gram, voxels, count, buffers.voxelStats.mean, n, alpha, buffers.systemSlots[slot], from, to);
    } catch (error) {
      result = ${FAILED};
      console.error(error);
    }
  }
  Atomics.store(state, index, result);
  Atomics.notify(state, index);
});
`;

/** A zero-filled typed array of `length` elements on a SharedArrayBuffer. */
export function shared<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  kind: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  return new kind(new SharedArrayBuffer(length * kind.BYTES_PER_ELEMENT));
}
