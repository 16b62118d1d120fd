/**
 * Per-unit voxel selection of the voxel-selection decoder: the k voxels with the largest |Pearson r|
 * to the unit, as FastL2LiR chooses them, and the unit's right-hand side.
 *
 * Everything the selection reads is passed in plain typed arrays, and the class uses nothing from
 * outside its own body: background-systems.ts evaluates its source in worker threads, so the
 * selection there is the very same code, and bit-identical, as on the main thread.
 */

/** Training statistics of the voxels, shared by every unit. */
export interface VoxelStats {
  /** X transposed (p × n, voxel-major), so one voxel's trials are contiguous. */
  readonly xt: Float32Array;
  readonly mean: Float64Array;
  /** Sample SD (ddof 1). */
  readonly sd: Float64Array;
  /** 1 for FastL2LiR's zero-variance voxels, whose correlations count as 0. */
  readonly constant: Uint8Array;
}

/** One chunk of units: its correlation products and its units' statistics. */
export interface UnitChunk {
  /** Zc = Ycᵀ Xc (width × p, float32) on training-mean-centred data. */
  readonly zc: Float32Array;
  readonly mean: Float64Array;
  readonly sd: Float64Array;
  /** The units' centred training values in float64 (width × n), for the exact re-ranking. */
  readonly centred: Float64Array;
}

export class UnitSelector {
  private readonly order: Int32Array;
  private readonly keys: Float64Array;

  constructor(
    private readonly n: number,
    private readonly p: number,
    private readonly k: number,
  ) {
    this.order = new Int32Array(p);
    this.keys = new Float64Array(p);
  }

  /**
   * Selects unit j of the chunk: writes its k voxels, ascending, at voxels[voxelsAt …] and its
   * right-hand side [Zc_jI + n m ȳ, n ȳ] (k + 1 values) at rhs[rhsAt …].
   */
  select(x: VoxelStats, chunk: UnitChunk, j: number, voxels: Int32Array, voxelsAt: number, rhs: Float64Array, rhsAt: number): void {
    const { n, p, k, order, keys } = this;
    const my = chunk.mean[j]!;
    const sy = chunk.sd[j]!;
    const scale = 1 / ((n - 1) * sy);
    const zBase = j * p;
    const zc = chunk.zc;
    for (let v = 0; v < p; v++) {
      order[v] = v;
      // Zero-variance voxels get r = 0 like FastL2LiR; a constant unit gets r = 0 everywhere.
      const r = x.constant[v] ? 0 : (zc[zBase + v]! * scale) / x.sd[v]!;
      keys[v] = Number.isFinite(r) ? Math.abs(r) : 0;
    }
    UnitSelector.selectLargest(keys, order, k);
    if (k < p) this.refineBoundary(x, chunk.centred, j * n, sy);
    const sel = voxels.subarray(voxelsAt, voxelsAt + k);
    sel.set(order.subarray(0, k));
    sel.sort();
    for (let a = 0; a < k; a++) {
      const va = sel[a]!;
      rhs[rhsAt + a] = zc[zBase + va]! + n * x.mean[va]! * my;
    }
    rhs[rhsAt + k] = n * my;
  }

  /**
   * Half-width of the |r| band around the k-th largest within which float32 correlations may rank
   * voxels differently from float64 ones. A float32 inner product of n terms errs by at most about
   * λ·√n·u relative to ‖x‖‖y‖ with probability 1 − 2exp(−λ²(1−u)²/2) (Higham & Mary 2019), and
   * |r| is exactly that normalised product: λ = 16 leaves no practical chance of a miss. Measured
   * with TensorFlow's float32 product: at most 4.7e-7 (n 1,200) and 2.3e-7 (n 6,000), against a
   * band of 3.3e-5 and 7.4e-5. Each voxel in the band costs an exact 2n-flop correlation.
   */
  static band(n: number): number {
    return 16 * 2 ** -24 * Math.sqrt(n);
  }

  /** Reorders `order` so that its first k entries index the k largest keys (quickselect, O(p)). */
  static selectLargest(keys: Float64Array, order: Int32Array, k: number): void {
    let lo = 0;
    let hi = order.length - 1;
    while (lo < hi) {
      const pivot = keys[order[(lo + hi) >>> 1]!]!;
      let i = lo;
      let j = hi;
      while (i <= j) {
        while (keys[order[i]!]! > pivot) i++;
        while (keys[order[j]!]! < pivot) j--;
        if (i <= j) {
          const t = order[i]!;
          order[i++] = order[j]!;
          order[j--] = t;
        }
      }
      if (k - 1 <= j) hi = j;
      else if (k - 1 >= i) lo = i;
      else return;
    }
  }

  /**
   * Re-ranks, by float64 |r|, the voxels whose float32 |r| lies within the band of the selection
   * boundary, so near-ties are resolved as FastL2LiR (float64 throughout) resolves them.
   */
  private refineBoundary(x: VoxelStats, centred: Float64Array, yAt: number, sy: number): void {
    const { n, p, k, order, keys } = this;
    const band = UnitSelector.band(n);
    let kth = Infinity;
    for (let i = 0; i < k; i++) kth = Math.min(kth, keys[order[i]!]!);
    let runnerUp = -Infinity;
    for (let i = k; i < p; i++) runnerUp = Math.max(runnerUp, keys[order[i]!]!);
    if (kth - runnerUp > band) return;
    // Positions in `order` whose voxel might belong on the other side: selected ones first.
    const positions: number[] = [];
    let selectedInBand = 0;
    for (let i = 0; i < p; i++) {
      const key = keys[order[i]!]!;
      if (i < k ? key <= runnerUp + band : key >= kth - band) {
        positions.push(i);
        if (i < k) selectedInBand++;
      }
    }
    if (selectedInBand === 0 || selectedInBand === positions.length) return;
    const candidates = positions.map((i) => {
      const v = order[i]!;
      return { voxel: v, key: UnitSelector.exactAbsCorrelation(x, n, v, centred, yAt, sy) };
    });
    candidates.sort((a, b) => b.key - a.key || a.voxel - b.voxel);
    positions.forEach((i, rank) => (order[i] = candidates[rank]!.voxel));
  }

  /** |r| between voxel v and the unit whose centred values start at centred[yAt], accumulated in float64. */
  private static exactAbsCorrelation(x: VoxelStats, n: number, v: number, centred: Float64Array, yAt: number, sy: number): number {
    if (x.constant[v]) return 0;
    const mx = x.mean[v]!;
    const base = v * n;
    const xt = x.xt;
    let s = 0;
    for (let i = 0; i < n; i++) s += (xt[base + i]! - mx) * centred[yAt + i]!;
    const r = Math.abs(s / ((n - 1) * x.sd[v]! * sy));
    return Number.isFinite(r) ? r : 0;
  }
}
