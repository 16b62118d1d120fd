import * as tf from '@tensorflow/tfjs';
import { registerWasmConvFilterGradient } from './wasm-conv-filter-gradient';
import { registerWasmConvInputGradient } from './wasm-conv-input-gradient';

/** Backends in order of preference; the first one that loads wins unless one is requested. */
export const BACKEND_PREFERENCE = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

/**
 * Environment variable that decides what `auto` means in this process and the worker processes it
 * starts (e.g. `DEEPRECON_BACKEND=wasm npm test` runs the suite on wasm although the native backend
 * is installed). An explicit backend (config `compute.backend`, `--backend`) still wins.
 */
export const BACKEND_ENV = 'DEEPRECON_BACKEND';

let chosen: BackendName | undefined;
let nativePackage: string | undefined;

function loadNative(): void {
  // TensorFlow's C++ logging prints info lines (CPU features) on stderr in every process that
  // loads it, unless the user set a level. Two lines logged before its logging starts (oneDNN)
  // ignore this and stay.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
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

/** What `auto` resolves to: the backend named by DEEPRECON_BACKEND, else every one in order. */
export function autoBackend(env: NodeJS.ProcessEnv = process.env): BackendName | 'auto' {
  const value = env[BACKEND_ENV]?.trim();
  if (!value || value === 'auto') return 'auto';
  const known: readonly string[] = BACKEND_PREFERENCE;
  if (!known.includes(value)) throw new Error(`${BACKEND_ENV}=${value} is not a backend; use auto or one of ${BACKEND_PREFERENCE.join(', ')}`);
  return value as BackendName;
}

/**
 * Whether the native 'tensorflow' backend can load here (tfjs-node built by `npm install`).
 * Loading it registers the backend but does not select it.
 */
export function nativeAvailable(): boolean {
  if (nativePackage) return true;
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // tfjs-node-gpu (CUDA) or tfjs-node register the 'tensorflow' backend on import; the GPU
      // build wins where both are installed. Built by `npm install` where it can be (docs/compute.md).
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
 * `requested` forces one backend (an error if it cannot load); `auto` (or nothing) takes
 * DEEPRECON_BACKEND when set, else the fastest available.
 */
export async function initBackend(requested?: BackendName | 'auto'): Promise<BackendName> {
  const wanted = !requested || requested === 'auto' ? autoBackend() : requested;
  if (chosen && (wanted === 'auto' || wanted === chosen)) return chosen;
  const candidates = wanted !== 'auto' ? [wanted] : BACKEND_PREFERENCE;
  for (const name of candidates) {
    if (await tryBackend(name)) {
      await tf.ready();
      chosen = name;
      return name;
    }
  }
  throw new Error(`initBackend: no usable tfjs backend among ${candidates.join(', ')}`);
}
