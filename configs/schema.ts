import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE } from './name-rule';
import { METRICS } from '../lib/evaluation/metric-names';
import { START_IMAGES } from '../lib/reconstruction/start-image';
import { DEFAULT_SHARD_IMAGES, DEFAULT_SHARD_UNITS } from '../lib/sharding/shard-defaults';
import { sameNetwork, sameNetworkMessage } from '../lib/evaluation/network-provenance';
import { bdataFilesProblems } from './bdata-files';

/**
 * The experiment file's schema: the single source of truth for keys, types, defaults and ranges.
 * Every object is strict, so a misspelt key is an error rather than a silently ignored setting.
 */

/** Characters of an experiment's or sweep's description. */
export const MAX_DESCRIPTION_LENGTH = 10_000;

const slug = z.string().regex(NAME_PATTERN, NAME_RULE);
const seed = z.int().min(0).max(2 ** 31 - 1);

export const ROI_NAMES = ['V1', 'V2', 'V3', 'V4', 'LOC', 'FFA', 'PPA', 'LVC', 'HVC', 'VC'] as const;
export { STAGE_NAMES, type StageName } from '../workflows/stage-names';

export const StoreSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Folder for artifacts; relative paths are resolved against the config file's project folder. */
    path: z.string().min(1).default('.deeprecon/artifacts'),
  }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().min(3).max(63),
    prefix: z.string().default(''),
    endpoint: z.url().optional(),
    region: z.string().min(1).default('us-east-1'),
    forcePathStyle: z.boolean().default(true),
  }),
]);

export const StimuliSchema = z.strictObject({
  /** `procedural`: generated images; `folder`: real images in `<path>/<set>/<stimulus id>.<png|jpg>`. */
  source: z.enum(['procedural', 'folder']).default('procedural'),
  /** The image folder (source `folder`); relative to the current directory when the run starts. */
  path: z.string().min(1).optional(),
  /** Follow symbolic links in the folder that lead outside it (refused by default: a data folder must not read elsewhere). */
  allowSymlinksOutside: z.boolean().optional(),
  /** Largest width or height of a folder image, checked before decoding (default 8192: a decompression bomb fails fast). */
  maxImageSide: z.int().min(16).max(65535).optional(),
  seed: seed.default(1),
  imageSize: z.int().min(16).max(256).default(32),
  trainImages: z.int().min(4).max(20000).default(1200),
  testImages: z.int().min(3).max(5000).default(50),
  /** The paper's 40 artificial shapes (5 forms × 8 colours), test set `shapes`. */
  shapes: z.boolean().default(true),
  /** Ten letters, test set `letters`. */
  letters: z.boolean().default(true),
});

export const SimulatedSourceSchema = z.strictObject({
  type: z.literal('simulated'),
  seed: seed.default(1),
  voxels: z.int().min(10).max(50000).default(1500),
  trainRepeats: z.int().min(1).max(20).default(2),
  testRepeats: z.int().min(1).max(50).default(8),
  shapesRepeats: z.int().min(1).max(50).default(20),
  lettersRepeats: z.int().min(1).max(50).default(12),
  /** Imagery trials (set `imagery`): the first 10 natural test images and 15 shapes, imagined; 0 turns them off. */
  imageryRepeats: z.int().min(0).max(50).default(20),
  /** Signal during imagery relative to seeing, × a per-area factor (V1 0.6 … higher areas 1.3). */
  imageryGain: z.number().min(0).max(1).default(0.15),
  /** Per-trial noise SD relative to the RMS over voxels of the stimulus-driven signal's SD. */
  noiseSd: z.number().min(0).max(100).default(2),
  /** Spread of voxel response gains (log-normal SD): heterogeneous SNR across voxels. */
  gainSd: z.number().min(0).max(3).default(0.5),
  /** Share of the per-trial noise variance shared across voxels (a global and retinotopic sources); 0: white noise. */
  sharedNoise: z.number().min(0).max(0.95).default(0.3),
  /** SD of the slow non-linear within-run drift that a linear detrend leaves; 0: exactly linear drift. */
  slowDriftSd: z.number().min(0).max(10).default(0.3),
  /** Early areas' luminance and colour term: half-wave `rectified` tuned subunits, or the signed `linear` pixel shortcut. */
  pixelTerms: z.enum(['rectified', 'linear']).default('rectified'),
  /**
   * Rectified terms: each early voxel pools the opposite polarity with a weight drawn from [lo, hi];
   * 1 is pure contrast, 0 a voxel that prefers one polarity or hue (docs/simulation.md).
   */
  oppositePolarity: z
    .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
    .refine(([lo, hi]) => lo <= hi, { error: 'give [lo, hi] with lo ≤ hi, both in [0, 1]' })
    .default([0.7, 1]),
  /** `top-down`: weaker, idiosyncratic imagery of varying vividness; `scaled-copy`: seeing, scaled down. */
  imagery: z.enum(['top-down', 'scaled-copy']).default('top-down'),
});

export const BDataSourceSchema = z.strictObject({
  type: z.literal('bdata'),
  /**
   * Kamitani-lab BData HDF5 files (bdpy); relative to the current directory when the run starts.
   * A list, or a map from set name to file (DIR ships one file per set: `train`, `natural`,
   * `shapes`, `letters`, `imagery`), which names each file's set.
   */
  files: z.union([z.array(z.string().min(1)).min(1), z.record(z.string(), z.string().min(1))], {
    error: 'give a list of BData files, or a map from set name to file (train: …, natural: …)',
  }),
  /** Metadata key of the stimulus label column(s) (GOD: `stimulus_id`; DIR: `Label`, two columns). */
  labelKey: z.string().min(1).default('Label'),
  /**
   * Which of the label key's columns holds the stimulus, from 0 (bdpy `get('Label')[:, i]`; DIR: 1).
   * Unset: the only column, else the one whose labels read as stimulus ids like 1518878.005958.
   */
  labelColumn: z.int().min(0).max(1000).optional(),
  /** Keep samples labelled 0, which the lab's files use for rest and fixation. */
  keepZeroLabels: z.boolean().default(false),
  /** `imagenet`: label 1518878.005958 is the image n01518878_5958.<ext>; `as-written`: the image "1518878.005958.<ext>". */
  stimulusNames: z.enum(['imagenet', 'as-written']).default('imagenet'),
  /** Set of every sample in a file without `DataType`, for a list of files: one per file, or one for all. */
  sets: z.array(z.string().min(1)).optional(),
});

export const SubjectSchema = z.strictObject({
  name: slug,
  /** Task queue whose workers run this subject's stages (e.g. the machine holding its data). */
  taskQueue: slug.optional(),
  source: z.discriminatedUnion('type', [SimulatedSourceSchema, BDataSourceSchema]),
});

export const PreprocessSchema = z.strictObject({
  roi: z.enum(ROI_NAMES).default('VC'),
  averageTestTrials: z.boolean().default(true),
  /** Remove each voxel's linear trend within every run before z-scoring (the paper's practice). */
  detrend: z.boolean().default(true),
});

export const FeaturesSchema = z.strictObject({
  /**
   * `vgg-mini`: the built-in seeded CNN; `tfjs-model`: a TensorFlow.js Layers model folder;
   * `torch-vgg19`: bdpy's VGG19 from a PyTorch state_dict (.pt/.pth) or safetensors file.
   */
  network: z.enum(['vgg-mini', 'tfjs-model', 'torch-vgg19']).default('vgg-mini'),
  /** Folder with model.json and weight shards (`tfjs-model`), or the weights file (`torch-vgg19`). */
  modelPath: z.string().min(1).optional(),
  /** Follow symbolic links in the folder that lead outside it (refused by default: a data folder must not read elsewhere). */
  allowSymlinksOutside: z.boolean().optional(),
  /** Layers used as features (tfjs-model, torch-vgg19); empty means every convolution and dense layer. */
  layers: z.array(z.string().min(1)).default([]),
  /** How the model expects its input: `caffe` (Keras VGG, the lab's VGG19), `imagenet` (torchvision), `zero-one` or `minus-one-one`. */
  inputMode: z.enum(['caffe', 'imagenet', 'zero-one', 'minus-one-one']).default('caffe'),
  seed: seed.default(7),
  batchSize: z.int().min(1).max(1024).default(50),
});

export const DecodeSchema = z.strictObject({
  /**
   * `ridge`: one penalty for all units, one shared projection per subject (fastest);
   * `ridge-cv`: per-unit penalty from `alphas` by grouped cross-validation over runs;
   * `voxel-selection-l2`: the lab's FastL2LiR — per unit the `nFeatures` most correlated voxels.
   */
  method: z.enum(['ridge', 'ridge-cv', 'voxel-selection-l2']).default('ridge'),
  alpha: z.number().positive().default(100),
  /** Candidate penalties for `ridge-cv`. */
  alphas: z.array(z.number().positive()).min(1).default([1, 10, 100, 1000, 10000]),
  /** Cross-validation folds for `ridge-cv` (folds never split a run). */
  folds: z.int().min(2).max(20).default(5),
  /** Voxels per unit for `voxel-selection-l2` (the lab uses 500). */
  nFeatures: z.int().min(1).default(500),
  /** Train on single trials (the paper) or on each training image's average response. */
  trainOn: z.enum(['trials', 'averages']).default('trials'),
  /** Layers to decode; empty means every layer of the network. */
  layers: z.array(z.string().min(1)).default([]),
  /**
   * Units per decode shard: each layer's units are cut into ranges of this many, each its own
   * activity (any worker takes it) cached on its own. Changes no value and no cache key. A
   * multiple of 1,024, so voxel selection's blocks of units are the same as in the whole layer.
   */
  shardUnits: z.int().min(1024).max(16_777_216).multipleOf(1024).default(DEFAULT_SHARD_UNITS),
});

export const RECONSTRUCTION_METHODS = ['icnn-gd', 'icnn-lbfgs', 'icnn-dgn', 'cgan'] as const;

export const ReconstructSchema = z.strictObject({
  /**
   * `icnn-gd`: pixels optimised to match the decoded features (Shen et al.), `icnn-lbfgs` the same
   * by L-BFGS within the pixel range; `icnn-dgn`: the latent
   * of a generator trained on the stimulus domain instead; `cgan`: an end-to-end conditional GAN
   * from voxels to images (Yu et al.).
   */
  methods: z.array(z.enum(RECONSTRUCTION_METHODS)).min(1).default(['icnn-gd', 'cgan']),
  /** Layers whose decoded features the image must match; empty means every decoded layer. */
  layers: z.array(z.string().min(1)).default([]),
  iterations: z.int().min(1).max(10000).default(200),
  /**
   * Images per reconstruct shard, within each method and set: each batch is its own activity,
   * cached on its own. Changes no value and no cache key. cgan generates whole sets.
   */
  shardImages: z.int().min(1).max(100_000).default(DEFAULT_SHARD_IMAGES),
  seed: seed.default(3),
  /**
   * icnn-gd: random shift of up to this many pixels before each step, in pixels of a 224-px image
   * and scaled to `stimuli.imageSize` (icnn's jitter_size is 32 when jitter is on; 0 = off).
   */
  jitter: z.int().min(0).max(112).default(0),
  /**
   * icnn-gd and icnn-lbfgs: the start image — `mean` (the training images' mean image), `noise`
   * (random pixels) or `blank` (their mean colour). Absent: each method's paper setting, `noise`
   * for icnn-gd (icnn_gd) and `mean` for icnn-lbfgs (the paper's no-generator scripts).
   */
  start: z.enum(START_IMAGES).optional(),
  /**
   * Chance controls run beside every method: `shuffled` — the iCNN methods reconstruct from a
   * decoder fitted on image-shuffled training labels and cgan generates from test voxels permuted
   * across each set's images (methods `<method>-shuffled`). `[]` turns them off.
   */
  controls: z.array(z.enum(['shuffled'])).default(['shuffled']),
  /** The controls' permutations. */
  controlSeed: seed.default(13),
  /**
   * Shuffled decoders behind the iCNN control, each on its own permutation; test image i of a set
   * is decoded by decoder i mod K (capped at the smallest set's size). One shuffled decoder is one
   * fixed random map, the same for every image, so its score is one draw from a wide null
   * distribution (it scored 0.60 on natural images); K maps average K draws at the same
   * reconstruction cost.
   */
  controlDecoders: z.int().min(1).max(1000).default(10),
  /** Sets also reconstructed from the TRUE features (the iCNN methods' ceiling); empty for none. */
  ceiling: z.array(z.string().min(1)).default(['natural']),
  /** Methods whose ceiling is computed (feature-matching methods only). */
  ceilingMethods: z.array(z.enum(['icnn-gd', 'icnn-dgn'])).default(['icnn-gd']),
  /** The generator prior (icnn-dgn): trained on the training stimuli to invert `latentLayer`. */
  generator: z
    .strictObject({
      /** A user-supplied generator (TensorFlow.js model folder: latent → image) instead of training one. */
      modelPath: z.string().min(1).optional(),
      /** Follow symbolic links in the folder that lead outside it (refused by default: a data folder must not read elsewhere). */
      allowSymlinksOutside: z.boolean().optional(),
      /** Output range of the user-supplied generator. */
      outputRange: z.enum(['zero-one', 'minus-one-one']).default('zero-one'),
      /** Upper bound of every latent unit for a user-supplied generator (latents are ≥ 0). */
      upperBound: z.number().positive().optional(),
      latentLayer: z.string().min(1).default('fc1'),
      epochs: z.int().min(1).max(1000).default(4),
      batchSize: z.int().min(1).max(1024).default(32),
      learningRate: z.number().positive().default(1e-3),
      seed: seed.default(5),
    })
    .prefault({}),
  /** The conditional GAN (cgan), trained on each subject's (training voxels, image) pairs. */
  cgan: z
    .strictObject({
      /** `averages`: one pair per training image, its trials averaged (Yu et al.'s 1,200 pairs); `trials`: every single trial. */
      trainOn: z.enum(['averages', 'trials']).default('averages'),
      epochs: z.int().min(1).max(1000).default(6),
      /** StackGAN: 64. 32 gives twice the steps in the same time (docs/science.md). */
      batchSize: z.int().min(1).max(1024).default(32),
      /** Adam of both networks, β1 0.5. StackGAN: 2e-4, too slow for the few steps a CPU run affords (docs/science.md). */
      learningRate: z.number().positive().default(1e-3),
      /** Weight of the conditioning augmentation's KL term, per dimension of c (StackGAN's 2). */
      klWeight: z.number().min(0).default(2),
      /**
       * Weight of an auxiliary pixel L1 loss between G(z, c) and the condition's own image (pix2pix).
       * Not in Yu et al. or StackGAN: 0 is the faithful setting, which stays at chance in a CPU run's few
       * hundred steps (docs/science.md).
       */
      reconstructionWeight: z.number().min(0).default(1000),
      /** The matching-aware discriminator (real image with another image's voxels labelled fake); false only for the ablation. */
      matchingAware: z.boolean().default(true),
      /** Length of the condition embedding (StackGAN's text embedding: 128). */
      conditionComponents: z.int().min(1).max(1024).default(128),
      /**
       * `image-aligned`: a ridge map from the standardised voxels onto the training images' top principal
       * components, learned like StackGAN's jointly trained sentence encoder; `voxel-pca`: the voxels'
       * own principal axes, unsupervised (docs/science.md).
       */
      conditionEncoder: z.enum(['image-aligned', 'voxel-pca']).default('image-aligned'),
      /** Channels of the generator's last block (each earlier block doubles; StackGAN 64) and of the discriminator's first conv (StackGAN 64, doubling to 512). */
      generatorChannels: z.int().min(1).max(64).default(8),
      discriminatorChannels: z.int().min(1).max(128).default(16),
      /** z draws averaged per generated image. */
      samples: z.int().min(1).max(64).default(4),
      seed: seed.default(11),
    })
    .prefault({}),
});

export const EvaluateSchema = z.strictObject({
  metrics: z.array(z.enum(METRICS)).min(1).default([...METRICS]),
  /** Layers of the feature network in which `feature-identification` compares images. */
  featureLayers: z.array(z.string().min(1)).min(1).default(['conv2_2', 'fc1']),
  /** The network `feature-identification` compares images in: neither the decoded nor the optimised one. */
  network: FeaturesSchema.extend({ seed: seed.default(1001) }).prefault({}),
});

export const ExperimentSchema = z
  .strictObject({
  name: slug,
  /** Shown in the report; it travels in the workflow's input, so it is short. */
  description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
  store: StoreSchema.prefault({ type: 'local' }),
  compute: z.strictObject({ backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto') }).prefault({}),
  stimuli: StimuliSchema.prefault({}),
  subjects: z.array(SubjectSchema).min(1),
  preprocess: PreprocessSchema.prefault({}),
  features: FeaturesSchema.prefault({}),
  decode: DecodeSchema.prefault({}),
  reconstruct: ReconstructSchema.prefault({}),
  evaluate: EvaluateSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.features.network !== 'vgg-mini' && !config.features.modelPath) {
      const what = config.features.network === 'tfjs-model' ? 'the model folder' : 'the weights file (.pth or .safetensors)';
      ctx.addIssue({ code: 'custom', path: ['features', 'modelPath'], message: `network "${config.features.network}" needs ${what} in features.modelPath` });
    }
    if (sameNetwork(config.features, config.evaluate.network)) {
      ctx.addIssue({ code: 'custom', path: ['evaluate', 'network'], message: sameNetworkMessage(config.features) });
    }
    if (config.evaluate.network.network !== 'vgg-mini' && !config.evaluate.network.modelPath) {
      ctx.addIssue({ code: 'custom', path: ['evaluate', 'network', 'modelPath'], message: `network "${config.evaluate.network.network}" needs its model in evaluate.network.modelPath` });
    }
    if (config.stimuli.source === 'folder' && !config.stimuli.path) {
      ctx.addIssue({ code: 'custom', path: ['stimuli', 'path'], message: 'source "folder" needs the image folder in stimuli.path' });
    }
    for (const [i, subject] of config.subjects.entries()) {
      if (subject.source.type === 'bdata') {
        for (const problem of bdataFilesProblems(subject.source)) ctx.addIssue({ code: 'custom', path: ['subjects', i, 'source', ...problem.path], message: problem.message });
      }
    }
  });

export type ExperimentConfig = z.infer<typeof ExperimentSchema>;
export type StoreSettings = z.infer<typeof StoreSchema>;
export type SubjectConfig = z.infer<typeof SubjectSchema>;
