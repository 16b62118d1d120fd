import type { z } from 'zod';
import type { RECONSTRUCTION_METHODS, ReconstructSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { loadNetwork } from '../lib/features/networks';
import { decodeLabelledMatrix, rowsForIds } from '../lib/formats/labelled-matrix';
import { decodeStimulusTable, encodeStimulusTable } from '../lib/formats/stimulus-table';
import { decodeCgan } from '../lib/gan/cgan-model-bytes';
import { disposeCgan } from '../lib/gan/cgan-model';
import { generateFromVoxels } from '../lib/gan/generate';
import { permutedAcrossImages } from '../lib/gan/shuffled-conditions';
import { decodeGenerator } from '../lib/generative/generator';
import type { ImageGenerator } from '../lib/generative/image-generator';
import type { FolderPolicy } from '../lib/data/inside-folder';
import { loadGeneratorFolder } from '../lib/generative/layers-model-generator';
import { modelFolderFingerprint } from '../lib/features/model-folder';
import type { ImageBatch } from '../lib/images/image-batch';
import { type Matrix, selectRows } from '../lib/linalg/matrix';
import { rescaleFeatures } from '../lib/reconstruction/feature-scaling';
import { reconstructIcnnDgn } from '../lib/reconstruction/icnn-dgn';
import { reconstructIcnnGd } from '../lib/reconstruction/icnn-gd';
import { atImageSize } from '../lib/reconstruction/icnn-image-scale';
import { reconstructIcnnLbfgs } from '../lib/reconstruction/icnn-lbfgs';
import { meanImage } from '../lib/reconstruction/mean-image';
import type { StartImage } from '../lib/reconstruction/start-image';
import type { StageRequest, StageResult } from '../workflows/contracts';
import type { FeaturesConfig } from './features';
import { beforeKey } from './bad-input';
import { type StageContext, runStage } from './stage-runner';

type Settings = z.infer<typeof ReconstructSchema>;

/** One method's settings; the cache key holds only what that method uses. */
export interface ReconstructConfig {
  readonly method: (typeof RECONSTRUCTION_METHODS)[number];
  readonly layers: Settings['layers'];
  readonly iterations: number;
  readonly seed: number;
  readonly network: FeaturesConfig;
  readonly imageSize: number;
  /** icnn-dgn with a user-supplied generator (instead of the `generator` stage's). */
  readonly generatorModel?: { readonly path: string; readonly outputRange: 'zero-one' | 'minus-one-one'; readonly upperBound?: number; readonly allowSymlinksOutside?: boolean; readonly fingerprint?: string };
  /** icnn-gd only: icnn's jitter, in pixels of a 224-px image (scaled to `imageSize`). */
  readonly jitter?: number;
  /** icnn-gd and icnn-lbfgs: the start image (`mean` needs the `stimuli` input: its training images' mean). */
  readonly start?: StartImage;
  /** cgan only: z draws averaged per image. */
  readonly samples?: number;
  /**
   * The ceiling: reconstruct these sets from the TRUE features of their images instead of the
   * decoded ones (iCNN methods), written as method `<method>-ceiling`.
   */
  readonly ceilingSets?: readonly string[];
  /**
   * The chance control, written as method `<method>-shuffled`: the iCNN methods reconstruct from
   * the features of a decoder fitted on image-shuffled labels (their `decoded.*` inputs); cgan
   * generates each test image from the voxels of another image of its set (π seeded by
   * `controlSeed`).
   */
  readonly control?: 'shuffled';
  readonly controlSeed?: number;
}

/** The training images' mean image (HWC, [0, 1]) from the stimulus table, when it is an input. */
async function trainingMeanImage(ctx: StageContext<ReconstructConfig>): Promise<Float32Array | undefined> {
  const ref = ctx.inputs.stimuli;
  if (!ref) return undefined;
  const stimuli = decodeStimulusTable(await ctx.readBytes(ref), ref.uri);
  const train = stimuli.sets.flatMap((set, i) => (set === 'train' ? [i] : []));
  if (train.length === 0) throw new DataError('reconstruct', 'the stimulus table has no training images to average for the mean start image');
  if (stimuli.images.height !== ctx.config.imageSize) throw new DataError('reconstruct', `stimuli are ${stimuli.images.height} px, reconstructions ${ctx.config.imageSize} px`);
  return meanImage(stimuli.images, train);
}

/** The sets to reconstruct: from decoded features (iCNN methods) or from test voxels (cgan). */
function setsOf(names: readonly string[], prefix: string): string[] {
  return [...new Set(names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length).split('.')[0]!))];
}

/**
 * The features an image must match: the decoded ones rescaled to the true features' scale (the
 * paper's std0 step), or for the ceiling the true features of the set's images themselves.
 */
async function targetsOf(ctx: StageContext<ReconstructConfig>, set: string, shapes: Record<string, number[]>, ceiling: boolean): Promise<{ ids: string[]; targets: Record<string, Matrix> }> {
  const prefix = ceiling ? 'features.' : `decoded.${set}.`;
  const available = Object.keys(ctx.inputs).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  const layers = ctx.config.layers.length > 0 ? ctx.config.layers : available;
  for (const layer of layers) if (!available.includes(layer)) throw new DataError('reconstruct', `no ${ceiling ? 'true' : 'decoded'} features for layer "${layer}" in set "${set}"`);
  const targets: Record<string, Matrix> = {};
  if (ceiling) {
    const testRef = ctx.input(`test.${set}`);
    const ids = decodeLabelledMatrix(await ctx.readBytes(testRef), testRef.uri).stimulusIds;
    for (const layer of layers) {
      const ref = ctx.input(`features.${layer}`);
      const truth = decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
      targets[layer] = selectRows(truth.values, rowsForIds(truth, ids, ref.uri));
    }
    return { ids, targets };
  }
  const stats = await ctx.readTable(ctx.input('stats'));
  const std0 = new Map(stats.strings('layer').map((layer, i) => [layer, stats.float64('std0')[i]!]));
  let ids: string[] = [];
  for (const layer of layers) {
    const ref = ctx.input(`decoded.${set}.${layer}`);
    const m = decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
    ids = m.stimulusIds;
    targets[layer] = rescaleFeatures(m.values, shapes[layer]!, std0.get(layer)!);
  }
  return { ids, targets };
}

/** How a user generator's model folder may refer to files. */
function generatorPolicy(model: { readonly allowSymlinksOutside?: boolean }): FolderPolicy {
  return { allowSymlinksOutside: model.allowSymlinksOutside, allowKey: 'reconstruct.generator.allowSymlinksOutside' };
}

/** The sets a reconstruct stage writes and the method label of its outputs (`recon.<label>.<set>`). */
export function reconstructionSets(config: ReconstructConfig, inputNames: readonly string[]): { sets: string[]; label: string; ceiling: boolean } {
  const { method } = config;
  const ceilingSets = config.ceilingSets ?? [];
  const sets = method === 'cgan' ? setsOf(inputNames, 'test.') : ceilingSets.length > 0 ? setsOf(inputNames, 'test.').filter((set) => ceilingSets.includes(set)) : setsOf(inputNames, 'decoded.');
  const ceiling = ceilingSets.length > 0;
  const control = config.control;
  if (ceiling && control) throw new Error('reconstruct: a ceiling is not a chance control');
  return { sets, ceiling, label: ceiling ? `${method}-ceiling` : control ? `${method}-${control}` : method };
}

/** Images [start, end) of a set; absent means the whole set. */
export interface ImageRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What reconstructs images, loaded once per activity: the CNN (and generator) of the iCNN methods,
 * or the trained cGAN. `run` reconstructs one set's images in `range` exactly as the whole set
 * would (each image's optimisation depends only on itself and its index in the set).
 */
export interface Reconstructor {
  run(set: string, range: ImageRange | undefined, onProgress: (fraction: number, message: string) => void): Promise<{ ids: string[]; images: ImageBatch }>;
  dispose(): void;
}

function rowsOf(m: Matrix, range: ImageRange | undefined): Matrix {
  return range ? selectRows(m, Array.from({ length: range.end - range.start }, (_, i) => range.start + i)) : m;
}

function checkRange(set: string, rows: number, range: ImageRange | undefined): void {
  if (range && (range.start < 0 || range.end > rows || range.start > range.end)) throw new DataError('reconstruct', `images ${range.start}-${range.end} are outside set "${set}" of ${rows}`);
}

async function openCgan(ctx: StageContext<ReconstructConfig>): Promise<Reconstructor> {
  const model = decodeCgan(await ctx.readBytes(ctx.input('cgan')));
  return {
    async run(set, range) {
      const ref = ctx.input(`test.${set}`);
      const voxels = decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
      // One noise stream and one permutation run across the whole set: a cgan shard is a set.
      if (range && (range.start !== 0 || range.end !== voxels.values.rows)) throw new Error(`reconstruct: cgan generates whole sets, not images ${range.start}-${range.end}`);
      const conditions = ctx.config.control ? permutedAcrossImages(voxels.stimulusIds, voxels.values, ctx.config.controlSeed ?? 0) : voxels.values;
      return { ids: voxels.stimulusIds, images: generateFromVoxels(model, conditions, { seed: ctx.config.seed, samples: ctx.config.samples ?? 1, outputSize: ctx.config.imageSize }) };
    },
    dispose: () => disposeCgan(model),
  };
}

async function openIcnn(ctx: StageContext<ReconstructConfig>, ceiling: boolean): Promise<Reconstructor> {
  const { method } = ctx.config;
  const mean = method === 'icnn-dgn' ? undefined : await trainingMeanImage(ctx);
  const net = await loadNetwork(ctx.config.network, ctx.config.imageSize);
  const userModel = ctx.config.generatorModel;
  let generator: ImageGenerator | undefined;
  try {
    generator =
      method !== 'icnn-dgn'
        ? undefined
        : userModel
          ? await loadGeneratorFolder(userModel.path, userModel.outputRange, userModel.upperBound, generatorPolicy(userModel))
          : decodeGenerator(await ctx.readBytes(ctx.input('generator')));
  } catch (error) {
    net.dispose();
    throw error;
  }
  return {
    async run(set, range, onProgress) {
      // Targets are taken for the whole set, then cut: the set's rows are what a range must match.
      const whole = await targetsOf(ctx, set, net.layerShapes, ceiling);
      checkRange(set, whole.ids.length, range);
      const targets = Object.fromEntries(Object.entries(whole.targets).map(([layer, m]) => [layer, rowsOf(m, range)]));
      const ids = range ? whole.ids.slice(range.start, range.end) : whole.ids;
      const options = { iterations: ctx.config.iterations, seed: ctx.config.seed, onProgress };
      const pixelOptions = { ...options, meanImage: mean, start: ctx.config.start, firstImage: range?.start ?? 0 };
      const images = generator
        ? await reconstructIcnnDgn(net, generator, targets, options)
        : method === 'icnn-lbfgs'
          ? await reconstructIcnnLbfgs(net, targets, pixelOptions)
          : await reconstructIcnnGd(net, targets, { ...pixelOptions, jitter: Math.round(atImageSize(ctx.config.jitter ?? 0, ctx.config.imageSize)) });
      return { ids, images };
    },
    dispose() {
      generator?.dispose();
      net.dispose();
    },
  };
}

/** Opens the method's reconstructor for a stage body (whole stage, shard or merge). */
export function openReconstructor(ctx: StageContext<ReconstructConfig>, ceiling: boolean): Promise<Reconstructor> {
  return ctx.config.method === 'cgan' ? openCgan(ctx) : openIcnn(ctx, ceiling);
}

/** A set's reconstructions as the stage's output table. */
export function reconstructionTable(set: string, ids: string[], images: ImageBatch): Uint8Array {
  return encodeStimulusTable({ ids, sets: ids.map(() => set), images });
}

/** The request with a user generator's weights in its config, so replacing them recomputes. */
export async function keyedReconstructRequest<R extends StageRequest<ReconstructConfig>>(request: R): Promise<R> {
  const model = request.config.generatorModel;
  return model ? { ...request, config: { ...request.config, generatorModel: { ...model, fingerprint: await beforeKey('reconstruct', () => modelFolderFingerprint(model.path, generatorPolicy(model))) } } } : request;
}

/**
 * Stage `reconstruct`, once per method and variant: `icnn-gd` and `icnn-lbfgs` optimise pixels and
 * `icnn-dgn` a generator's latent so that the CNN features match the decoded ones; `cgan`
 * generates images straight from the test voxels. Writes `recon.<label>.<set>` for every test set,
 * the label being the method, `<method>-ceiling` or `<method>-shuffled`. This is the whole stage in
 * one activity; workflows run it as shards (activities/reconstruct-shards.ts), whose merged outputs
 * are the same bytes.
 */
export async function reconstructActivity(request: StageRequest<ReconstructConfig>): Promise<StageResult<{ sets: string[] }>> {
  return runStage('reconstruct', await keyedReconstructRequest(request), async (ctx) => {
    const { sets, label, ceiling } = reconstructionSets(ctx.config, Object.keys(ctx.inputs));
    const reconstructor = await openReconstructor(ctx, ceiling);
    try {
      for (const [si, set] of sets.entries()) {
        const { ids, images } = await reconstructor.run(set, undefined, (f, message) => ctx.progress((si + f) / sets.length, `${set}: ${message}`));
        await ctx.write(`recon.${label}.${set}`, reconstructionTable(set, ids, images), 'arrow', [images.count]);
        ctx.progress((si + 1) / sets.length, `${set}: done`);
      }
      return { results: { sets } };
    } finally {
      reconstructor.dispose();
    }
  });
}
