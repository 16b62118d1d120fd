/**
 * The float64 voxel-selection systems of a batch of units, gathered from the float32 centred Gram
 * matrix Gc (p × p row-major, lower triangle valid). For unit u with ascending voxels I (k of
 * them) and s = k + 1, the lower triangle of
 *   A_u = [ Gc_II + n m mᵀ + αI   n m   ]
 *         [ n mᵀ                  n + α ]
 * (m: the voxels' training means) is written at u·s² in `out` (s × s row-major; the upper triangle
 * is left as it was, the factorisation never reads it). Same arithmetic as fillExactSystem in
 * mixed-precision-solve.ts, so the systems are bit-identical to that route's.
 *
 * Why by Gram row rather than by unit: Gc is far larger than the caches and each unit touches
 * most of k of its rows, so a unit-by-unit gather streams ~k rows from memory per unit. Here the
 * rows are visited once per batch, in order, and each row serves every unit of the batch that
 * selected that voxel (batch·k/p of them on average) while it is in cache.
 */
export class SystemGatherer {
  private readonly bucketStart: Int32Array;
  private readonly entries: Int32Array;

  constructor(
    private readonly p: number,
    private readonly k: number,
    maxBatch: number,
  ) {
    this.bucketStart = new Int32Array(p + 1);
    this.entries = new Int32Array(maxBatch * k);
  }

  /**
   * voxels: count × k (each unit's ascending voxel indices); writes count systems into out.
   * Only the system rows of voxels in [from, to) are written, so threads given disjoint ranges
   * write disjoint parts of `out` (the corner n + α goes with from = 0).
   */
  gather(gram: Float32Array, voxels: Int32Array, count: number, mean: Float64Array, n: number, alpha: number, out: Float64Array, from = 0, to = this.p): void {
    const { p, k, bucketStart, entries } = this;
    const s = k + 1;
    const ss = s * s;
    // Counting sort of the (unit, position) pairs by voxel: bucket v lists who selected voxel v.
    bucketStart.fill(0);
    for (let e = 0; e < count * k; e++) bucketStart[voxels[e]! + 1]!++;
    for (let v = 0; v < p; v++) bucketStart[v + 1]! += bucketStart[v]!;
    const next = bucketStart.slice(0, p);
    for (let e = 0; e < count * k; e++) entries[next[voxels[e]!]!++] = e;
    for (let va = from; va < to; va++) {
      const first = bucketStart[va]!;
      const last = bucketStart[va + 1]!;
      if (first === last) continue;
      const ga = va * p;
      const ma = mean[va]!;
      const nma = n * ma;
      const diagonal = gram[ga + va]! + nma * ma + alpha;
      for (let i = first; i < last; i++) {
        const e = entries[i]!;
        const u = (e / k) | 0;
        const a = e - u * k;
        const base = u * k;
        const row = u * ss + a * s;
        // Ascending voxels: gram[va, vb] with vb ≤ va lies in the computed (lower) triangle.
        for (let b = 0; b < a; b++) {
          const vb = voxels[base + b]!;
          out[row + b] = gram[ga + vb]! + nma * mean[vb]!;
        }
        out[row + a] = diagonal;
        out[u * ss + k * s + a] = nma;
      }
    }
    if (from === 0) for (let u = 0; u < count; u++) out[u * ss + k * s + k] = n + alpha;
  }
}

/**
 * Boundaries splitting the voxels into `parts` ranges of about equal gather work. Row va of a
 * system has a entries, and a grows with va (voxels ascending), so the work up to row v grows
 * like v²: equal shares end at p·√(i/parts).
 */
export function balancedRowRanges(p: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, i) => (i === parts ? p : Math.round(p * Math.sqrt(i / parts))));
}
