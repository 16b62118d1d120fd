import { describe, expect, it } from 'vitest';
import { type UnitChunk, UnitSelector, type VoxelStats } from '../../lib/decoding/unit-selection';
import { Random } from '../../lib/random';

const N = 50;
const P = 6;
const K = 3;

/** One unit y and six voxels whose exact |r| to y are known, with voxels 2 and 3 almost tied. */
function problem(): { stats: VoxelStats; y: Float64Array; exactR: number[]; products: Float64Array } {
  const rnd = new Random(3);
  const y = Float64Array.from({ length: N }, () => rnd.normal());
  const noise = Array.from({ length: P }, () => Float64Array.from({ length: N }, () => rnd.normal()));
  // Voxel v = y·w_v + its own noise; voxels 2 and 3 share their noise, so their |r| differ only through w.
  const w = [3, 2, 1, 1 + 2e-6, 0.5, 0.1];
  noise[3] = noise[2]!;
  const X = new Float32Array(N * P);
  for (let i = 0; i < N; i++) for (let v = 0; v < P; v++) X[i * P + v] = w[v]! * y[i]! + noise[v]![i]!;
  const stats = columnStats(X);
  const my = y.reduce((s, v) => s + v, 0) / N;
  const yc = y.map((v) => v - my);
  const sy = Math.sqrt(yc.reduce((s, v) => s + v * v, 0) / (N - 1));
  const products = Float64Array.from({ length: P }, (_, v) => {
    let s = 0;
    for (let i = 0; i < N; i++) s += (stats.xt[v * N + i]! - stats.mean[v]!) * yc[i]!;
    return s;
  });
  const exactR = Array.from(products, (s, v) => Math.abs(s / ((N - 1) * stats.sd[v]! * sy)));
  return { stats, y: Float64Array.from(y), exactR, products };
}

function columnStats(X: Float32Array): VoxelStats {
  const xt = new Float32Array(P * N);
  const mean = new Float64Array(P);
  const sd = new Float64Array(P);
  for (let v = 0; v < P; v++) {
    for (let i = 0; i < N; i++) xt[v * N + i] = X[i * P + v]!;
    for (let i = 0; i < N; i++) mean[v]! += xt[v * N + i]! / N;
    let ss = 0;
    for (let i = 0; i < N; i++) ss += (xt[v * N + i]! - mean[v]!) ** 2;
    sd[v] = Math.sqrt(ss / (N - 1));
  }
  return { xt, mean, sd, constant: new Uint8Array(P) };
}

/** The chunk of the one unit, with its float32 products `zc` as given (they may carry error). */
function chunkOf(y: Float64Array, zc: Float32Array): UnitChunk {
  const my = y.reduce((s, v) => s + v, 0) / N;
  const centred = y.map((v) => v - my);
  const sd = Math.sqrt(centred.reduce((s, v) => s + v * v, 0) / (N - 1));
  return { zc, mean: Float64Array.of(my), sd: Float64Array.of(sd), centred };
}

function select(stats: VoxelStats, chunk: UnitChunk): { voxels: number[]; rhs: number[] } {
  const voxels = new Int32Array(K);
  const rhs = new Float64Array(K + 1);
  new UnitSelector(N, P, K).select(stats, chunk, 0, voxels, 0, rhs, 0);
  return { voxels: Array.from(voxels), rhs: Array.from(rhs) };
}

describe('UnitSelector', () => {
  it('resolves a near-tie at the boundary by the exact float64 correlation, not the float32 product', () => {
    const { stats, y, exactR, products } = problem();
    // Voxel 3 correlates a little more than voxel 2: the exact top three are 0, 1, 3.
    expect(exactR[3]! - exactR[2]!).toBeGreaterThan(0);
    expect(exactR[3]! - exactR[2]!).toBeLessThan(UnitSelector.band(N) / 4);
    const byExact = [...exactR.keys()].sort((a, b) => exactR[b]! - exactR[a]!).slice(0, K).sort();
    expect(byExact).toEqual([0, 1, 3]);
    // A float32 product that errs, within the band, in favour of voxel 2.
    const gap = (exactR[3]! - exactR[2]!) / exactR[3]!;
    const zc = Float32Array.from(products, (s, v) => (v === 2 ? s * (1 + 3 * gap) : s));
    const keysFromZc = Array.from(zc, (s, v) => Math.abs(s) / (Math.abs(products[v]!) / exactR[v]!));
    expect(keysFromZc[2]!).toBeGreaterThan(keysFromZc[3]!);
    expect(select(stats, chunkOf(y, zc)).voxels).toEqual(byExact);
  });

  it('keeps the float32 ranking outside the band, and writes the right-hand side [Zc_I + n m ȳ, n ȳ]', () => {
    const { stats, y, products } = problem();
    // Voxel 4 lifted far above the band: it is selected without a float64 re-check.
    const zc = Float32Array.from(products, (s, v) => (v === 4 ? 40 * s : s));
    const chunk = chunkOf(y, zc);
    const { voxels, rhs } = select(stats, chunk);
    expect(voxels).toEqual([0, 1, 4]);
    const my = chunk.mean[0]!;
    voxels.forEach((v, a) => expect(rhs[a]).toBe(zc[v]! + N * stats.mean[v]! * my));
    expect(rhs[K]).toBe(N * my);
  });
});
