import { decodeTable, encodeTable } from '../store/arrow-table';
import type { CganEpoch } from './train-cgan';

/** The loss columns of the training table, in CganEpoch's order (each float64, one row per epoch). */
export const LOSS_COLUMNS = ['dRealRight', 'dRealWrong', 'dFakeRight', 'dLoss', 'gLoss', 'kl', 'pixelL1'] as const satisfies readonly (keyof CganEpoch)[];

/**
 * The cgan stage's training record as an Arrow file: `epoch` (int32) and the mean losses of each
 * epoch (float64, see CganEpoch), so a run's training can be plotted or compared from Python.
 * The schema's metadata holds `embeddingDim`, the length of c (the KL is summed over it).
 */
export function encodeTrainingTable(history: readonly CganEpoch[], embeddingDim: number): Uint8Array {
  return encodeTable(
    {
    epoch: { kind: 'int32', values: Int32Array.from(history, (h) => h.epoch) },
      ...Object.fromEntries(LOSS_COLUMNS.map((name) => [name, { kind: 'float64' as const, values: Float64Array.from(history, (h) => h[name]) }])),
    },
    { embeddingDim: String(embeddingDim) },
  );
}

/** The history back from an Arrow file written by encodeTrainingTable; errors name `source`. */
export function decodeTrainingTable(bytes: Uint8Array, source: string): { history: CganEpoch[]; embeddingDim: number } {
  const table = decodeTable(bytes, source);
  const embeddingDim = Number(table.metadata['embeddingDim']);
  if (!Number.isInteger(embeddingDim) || embeddingDim < 1) throw new Error(`${source}: metadata embeddingDim must be a positive integer, got ${table.metadata['embeddingDim']}`);
  const epochs = table.int32('epoch');
  const columns = Object.fromEntries(LOSS_COLUMNS.map((name) => [name, table.float64(name)])) as Record<(typeof LOSS_COLUMNS)[number], Float64Array>;
  const history = Array.from(epochs, (epoch, i) => ({
    epoch,
    ...(Object.fromEntries(LOSS_COLUMNS.map((name) => [name, columns[name][i]!])) as Record<(typeof LOSS_COLUMNS)[number], number>),
  }));
  return { history, embeddingDim };
}
