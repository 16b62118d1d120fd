import type { NetworkSettings } from '../features/networks';

/** Which part a network plays: decoded and optimised (`features`), or only scoring (`evaluation`). */
export type NetworkRole = 'features' | 'evaluation';

/** What the report prints about a network, so a reader can tell the two apart. */
export interface NetworkProvenance {
  readonly role: NetworkRole;
  /** `vgg-mini`, or the model folder (TensorFlow.js) or weights file (PyTorch, safetensors) of a user network. */
  readonly name: string;
  /** Seed of the built-in network's weights. */
  readonly seed?: number;
  readonly weights: string;
}

export function networkProvenance(role: NetworkRole, settings: NetworkSettings): NetworkProvenance {
  if (settings.network === 'vgg-mini') return { role, name: 'vgg-mini', seed: settings.seed, weights: 'random He-normal weights' };
  const kind = settings.network === 'torch-vgg19' ? 'VGG19-layout weights from a PyTorch or safetensors file' : 'TensorFlow.js model weights';
  return { role, name: settings.modelPath ?? '(no model file)', weights: `${kind}, input mode ${settings.inputMode ?? 'caffe'}` };
}

/**
 * True when two settings give the same network: the built-in one with the same seed, or the same
 * model folder. Feature identification in the network that was decoded and optimised scores the
 * optimiser's own objective, so such a config is refused.
 */
export function sameNetwork(a: NetworkSettings, b: NetworkSettings): boolean {
  if (a.network !== b.network) return false;
  if (a.network === 'vgg-mini') return a.seed === b.seed;
  const folder = (p: string | undefined) => (p ?? '').replace(/[\\/]+$/, '');
  return folder(a.modelPath) === folder(b.modelPath);
}

/** The config problem, worded for the user. */
export function sameNetworkMessage(features: NetworkSettings): string {
  const which = features.network === 'vgg-mini' ? `vgg-mini with seed ${features.seed}` : `the model in ${features.modelPath}`;
  return `evaluate.network is the network that is decoded and optimised (features: ${which}); feature-identification must use another one (e.g. vgg-mini with another seed; the default is seed 1001)`;
}
