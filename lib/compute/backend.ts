import * as tf from '@tensorflow/tfjs';
import { registerWasmConvFilterGradient } from './wasm-conv-filter-gradient';
import { registerWasmConvInputGradient } from './wasm-conv-input-gradient';

/** Backends in order of preference; the first one that loads wins unless one is requested. */
export const BACKEND_PREFERENCE = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

let chosen: BackendName | undefined;
let nativePackage: string | undefined;

function loadNative(): void {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(name);
      nativePackage = name;
      return;
    } catch {
      // Not installed (or its native library does not load): try the next one.
    }
  }
  throw new Error('no native TensorFlow package');
}

/** The chosen backend as people know it: "tensorflow (tfjs-node-gpu)", "wasm", … */
export function backendDescription(): string {
  return chosen === 'tensorflow' && nativePackage ? `tensorflow (${nativePackage.replace('@tensorflow/', '')})` : (chosen ?? 'none');
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // tfjs-node-gpu (CUDA) or tfjs-node register the 'tensorflow' backend on import; the GPU
      // build wins where both are installed. Absent unless installed or built (docs/compute.md).
      loadNative();
    } else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
    }
    const ok = await tf.setBackend(name);
    // wasm lacks the conv weight-gradient kernel that training needs, and its input-gradient
    // kernel is a slow loop; both are supplied from its fast forward convolution.
    if (ok && name === 'wasm') {
      registerWasmConvFilterGradient();
      registerWasmConvInputGradient();
    }
    return ok;
  } catch {
    return false;
  }
}

/**
 * Selects the tfjs backend once per process and returns its name.
 * `requested` forces one backend (an error if it cannot load); otherwise the fastest available.
 */
export async function initBackend(requested?: BackendName | 'auto'): Promise<BackendName> {
  if (chosen && (!requested || requested === 'auto' || requested === chosen)) return chosen;
  const candidates = requested && requested !== 'auto' ? [requested] : BACKEND_PREFERENCE;
  for (const name of candidates) {
    if (await tryBackend(name)) {
      await tf.ready();
      chosen = name;
      return name;
    }
  }
  throw new Error(`initBackend: no usable tfjs backend among ${candidates.join(', ')}`);
}
