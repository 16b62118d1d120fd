import * as tf from '@tensorflow/tfjs';

/** PyTorch's adaptive pooling bins: output i averages inputs floor(i·n/m) … ceil((i+1)·n/m) − 1. */
function binMatrix(n: number, m: number): tf.Tensor2D {
  const weights = new Float32Array(n * m);
  for (let i = 0; i < m; i++) {
    const start = Math.floor((i * n) / m);
    const end = Math.ceil(((i + 1) * n) / m);
    for (let j = start; j < end; j++) weights[j * m + i] = 1 / (end - start);
  }
  return tf.tensor2d(weights, [n, m]);
}

/**
 * `nn.AdaptiveAvgPool2d(size)` on NHWC input [N, H, W, C] → [N, size, size, C]. VGG19 pools its
 * last block to 7×7 before fc6: the identity at 224 px, an average or a replication at other
 * sizes. Written as two matrix products so gradients flow to the image during reconstruction.
 */
export function adaptiveAvgPool(x: tf.Tensor4D, size: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h === size && w === size) return x;
  return tf.tidy(() => {
    const alongH = tf.matMul(tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [n * w * c, h]), binMatrix(h, size));
    const alongW = tf.matMul(tf.reshape(tf.transpose(tf.reshape(alongH, [n, w, c, size]), [0, 3, 2, 1]), [n * size * c, w]), binMatrix(w, size));
    return tf.transpose(tf.reshape(alongW, [n, size, c, size]), [0, 1, 3, 2]);
  });
}
