/**
 * Shape of the conditional GAN (StackGAN stage-I layout, Zhang et al. 2017, as Yu et al. 2020
 * most plausibly used it with the voxel vector in place of the sentence embedding).
 */
export interface CganConfig {
  /** Length of the condition vector: the number of voxels. */
  readonly conditionDim: number;
  /** Dimensions of c (conditioning augmentation) and of the discriminator's condition embedding. */
  readonly embeddingDim: number;
  /** Dimensions of the noise z. */
  readonly noiseDim: number;
  /** Square image side: a multiple of 8 from 16 to 64. */
  readonly outputSize: number;
  /** Channels after the generator's last upsampling block; each earlier block has twice as many. */
  readonly generatorChannels: number;
  /** Channels of the discriminator's first downsampling conv; each later one has twice as many. */
  readonly discriminatorChannels: number;
}

/**
 * StackGAN: c 128, z 100, 64×64, generator 1024 channels at 4×4 halving to 64, discriminator 64
 * doubling to 512. Here the project's 32×32 and far fewer channels (generator 64 at 4×4 → 8 at
 * 32×32; discriminator 16 → 64), so the default data train in a few minutes on 2 wasm cores:
 * with 16 generator channels a step measured 1.3–1.9 s, with 8 0.9–1.2 s (batch 64, loaded machine).
 */
export const CGAN_CONFIG_DEFAULTS = {
  embeddingDim: 128,
  noiseDim: 100,
  outputSize: 32,
  generatorChannels: 8,
  discriminatorChannels: 16,
} as const;

export interface SpatialPlan {
  /** Side of the smallest feature map (4 for 16, 32 and 64; 6 for 24 and 48; 5 for 40; 7 for 56). */
  readonly baseSize: number;
  /** Upsampling blocks of the generator = stride-2 convs of the discriminator. */
  readonly blocks: number;
}

/**
 * The generator starts at baseSize × baseSize and doubles `blocks` times; the discriminator halves
 * back down. blocks is the most halvings that keep an integer side of at least 4, so 64 → 4 blocks
 * from 4×4, as in StackGAN stage-I.
 */
export function spatialPlan(outputSize: number): SpatialPlan {
  if (!Number.isInteger(outputSize) || outputSize % 8 !== 0 || outputSize < 16 || outputSize > 64) {
    throw new Error(`cgan: outputSize must be a multiple of 8 from 16 to 64, got ${outputSize}`);
  }
  let baseSize = outputSize;
  let blocks = 0;
  while (baseSize % 2 === 0 && baseSize / 2 >= 4) {
    baseSize /= 2;
    blocks++;
  }
  return { baseSize, blocks };
}

export function validateCganConfig(c: CganConfig): void {
  spatialPlan(c.outputSize);
  for (const key of ['conditionDim', 'embeddingDim', 'noiseDim', 'generatorChannels', 'discriminatorChannels'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`cgan: ${key} must be a positive integer, got ${c[key]}`);
  }
}
