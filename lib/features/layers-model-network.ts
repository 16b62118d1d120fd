import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/data-error';
import type { FeatureNetwork } from './feature-network';

/**
 * How a model expects its [0, 1] RGB input: `caffe` (Keras VGG16/19, the lab's Caffe-converted
 * VGG19: BGR, 0–255, ImageNet mean pixel subtracted), `imagenet` (torchvision: RGB minus the
 * ImageNet mean, over its SD), `zero-one`, or `minus-one-one`.
 */
export type InputMode = 'caffe' | 'imagenet' | 'zero-one' | 'minus-one-one';

/** The ImageNet mean pixel (BGR, 0–255) that Caffe-trained VGG models subtract. */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
/** torchvision's ImageNet normalisation of RGB in [0, 1]. */
export const IMAGENET_MEAN_RGB = [0.485, 0.456, 0.406];
export const IMAGENET_SD_RGB = [0.229, 0.224, 0.225];

/** Layers whose outputs can serve as features: convolutions and dense layers. */
function isFeatureLayer(layer: tf.layers.Layer): boolean {
  return /conv|dense/i.test(layer.getClassName());
}

/**
 * A user-supplied Layers model as a feature network. Features are the layer outputs as the model
 * computes them; Keras layers with a fused ReLU give post-ReLU features (the paper used pre-ReLU:
 * convert with linear activations and separate ReLU layers to match it — docs/data-formats.md).
 */
export class LayersModelNetwork implements FeatureNetwork {
  readonly layerNames: string[];
  readonly layerShapes: Record<string, number[]>;
  readonly inputSize: number;
  private readonly submodels = new Map<string, tf.LayersModel>();

  constructor(
    readonly name: string,
    private readonly model: tf.LayersModel,
    private readonly mode: InputMode,
    layers: readonly string[] | undefined,
    imageSize: number,
  ) {
    const inputShape = model.inputs[0]!.shape;
    const [h, w, c] = [inputShape[1], inputShape[2], inputShape[3]];
    if (c !== 3) throw new DataError(name, `the model's input has ${c} channels; RGB (3) is needed`);
    if ((h !== null && h !== imageSize) || (w !== null && w !== imageSize)) {
      throw new DataError(name, `the model takes ${h}x${w} images but stimuli.imageSize is ${imageSize}; set stimuli.imageSize to ${h}`);
    }
    this.inputSize = imageSize;
    const available = model.layers.filter(isFeatureLayer).map((l) => l.name);
    const chosen = layers && layers.length > 0 ? [...layers] : available;
    for (const layer of chosen) {
      if (!model.layers.some((l) => l.name === layer)) throw new DataError(name, `no layer "${layer}" (feature layers: ${available.join(', ')})`);
    }
    this.layerNames = chosen;
    this.layerShapes = tf.tidy(() => {
      const out = this.forward(tf.zeros([1, imageSize, imageSize, 3]), chosen, false);
      return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.shape.slice(1)]));
    });
  }

  private submodel(layers: readonly string[]): tf.LayersModel {
    const key = layers.join('\u0000');
    let sub = this.submodels.get(key);
    if (!sub) {
      sub = tf.model({ inputs: this.model.inputs, outputs: layers.map((l) => this.model.getLayer(l).output as tf.SymbolicTensor) });
      this.submodels.set(key, sub);
    }
    return sub;
  }

  private prepare(images: tf.Tensor4D): tf.Tensor4D {
    switch (this.mode) {
      case 'caffe':
        return tf.sub(tf.reverse(tf.mul(images, 255), -1), CAFFE_MEAN_BGR) as tf.Tensor4D;
      case 'imagenet':
        return tf.div(tf.sub(images, IMAGENET_MEAN_RGB), IMAGENET_SD_RGB) as tf.Tensor4D;
      case 'zero-one':
        return images;
      case 'minus-one-one':
        return tf.sub(tf.mul(images, 2), 1) as tf.Tensor4D;
    }
  }

  forward(images: tf.Tensor4D, layers: readonly string[], flatten = true): Record<string, tf.Tensor> {
    for (const layer of layers) if (!this.layerNames.includes(layer)) throw new Error(`${this.name}: no feature layer "${layer}"`);
    const outputs = this.submodel(layers).apply(this.prepare(images)) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(outputs) ? outputs : [outputs];
    return Object.fromEntries(layers.map((l, i) => [l, flatten ? tf.reshape(list[i]!, [list[i]!.shape[0]!, -1]) : list[i]!]));
  }

  dispose(): void {
    this.model.dispose();
  }
}
