/**
 * What the reconstruction benches (simulation-ablation, form-probe) share: the decoder's network
 * and its features of every stimulus, the training mean image and per-layer feature SDs that
 * icnn-gd's targets are rescaled with, ridge decoding of every layer at once, and pixel
 * identification scored as the evaluate stage scores it.
 */
import type { StimulusSet } from '../lib/data/trials';
import { fitRidgeProjection } from '../lib/decoding/ridge';
import { finiteMean } from '../lib/evaluation/finite-mean';
import { nWayIdentification } from '../lib/evaluation/nway-identification';
import { pairwiseIdentification } from '../lib/evaluation/pairwise-identification';
import { extractFeatures } from '../lib/features/cnn';
import type { FeatureNetwork } from '../lib/features/feature-network';
import { openNetwork } from '../lib/features/networks';
import type { ImageBatch } from '../lib/images/image-batch';
import { createMatrix, type Matrix, selectRows } from '../lib/linalg/matrix';
import type { PreprocessedTrials } from '../lib/preprocess/preprocess-trials';
import { featureStd } from '../lib/reconstruction/feature-scaling';
import { meanImage } from '../lib/reconstruction/mean-image';

export interface StimulusFeatures {
  readonly net: FeatureNetwork;
  /** Every stimulus's features, by layer (rows in stimulus order). */
  readonly features: Record<string, Matrix>;
  /** Stimulus rows of the given ids. */
  readonly rowsOf: (ids: readonly string[]) => number[];
  /** The training images' mean image: icnn-gd's start and pixel centre. */
  readonly mean: Float32Array;
  /** Per layer, the training features' SD that decoded features are rescaled to. */
  readonly std0: Record<string, number>;
}

/** The default experiment's feature network (vgg-mini, seed 7) applied to every stimulus. */
export async function stimulusFeatures(stimuli: StimulusSet, size: number): Promise<StimulusFeatures> {
  const net = openNetwork('vgg-mini', 7, size);
  const features = await extractFeatures(net, stimuli.images, { batchSize: 100 });
  const index = new Map(stimuli.ids.map((id, i) => [id, i]));
  const rowsOf = (ids: readonly string[]) => ids.map((id) => index.get(id)!);
  const trainImages = stimuli.sets.flatMap((s, i) => (s === 'train' ? [i] : []));
  const mean = meanImage(stimuli.images, trainImages);
  const std0 = Object.fromEntries(net.layerNames.map((l) => [l, featureStd(selectRows(features[l]!, trainImages), net.layerShapes[l]!)]));
  return { net, features, rowsOf, mean, std0 };
}

/** Ridge (α 100) from the training trials to every layer; per layer, one matrix per test set. */
export async function decodeEveryLayer(setup: StimulusFeatures, pre: PreprocessedTrials, sets: readonly string[]): Promise<Record<string, Matrix[]>> {
  const projection = fitRidgeProjection(pre.train.X, sets.map((s) => pre.test[s]!.X), 100);
  try {
    const decoded: Record<string, Matrix[]> = {};
    for (const layer of setup.net.layerNames) decoded[layer] = await projection.predict(selectRows(setup.features[layer]!, setup.rowsOf(pre.train.stimulusIds)));
    return decoded;
  } finally {
    projection.dispose();
  }
}

/** Pixel pairwise (chance 0.5) and n-way (chance 1/N) identification, as the evaluate stage scores them. */
export function identification(recon: ImageBatch, truth: ImageBatch): { pairwise: number; nway: number } {
  const px = truth.height * truth.width * 3;
  const [r, t] = [createMatrix(recon.count, px, recon.data), createMatrix(truth.count, px, truth.data)];
  return { pairwise: finiteMean(pairwiseIdentification(r, t)), nway: finiteMean(nWayIdentification(r, t)) };
}
