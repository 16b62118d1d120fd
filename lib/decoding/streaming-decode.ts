import * as tf from '@tensorflow/tfjs';
import type { Cnn } from '../features/cnn';
import { CHANNELS, type ImageBatch } from '../images/image-batch';
import { createMatrix, type Matrix } from '../linalg/matrix';

/**
 * Per-image decoding weights from a ridge projection M (test rows × training trials):
 * W[t, i] = Σ_{trials j of image i} M[t, j] + count_i / n. Since M's rows sum to zero for centred
 * voxels, prediction_t = Σ_j M[t, j] · y_j + mean(y) = Σ_i W[t, i] · features(image i): decoding
 * needs each training image's features once, never a per-trial copy.
 */
export function imageWeights(M: Matrix, trialImage: Int32Array, images: number): Matrix {
  if (trialImage.length !== M.cols) throw new Error(`imageWeights: ${trialImage.length} trial labels for ${M.cols} trials`);
  const W = createMatrix(M.rows, images);
  const n = M.cols;
  for (let t = 0; t < M.rows; t++) {
    for (let j = 0; j < n; j++) W.data[t * images + trialImage[j]!]! += M.data[t * n + j]! + 1 / n;
  }
  return W;
}

export interface StreamingDecodeOptions {
  readonly batchSize: number;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/**
 * Decoded features of every unit of every layer for the test rows, computed by streaming the
 * training images through the network once: each batch's features of each layer are multiplied
 * by their weights and added to the predictions, then dropped. Memory holds only the predictions
 * (test rows × all units) and one layer's activations of one batch — this is what makes decoding
 * all 14.9 M units of VGG19 possible on one machine.
 */
export async function decodeStreaming(net: Cnn, images: ImageBatch, W: Matrix, o: StreamingDecodeOptions): Promise<Record<string, Matrix>> {
  if (W.cols !== images.count) throw new Error(`decodeStreaming: weights for ${W.cols} images, got ${images.count}`);
  const out: Record<string, Matrix> = {};
  for (const layer of net.layerNames) out[layer] = createMatrix(W.rows, net.layerShapes[layer]!.reduce((a, b) => a * b, 1));
  const pixels = images.height * images.width * CHANNELS;
  for (let start = 0; start < images.count; start += o.batchSize) {
    const b = Math.min(o.batchSize, images.count - start);
    const weights = tf.tensor2d(Float32Array.from({ length: W.rows * b }, (_, k) => W.data[Math.floor(k / b) * W.cols + start + (k % b)]!), [W.rows, b]);
    const batch = tf.tensor4d(images.data.subarray(start * pixels, (start + b) * pixels), [b, images.height, images.width, CHANNELS]);
    try {
      await net.eachLayer(batch, async (layer, features) => {
        const product = tf.matMul(weights, features);
        const values = (await product.data()) as Float32Array;
        product.dispose();
        const target = out[layer]!.data;
        for (let k = 0; k < values.length; k++) target[k]! += values[k]!;
      });
    } finally {
      tf.dispose([weights, batch]);
    }
    o.onProgress?.((start + b) / images.count, `streamed ${start + b}/${images.count} images`);
  }
  return out;
}
