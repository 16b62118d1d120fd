import type * as tf from '@tensorflow/tfjs';

/** The tensor's values in float64; the tensor is disposed. */
export function tensorValues(t: tf.Tensor): Float64Array {
  const values = Float64Array.from(t.dataSync());
  t.dispose();
  return values;
}
