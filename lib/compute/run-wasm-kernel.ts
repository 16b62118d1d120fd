import * as tf from '@tensorflow/tfjs';

/**
 * Runs another registered wasm kernel directly from inside a kernel (the replacement gradient
 * kernels build on wasm's fast forward ones). The output belongs to the caller: dispose it with
 * `backend.disposeData` when it is an intermediate.
 */
export function runWasmKernel(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, backend: tf.KernelBackend): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
  const out = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`wasm ${name}: expected one output`);
  return out;
}
