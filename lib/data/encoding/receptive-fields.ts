import * as tf from '@tensorflow/tfjs';

/** A regular grid of feature-map cells over the image: `cell` image pixels per cell side. */
export interface Grid {
  readonly height: number;
  readonly width: number;
  readonly cell: number;
}

/**
 * Gaussian population receptive fields sampled on a grid, as a cells × voxels matrix (row-major,
 * each column summing to 1) so that pooling every voxel is one matrix product. Centres and SDs
 * are in image pixels; a coarse cell blurs the field by its own width, added in quadrature.
 */
export function gaussianFields(grid: Grid, cx: Float32Array, cy: Float32Array, sd: Float32Array): Float32Array {
  const voxels = cx.length;
  const cells = grid.height * grid.width;
  const fields = new Float32Array(cells * voxels);
  for (let v = 0; v < voxels; v++) {
    const s2 = sd[v]! ** 2 + (grid.cell / 2) ** 2;
    let sum = 0;
    for (let y = 0; y < grid.height; y++) {
      for (let x = 0; x < grid.width; x++) {
        const d2 = ((x + 0.5) * grid.cell - cx[v]!) ** 2 + ((y + 0.5) * grid.cell - cy[v]!) ** 2;
        const w = Math.exp(-d2 / (2 * s2));
        fields[(y * grid.width + x) * voxels + v] = w;
        sum += w;
      }
    }
    for (let p = 0; p < cells; p++) fields[p * voxels + v]! /= sum;
  }
  return fields;
}

/** RF-pools every channel of maps [N, h, w, k] for every voxel ([N, k, voxels]) as one matrix product with the fields. */
export function poolChannels(maps: tf.Tensor4D, fields: tf.Tensor2D): tf.Tensor3D {
  const [n, h, w, k] = maps.shape;
  const voxels = fields.shape[1];
  return tf.matMul(maps.transpose([0, 3, 1, 2]).reshape([n * k, h * w]), fields).reshape([n, k, voxels]);
}
