/** Field weights below this fraction of a voxel's peak are dropped: < 0.1 % of its mass is lost. */
const TRUNCATE = 1e-3;

/**
 * RF_v * ([p]₊ + w_v·[−p]₊), p = Σ_c b_vc · C_c, for every image and voxel: each voxel pools
 * half-wave rectified subunits tuned to its colour direction and, with weight w_v, to the
 * opposite one (a voxel holds cells of both polarities). The rectification comes before pooling, so this cannot be one matrix
 * product; fields are truncated to their support (a V1 field covers ~40 of 1,024 pixels at 32 px),
 * which makes the direct sum cheaper than dense per-voxel maps.
 *
 * `opponent` is [N, h, w, 3] (NHWC, row-major), `fields` cells × voxels (columns sum to 1, as
 * `gaussianFields` returns), `weights` voxels × 3, `opposite` the w_v. Returns N × voxels, row-major.
 */
export function rectifiedColourTerm(opponent: Float32Array, count: number, cells: number, fields: Float32Array, weights: Float32Array, opposite: Float32Array): Float32Array {
  const voxels = weights.length / 3;
  const out = new Float32Array(count * voxels);
  for (let v = 0; v < voxels; v++) {
    let peak = 0;
    for (let p = 0; p < cells; p++) peak = Math.max(peak, fields[p * voxels + v]!);
    const support: number[] = [];
    const mass: number[] = [];
    for (let p = 0; p < cells; p++) {
      const w = fields[p * voxels + v]!;
      if (w >= TRUNCATE * peak) {
        support.push(p * 3);
        mass.push(w);
      }
    }
    const [b0, b1, b2] = [weights[v * 3]!, weights[v * 3 + 1]!, weights[v * 3 + 2]!];
    const w = opposite[v]!;
    for (let n = 0; n < count; n++) {
      const base = n * cells * 3;
      let sum = 0;
      for (let k = 0; k < support.length; k++) {
        const i = base + support[k]!;
        const drive = b0 * opponent[i]! + b1 * opponent[i + 1]! + b2 * opponent[i + 2]!;
        sum += mass[k]! * (drive > 0 ? drive : -w * drive);
      }
      out[n * voxels + v] = sum;
    }
  }
  return out;
}
