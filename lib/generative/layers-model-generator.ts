import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/data-error';
import type { FolderPolicy } from '../data/inside-folder';
import { loadModelFolder } from '../features/model-folder';
import type { ImageGenerator } from './image-generator';

/**
 * A user-supplied generator (a TensorFlow.js Layers model: latent vector → RGB image), e.g. a
 * converted deep generator network. `outputRange` says how its output maps to [0, 1].
 */
export class LayersModelGenerator implements ImageGenerator {
  readonly imageSize: number;
  readonly latentSize: number;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly outputRange: 'zero-one' | 'minus-one-one',
    source: string,
    readonly latentUpperBound?: Float32Array,
  ) {
    const input = model.inputs[0]!.shape;
    const output = model.outputs[0]!.shape;
    if (input.length !== 2 || input[1] === null) throw new DataError(source, `the generator's input must be a latent vector [batch, n], got [${input.join(', ')}]`);
    if (output.length !== 4 || output[3] !== 3 || output[1] === null || output[1] !== output[2]) {
      throw new DataError(source, `the generator's output must be square RGB images [batch, s, s, 3], got [${output.join(', ')}]`);
    }
    this.latentSize = input[1]!;
    this.imageSize = output[1]!;
    if (latentUpperBound && latentUpperBound.length !== this.latentSize) {
      throw new DataError(source, `upper bound has ${latentUpperBound.length} values, the latent ${this.latentSize}`);
    }
  }

  generate(latents: tf.Tensor2D): tf.Tensor4D {
    const images = this.model.apply(latents) as tf.Tensor4D;
    return this.outputRange === 'zero-one' ? images : (tf.div(tf.add(images, 1), 2) as tf.Tensor4D);
  }

  dispose(): void {
    this.model.dispose();
  }
}

export async function loadGeneratorFolder(dir: string, outputRange: 'zero-one' | 'minus-one-one', upperBound?: number, policy: FolderPolicy = {}): Promise<LayersModelGenerator> {
  const model = await loadModelFolder(dir, policy);
  const latent = model.inputs[0]!.shape[1];
  const bound = upperBound !== undefined && typeof latent === 'number' ? new Float32Array(latent).fill(upperBound) : undefined;
  return new LayersModelGenerator(model, outputRange, dir, bound);
}
