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

/**
 * Stage `reconstruct`, once per method and variant: `icnn-gd` and `icnn-lbfgs` optimise pixels and
 * `icnn-dgn` a generator's latent so that the CNN features match the decoded ones; `cgan`
 * generates images straight from the test voxels. Writes `recon.<label>.<set>` for every test set,
 * the label being the method, `<method>-ceiling` or `<method>-shuffled`.
 */
export async function reconstructActivity(request: StageRequest<ReconstructConfig>): Promise<StageResult<{ sets: string[] }>> {
  // A user generator's weights join the cache key, so replacing them recomputes.
  const model = request.config.generatorModel;
  const keyed = model ? { ...request, config: { ...request.config, generatorModel: { ...model, fingerprint: await beforeKey('reconstruct', () => modelFolderFingerprint(model.path, generatorPolicy(model))) } } } : request;
  return runStage('reconstruct', keyed, async (ctx) => {
    const { method } = ctx.config;
    const names = Object.keys(ctx.inputs);
    const ceilingSets = ctx.config.ceilingSets ?? [];
    const sets = method === 'cgan' ? setsOf(names, 'test.') : ceilingSets.length > 0 ? setsOf(names, 'test.').filter((set) => ceilingSets.includes(set)) : setsOf(names, 'decoded.');
    const ceiling = ceilingSets.length > 0;
    const control = ctx.config.control;
    if (ceiling && control) throw new Error('reconstruct: a ceiling is not a chance control');
    const label = ceiling ? `${method}-ceiling` : control ? `${method}-${control}` : method;
    const write = (set: string, ids: string[], images: ImageBatch) =>
      ctx.write(`recon.${label}.${set}`, encodeStimulusTable({ ids, sets: ids.map(() => set), images }), 'arrow', [images.count]);
    const progress = (si: number) => (f: number, message: string) => ctx.progress((si + f) / sets.length, `${set(si)}: ${message}`);
    const set = (si: number) => sets[si]!;

    if (method === 'cgan') {
      const model = decodeCgan(await ctx.readBytes(ctx.input('cgan')));
      try {
        for (const [si, name] of sets.entries()) {
          const ref = ctx.input(`test.${name}`);
          const voxels = decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri);
          const conditions = control ? permutedAcrossImages(voxels.stimulusIds, voxels.values, ctx.config.controlSeed ?? 0) : voxels.values;
          await write(name, voxels.stimulusIds, generateFromVoxels(model, conditions, { seed: ctx.config.seed, samples: ctx.config.samples ?? 1, outputSize: ctx.config.imageSize }));
          ctx.progress((si + 1) / sets.length, `${name}: generated`);
        }
      } finally {
        disposeCgan(model);
      }
      return { results: { sets } };
    }

    const mean = method === 'icnn-dgn' ? undefined : await trainingMeanImage(ctx);
    const net = await loadNetwork(ctx.config.network, ctx.config.imageSize);
    const userModel = ctx.config.generatorModel;
    const generator: ImageGenerator | undefined =
      method !== 'icnn-dgn'
        ? undefined
        : userModel
          ? await loadGeneratorFolder(userModel.path, userModel.outputRange, userModel.upperBound, generatorPolicy(userModel))
          : decodeGenerator(await ctx.readBytes(ctx.input('generator')));
    try {
      for (const [si, name] of sets.entries()) {
        const { ids, targets } = await targetsOf(ctx, name, net.layerShapes, ceiling);
        const options = { iterations: ctx.config.iterations, seed: ctx.config.seed, onProgress: progress(si) };
        const pixelOptions = { ...options, meanImage: mean, start: ctx.config.start };
        const images = generator
          ? await reconstructIcnnDgn(net, generator, targets, options)
          : method === 'icnn-lbfgs'
            ? await reconstructIcnnLbfgs(net, targets, pixelOptions)
            : await reconstructIcnnGd(net, targets, { ...pixelOptions, jitter: Math.round(atImageSize(ctx.config.jitter ?? 0, ctx.config.imageSize)) });
        await write(name, ids, images);
      }
      return { results: { sets } };
    } finally {
      generator?.dispose();
      net.dispose();
    }
  });
}
