import * as tf from '@tensorflow/tfjs';

/** Backends in order of preference; the first one that loads wins unless one is requested. */
export const BACKEND_PREFERENCE = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_PREFERENCE)[number];

let chosen: BackendName | undefined;

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // tfjs-node registers the 'tensorflow' backend on import; absent unless built (see docs/compute.md).
      require('@tensorflow/tfjs-node');
    } else if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
    }
    return await tf.setBackend(name);
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
