import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/data-error';
import { Cnn, type CnnStep } from './cnn';
import { CAFFE_MEAN_BGR, IMAGENET_MEAN_RGB, IMAGENET_SD_RGB, type InputMode } from './layers-model-network';
import type { WeightTensor } from './weight-tensor';

/** Convolutions per block of VGG19; each block ends in 2×2 max-pooling. */
const BLOCKS = [2, 2, 4, 4, 4];
/** `classifier` indices of fc6, fc7, fc8 (Linear, ReLU, Dropout, Linear, ReLU, Dropout, Linear). */
const CLASSIFIER = [0, 3, 6];
/** Side of the `AdaptiveAvgPool2d` output that fc6 reads. */
const POOLED = 7;

/**
 * Where each feature layer lives in the state_dict of bdpy's `VGG19` (torchvision's VGG19 uses
 * the same keys): conv1_1 is `features.0`, conv5_4 `features.34`, fc6–fc8 `classifier.0/3/6`.
 */
export function vgg19Keys(): { layer: string; key: string }[] {
  const keys: { layer: string; key: string }[] = [];
  let index = 0;
  BLOCKS.forEach((convs, b) => {
    for (let c = 0; c < convs; c++, index += 2) keys.push({ layer: `conv${b + 1}_${c + 1}`, key: `features.${index}` });
    index += 1; // the block's max-pooling
  });
  CLASSIFIER.forEach((i, d) => keys.push({ layer: `fc${6 + d}`, key: `classifier.${i}` }));
  return keys;
}

/** Per-channel mean and SD (RGB order, [0, 1] scale) that give the network its expected input. */
function inputScaling(mode: InputMode): { mean: number[]; sd: number[] } {
  switch (mode) {
    case 'caffe':
      // x_bgr = 255·rgb_reversed − mean_bgr, with the reversal folded into conv1_1's weights.
      return { mean: [...CAFFE_MEAN_BGR].reverse().map((m) => m / 255), sd: [1 / 255, 1 / 255, 1 / 255] };
    case 'imagenet':
      return { mean: IMAGENET_MEAN_RGB, sd: IMAGENET_SD_RGB };
    case 'zero-one':
      return { mean: [0, 0, 0], sd: [1, 1, 1] };
    case 'minus-one-one':
      return { mean: [0.5, 0.5, 0.5], sd: [0.5, 0.5, 0.5] };
  }
}

const show = (shape: readonly (number | string)[]) => `[${shape.join(', ')}]`;

type Lookup = (key: string, layer: string, expected: readonly (number | string)[]) => WeightTensor;

/** The tensor `key`, or an error naming it: missing, or not of the expected shape ('*' = any). */
function lookup(weights: ReadonlyMap<string, WeightTensor>, source: string): Lookup {
  return (key, layer, expected) => {
    const t = weights.get(key);
    if (!t) {
      const present = [...weights.keys()].slice(0, 6).join(', ');
      throw new DataError(source, `no tensor "${key}" (${layer} of VGG19, bdpy's layout); the file has ${weights.size} tensors${present ? `: ${present}${weights.size > 6 ? ', …' : ''}` : ''}`);
    }
    const fits = t.shape.length === expected.length && expected.every((d, i) => d === '*' || d === t.shape[i]);
    if (!fits) throw new DataError(source, `tensor "${key}" (${layer}) has shape ${show(t.shape)}; expected ${show(expected)}`);
    return t;
  };
}

/** Appends VGG19's steps to `steps` (so a caller can free them if a later tensor is bad). */
function buildSteps(tensor: Lookup, mode: InputMode, steps: CnnStep[]): void {
  let channels = 3;
  const keys = vgg19Keys();
  let k = 0;
  for (const convs of BLOCKS) {
    for (let c = 0; c < convs; c++) {
      const { layer, key } = keys[k++]!;
      const w = tensor(`${key}.weight`, layer, ['*', channels, 3, 3]);
      const out = w.shape[0]!;
      const bias = tensor(`${key}.bias`, layer, [out]);
      // OIHW → HWIO; conv1_1 in caffe mode also reverses the input channels (BGR from RGB).
      const reverse = k === 1 && mode === 'caffe';
      const filter = tf.tidy(() => {
        const hwio = tf.transpose(tf.tensor4d(w.data, [out, channels, 3, 3]), [2, 3, 1, 0]);
        return reverse ? tf.reverse(hwio, 2) : hwio;
      });
      steps.push({ type: 'conv', name: layer, filter, bias: tf.tensor1d(bias.data) });
      steps.push({ type: 'relu' });
      channels = out;
    }
    steps.push({ type: 'maxpool' });
  }
  steps.push({ type: 'adaptiveavgpool', size: POOLED }, { type: 'flatten' });
  let units = channels * POOLED * POOLED;
  for (let d = 0; d < CLASSIFIER.length; d++) {
    const { layer, key } = keys[k++]!;
    const w = tensor(`${key}.weight`, layer, ['*', units]);
    const out = w.shape[0]!;
    const bias = tensor(`${key}.bias`, layer, [out]);
    // [out, in] → [in, out]; fc6 reads (c, h, w) in PyTorch and (h, w, c) here.
    const weight = tf.tidy(() =>
      d === 0
        ? tf.reshape(tf.transpose(tf.tensor4d(w.data, [out, channels, POOLED, POOLED]), [2, 3, 1, 0]), [units, out])
        : tf.transpose(tf.tensor2d(w.data, [out, units])),
    ) as tf.Tensor2D;
    if (d > 0) steps.push({ type: 'relu' });
    steps.push({ type: 'dense', name: layer, weight, bias: tf.tensor1d(bias.data) });
    units = out;
  }
}

/**
 * Builds bdpy's VGG19 (16 padded 3×3 convolutions in 5 blocks, adaptive average pooling to 7×7,
 * three linear layers) from a state_dict. Channel counts are read from the tensors, so a narrower
 * VGG19-shaped network loads too. Features are taken before ReLU, as in Shen et al. 2019; conv
 * features are NHWC, fc6's weights are permuted from PyTorch's (C, H, W) flattening to NHWC's.
 * Throws naming the first missing or misshapen tensor, in network order.
 */
export function torchVgg19(weights: ReadonlyMap<string, WeightTensor>, source: string, mode: InputMode, imageSize: number, layers?: readonly string[]): Cnn {
  if (imageSize < 32) throw new DataError(source, `VGG19 pools five times and needs images of at least 32 px; stimuli.imageSize is ${imageSize}`);
  const steps: CnnStep[] = [];
  try {
    buildSteps(lookup(weights, source), mode, steps);
    const { mean, sd } = inputScaling(mode);
    return new Cnn(source, imageSize, steps, mean, sd, layers);
  } catch (error) {
    for (const step of steps) {
      if (step.type === 'conv') tf.dispose([step.filter, step.bias]);
      if (step.type === 'dense') tf.dispose([step.weight, step.bias]);
    }
    throw error instanceof DataError ? error : new DataError(source, (error as Error).message);
  }
}
