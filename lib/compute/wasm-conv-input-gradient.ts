import * as tf from '@tensorflow/tfjs';
import { runWasmKernel } from './run-wasm-kernel';

/**
 * tfjs-backend-wasm's Conv2DBackpropInput is a plain loop, 8–9× slower than its XNNPACK Conv2D,
 * and every reconstruction step runs it through each conv layer. For stride 1 (all VGG
 * convolutions) the input gradient is itself a convolution: dy, padded by k − 1 − top before
 * (and what makes the output H long after), correlated with the filter flipped in space and with
 * its in/out channels swapped. Other cases go to the original kernel.
 */

const BACKEND = 'wasm';

let original: tf.KernelConfig | undefined;

function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = args.backend as tf.KernelBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  const fallback = () => original!.kernelFunc(args) as tf.TensorInfo;
  if (dataFormat !== 'NHWC' || sh !== 1 || sw !== 1) return fallback();
  const filterShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, 1, 1, pad, dimRoundingMode);
  const [kh, kw] = filterShape;
  const [, height, width] = inputShape;
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = height + kh - 1 - top - outH;
  const right = width + kw - 1 - left - outW;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return fallback();
  const temps: tf.TensorInfo[] = [];
  try {
    const reversed = runWasmKernel(tf.Reverse, { x: filter }, { dims: [0, 1] }, wasm);
    temps.push(reversed);
    const flipped = runWasmKernel(tf.Transpose, { x: reversed }, { perm: [0, 1, 3, 2] }, wasm);
    temps.push(flipped);
    return runWasmKernel(
      tf.Conv2D,
      { x: dy, filter: flipped },
      { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] },
      wasm,
    );
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
}

/** Replaces the wasm Conv2DBackpropInput kernel once per process (later calls are no-ops). */
export function registerWasmConvInputGradient(): void {
  if (original) return;
  const current = tf.getKernel(tf.Conv2DBackpropInput, BACKEND);
  if (!current) return;
  original = current;
  tf.unregisterKernel(tf.Conv2DBackpropInput, BACKEND);
  tf.registerKernel({ kernelName: tf.Conv2DBackpropInput, backendName: BACKEND, kernelFunc: conv2dBackpropInput as tf.KernelFunc });
}
