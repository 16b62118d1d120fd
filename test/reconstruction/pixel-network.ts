import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../../lib/features/feature-network';
import { CHANNELS } from '../../lib/images/image-batch';

/**
 * A real (not mocked) feature network whose single layer `pixels` is the image itself, flattened
 * NHWC: the iCNN loss becomes ‖x − t‖², a quadratic with a closed-form gradient and minimiser, so
 * the optimisers can be checked against independent references.
 */
export function pixelNetwork(size: number): FeatureNetwork {
  return {
    name: 'pixels',
    inputSize: size,
    layerNames: ['pixels'],
    layerShapes: { pixels: [size, size, CHANNELS] },
    forward: (images, layers) => {
      for (const layer of layers) if (layer !== 'pixels') throw new Error(`pixels: no layer "${layer}"`);
      return { pixels: tf.reshape(images, [images.shape[0], size * size * CHANNELS]) };
    },
    dispose: () => undefined,
  };
}
