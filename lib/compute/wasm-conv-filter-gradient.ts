import * as tf from '@tensorflow/tfjs';
import { runWasmKernel } from './run-wasm-kernel';

/**
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so gradients with respect to conv
 * weights (training generators) fail on wasm. This supplies it from kernels wasm does have.
 *
 * Forward: y[n,i,j,o] = Σ_{p,q,c} x[n, i·s + p − padTop, j·s + q − padLeft, c] · w[p,q,c,o], so
 * dW[p,q,c,o] = Σ_{n,i,j} x[n, p + i·s − padTop, q + j·s − padLeft, c] · dy[n,i,j,o]:
 * a stride-1 convolution of x as [C, H, W, N] (channels become the batch) with dy as the filter
 * [H', W', N, O], dilated by the forward stride, giving [C, kh, kw, O] → transposed to [kh, kw, C, O].
 */

const BACKEND = 'wasm';

type Conv2DBackpropFilterAttrs = tf.Conv2DBackpropFilterAttrs;

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: {}; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as tf.KernelBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inChannels, outChannels] = filterShape;
  const [, height, width] = x.shape as [number, number, number, number];
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
  const { top, left } = info.padInfo;
  // Trailing padding so the dilated correlation yields at least kh × kw positions; when the
  // forward pass dropped trailing input rows (e.g. 'valid' with stride 2) the extra output is cropped.
  const bottom = Math.max(0, kh - 1 + (outHeight - 1) * info.strideHeight - (height - 1) - top);
  const right = Math.max(0, kw - 1 + (outWidth - 1) * info.strideWidth - (width - 1) - left);

  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => (temps.push(t), t);
  try {
    const xT = keep(runWasmKernel(tf.Transpose, { x }, { perm: [3, 1, 2, 0] }, wasm));
    const dyT = keep(runWasmKernel(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] }, wasm));
    const corr = keep(
      runWasmKernel(
        tf.Conv2D,
        { x: xT, filter: dyT },
        {
          strides: [1, 1],
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dataFormat: 'NHWC',
          dilations: [info.strideHeight, info.strideWidth],
        },
        wasm,
      ),
    );
    const [, corrH, corrW] = corr.shape as [number, number, number, number];
    const cropped =
      corrH === kh && corrW === kw
        ? corr
        : keep(runWasmKernel(tf.Slice, { x: corr }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] }, wasm));
    return runWasmKernel(tf.Transpose, { x: cropped }, { perm: [1, 2, 0, 3] }, wasm);
  } finally {
    for (const t of temps) wasm.disposeData(t.dataId);
  }
}

/**
 * Registers the wasm Conv2DBackpropFilter kernel; a no-op when one is already registered
 * (a second call, or a future tfjs-backend-wasm that ships its own).
 */
export function registerWasmConvFilterGradient(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, BACKEND)) return;
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: BACKEND, kernelFunc: conv2dBackpropFilter as tf.KernelFunc });
}
