import { type BackendName, initBackend, nativeAvailable } from '../../lib/compute/backend';

/**
 * The backend a run would pick here, for tests that are not about one backend: native
 * TensorFlow where `npm install` built it, else wasm; DEEPRECON_BACKEND=wasm (npm run test:wasm)
 * runs them on wasm instead, so the suite passes on either.
 */
export function suiteBackend(): Promise<BackendName> {
  return initBackend('auto');
}

/** Backends whose numbers are compared: cpu (plain JavaScript, the reference) and wasm always, tensorflow where built. */
export function comparedBackends(): BackendName[] {
  return nativeAvailable() ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];
}
