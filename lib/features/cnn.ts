import * as tf from '@tensorflow/tfjs';
import { type ImageBatch, CHANNELS } from '../images/image-batch';
import { createMatrix, type Matrix } from '../linalg/matrix';
import { adaptiveAvgPool } from './adaptive-avg-pool';
import type { FeatureNetwork } from './feature-network';

/** One step of a feed-forward CNN; conv and dense steps are the named feature layers. */
export type CnnStep =
  | { readonly type: 'conv'; readonly name: string; readonly filter: tf.Tensor4D; readonly bias: tf.Tensor1D }
  | { readonly type: 'dense'; readonly name: string; readonly weight: tf.Tensor2D; readonly bias: tf.Tensor1D }
  | { readonly type: 'relu' }
  | { readonly type: 'maxpool' }
  /** PyTorch's `AdaptiveAvgPool2d(size)` (VGG19 before fc6). */
  | { readonly type: 'adaptiveavgpool'; readonly size: number }
  | { readonly type: 'flatten' };

/**
 * A feed-forward CNN whose layer outputs (before ReLU, as in the paper) are the features that
 * are decoded from the brain and matched during reconstruction.
 */
export class Cnn implements FeatureNetwork {
  readonly layerNames: string[];
  /** [height, width, channels] for conv layers, [units] for dense ones. */
  readonly layerShapes: Record<string, number[]>;

  constructor(
    readonly name: string,
    readonly inputSize: number,
    private readonly steps: readonly CnnStep[],
    /** Per-channel mean and SD that normalise [0, 1] RGB input. */
    private readonly inputMean: readonly number[],
    private readonly inputSd: readonly number[],
    /** The feature layers to expose, in network order; all conv and dense layers by default. */
    layers?: readonly string[],
  ) {
    const all = steps.flatMap((s) => (s.type === 'conv' || s.type === 'dense' ? [s.name] : []));
    for (const layer of layers ?? []) if (!all.includes(layer)) throw new Error(`${name}: no layer "${layer}" (has ${all.join(', ')})`);
    this.layerNames = layers && layers.length > 0 ? all.filter((l) => layers.includes(l)) : all;
    this.layerShapes = tf.tidy(() => {
      const out = this.forward(tf.zeros([1, inputSize, inputSize, CHANNELS]), this.layerNames, false);
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.shape.slice(1)]));
    });
  }

  /**
   * Features of the requested layers for a batch of NHWC images in [0, 1]. With `flatten`, each
   * layer is [batch, units] in NHWC order, the layout of the stored feature matrices.
   */
  forward(images: tf.Tensor4D, layers: readonly string[], flatten = true): Record<string, tf.Tensor> {
    const wanted = new Set(layers);
    for (const layer of wanted) if (!this.layerNames.includes(layer)) throw new Error(`${this.name}: no layer "${layer}" (has ${this.layerNames.join(', ')})`);
    const out: Record<string, tf.Tensor> = {};
    let x: tf.Tensor = tf.div(tf.sub(images, this.inputMean as number[]), this.inputSd as number[]);
    for (const step of this.steps) {
      if (Object.keys(out).length === wanted.size) break;
      switch (step.type) {
        case 'conv':
          x = tf.add(tf.conv2d(x as tf.Tensor4D, step.filter, 1, 'same'), step.bias);
          break;
        case 'dense':
          x = tf.add(tf.matMul(x as tf.Tensor2D, step.weight), step.bias);
          break;
        case 'relu':
          x = tf.relu(x);
          break;
        case 'maxpool':
          x = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
          break;
        case 'adaptiveavgpool':
          x = adaptiveAvgPool(x as tf.Tensor4D, step.size);
          break;
        case 'flatten':
          x = tf.reshape(x, [x.shape[0]!, -1]);
          break;
      }
      if ((step.type === 'conv' || step.type === 'dense') && wanted.has(step.name)) {
        out[step.name] = flatten ? tf.reshape(x, [x.shape[0]!, -1]) : x;
      }
    }
    return out;
  }

  /**
   * Visits every feature layer's output (pre-ReLU, flattened to [batch, units]) in order, one at
   * a time, keeping only the current activation alive — for networks too large to hold all
   * layers' features at once (the paper-scale streaming decoder).
   */
  async eachLayer(images: tf.Tensor4D, visit: (layer: string, features: tf.Tensor2D) => Promise<void>): Promise<void> {
    let x: tf.Tensor = tf.tidy(() => tf.div(tf.sub(images, this.inputMean as number[]), this.inputSd as number[]));
    try {
      for (const step of this.steps) {
        const previous = x;
        x = tf.tidy(() => {
          switch (step.type) {
            case 'conv':
              return tf.add(tf.conv2d(previous as tf.Tensor4D, step.filter, 1, 'same'), step.bias);
            case 'dense':
              return tf.add(tf.matMul(previous as tf.Tensor2D, step.weight), step.bias);
            case 'relu':
              return tf.relu(previous);
            case 'maxpool':
              return tf.maxPool(previous as tf.Tensor4D, 2, 2, 'valid');
            case 'adaptiveavgpool':
              return adaptiveAvgPool(previous as tf.Tensor4D, step.size);
            case 'flatten':
              return tf.reshape(previous, [previous.shape[0]!, -1]);
          }
        });
        if (x !== previous) previous.dispose();
        if ((step.type === 'conv' || step.type === 'dense') && this.layerNames.includes(step.name)) {
          const flat = tf.reshape(x, [x.shape[0]!, -1]) as tf.Tensor2D;
          try {
            await visit(step.name, flat);
          } finally {
            flat.dispose();
          }
        }
      }
    } finally {
      x.dispose();
    }
  }

  dispose(): void {
    for (const step of this.steps) {
      if (step.type === 'conv') tf.dispose([step.filter, step.bias]);
      if (step.type === 'dense') tf.dispose([step.weight, step.bias]);
    }
  }
}

export interface ExtractOptions {
  readonly batchSize: number;
  readonly layers?: readonly string[];
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** Every layer's features (images × units) for all images, computed in batches. */
export async function extractFeatures(cnn: FeatureNetwork, images: ImageBatch, o: ExtractOptions): Promise<Record<string, Matrix>> {
  const layers = o.layers ?? cnn.layerNames;
  const units = Object.fromEntries(layers.map((l) => [l, cnn.layerShapes[l]!.reduce((a, b) => a * b, 1)]));
  const result = Object.fromEntries(layers.map((l) => [l, createMatrix(images.count, units[l]!)]));
  const pixels = images.height * images.width * CHANNELS;
  for (let start = 0; start < images.count; start += o.batchSize) {
    const n = Math.min(o.batchSize, images.count - start);
    const features = tf.tidy(() => {
      const batch = tf.tensor4d(images.data.subarray(start * pixels, (start + n) * pixels), [n, images.height, images.width, CHANNELS]);
      return cnn.forward(batch, layers);
    });
    for (const layer of layers) {
      const t = features[layer]!;
      result[layer]!.data.set(await t.data<'float32'>(), start * units[layer]!);
    }
    tf.dispose(Object.values(features));
    o.onProgress?.((start + n) / images.count, `features of ${start + n}/${images.count} images`);
  }
  return result;
}
