import * as tf from '@tensorflow/tfjs';
import { CHANNELS } from '../images/image-batch';
import { Random } from '../random';
import { Cnn, type CnnStep } from './cnn';
import type { FeatureNetwork } from './feature-network';
import { type InputMode, LayersModelNetwork } from './layers-model-network';
import { loadModelFolder } from './model-folder';
import { torchVgg19 } from './torch-vgg19';
import { readWeightsFile } from './weights-file';

/**
 * Built-in networks; `vgg-mini` is the default CNN for simulated data, `tfjs-model` a TensorFlow.js
 * model folder, `torch-vgg19` bdpy's VGG19 from a PyTorch state_dict or safetensors file.
 */
export const NETWORK_NAMES = ['vgg-mini', 'tfjs-model', 'torch-vgg19'] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

interface VggSpec {
  readonly name: string;
  /** Blocks of 3×3 convolutions (channels per conv), each block ending in 2×2 max-pooling. */
  readonly blocks: readonly (readonly number[])[];
  readonly dense: readonly number[];
  /** Name of the first dense layer's index (VGG19 calls them fc6, fc7, fc8). */
  readonly firstDense: number;
}

const VGG_MINI: VggSpec = { name: 'vgg-mini', blocks: [[16, 16], [32, 32], [64, 64]], dense: [256, 128], firstDense: 1 };
/** VGG19's shape (Simonyan & Zisserman 2015): 16 convolutions and 3 dense layers, 143 M weights. */
const VGG19: VggSpec = {
  name: 'vgg19-random',
  blocks: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
  dense: [4096, 4096, 1000],
  firstDense: 6,
};
/** Mean and SD of natural-image RGB in [0, 1], so the first layer sees roughly unit-variance input. */
const INPUT_MEAN = [0.48, 0.46, 0.41];
const INPUT_SD = [0.23, 0.23, 0.23];

/** He-normal weights from a seeded generator: the same network on every machine for a seed. */
function heNormal(rng: Random, shape: number[], fanIn: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const sd = Math.sqrt(2 / fanIn);
  return Float32Array.from({ length: size }, () => sd * rng.normal());
}

/**
 * A VGG-like CNN with seeded random weights. Random convolutional networks keep enough image
 * information for feature inversion, which is all reconstruction needs from the simulated data;
 * real data uses user-supplied trained weights. `vgg19-random` has VGG19's exact shape and serves
 * paper-scale timing (bench/paper-scale-decode.ts).
 */
function vgg(spec: VggSpec, seed: number, inputSize: number): Cnn {
  const pools = spec.blocks.length;
  if (inputSize % 2 ** pools !== 0) throw new Error(`${spec.name}: image size must be a multiple of ${2 ** pools}, got ${inputSize}`);
  const rng = new Random(seed);
  const steps: CnnStep[] = [];
  let channels = CHANNELS;
  let size = inputSize;
  spec.blocks.forEach((block, b) => {
    block.forEach((out, c) => {
      const shape = [3, 3, channels, out];
      steps.push({
        type: 'conv',
        name: `conv${b + 1}_${c + 1}`,
        filter: tf.tensor4d(heNormal(rng, shape, 9 * channels), shape as [number, number, number, number]),
        bias: tf.zeros([out]),
      });
      steps.push({ type: 'relu' });
      channels = out;
    });
    steps.push({ type: 'maxpool' });
    size /= 2;
  });
  steps.push({ type: 'flatten' });
  let units = size * size * channels;
  spec.dense.forEach((out, d) => {
    if (d > 0) steps.push({ type: 'relu' });
    steps.push({ type: 'dense', name: `fc${spec.firstDense + d}`, weight: tf.tensor2d(heNormal(rng, [units, out], units), [units, out]), bias: tf.zeros([out]) });
    units = out;
  });
  return new Cnn(spec.name, inputSize, steps, INPUT_MEAN, INPUT_SD);
}

/** The built-in network (synchronous: its weights come from the seed). */
export function openNetwork(name: 'vgg-mini' | 'vgg19-random', seed: number, inputSize: number): Cnn {
  return vgg(name === 'vgg-mini' ? VGG_MINI : VGG19, seed, inputSize);
}

/** What the features config says about the network. */
export interface NetworkSettings {
  readonly network: NetworkName;
  readonly seed: number;
  readonly modelPath?: string;
  readonly layers?: readonly string[];
  readonly inputMode?: InputMode;
  /** Follow symbolic links out of the model folder. */
  readonly allowSymlinksOutside?: boolean;
}

/** The configured feature network: the built-in CNN, a TensorFlow.js model folder or a VGG19 weights file. */
export async function loadNetwork(settings: NetworkSettings, imageSize: number): Promise<FeatureNetwork> {
  if (settings.network === 'vgg-mini') return openNetwork('vgg-mini', settings.seed, imageSize);
  if (!settings.modelPath) throw new Error(`features.modelPath is required for network "${settings.network}"`);
  if (settings.network === 'torch-vgg19') {
    return torchVgg19(await readWeightsFile(settings.modelPath), settings.modelPath, settings.inputMode ?? 'caffe', imageSize, settings.layers);
  }
  const model = await loadModelFolder(settings.modelPath, { allowSymlinksOutside: settings.allowSymlinksOutside, allowKey: 'allowSymlinksOutside beside modelPath' });
  return new LayersModelNetwork(settings.modelPath, model, settings.inputMode ?? 'caffe', settings.layers, imageSize);
}
