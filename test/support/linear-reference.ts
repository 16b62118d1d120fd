import { createMatrix, type Matrix } from '../../lib/linalg/matrix';
import type { Random } from '../../lib/random';

/** Independent float64 references for the numeric tests: plain loops, no library. */

/** rows × cols of standard normal draws (plus `offset`). */
export function randomMatrix(rnd: Random, rows: number, cols: number, offset = 0): Matrix {
  return createMatrix(rows, cols, new Float32Array(rows * cols).map(() => offset + rnd.normal()));
}

/** Solves A x = b for every column of b by Gauss–Jordan elimination with partial pivoting (float64). */
export function gaussJordan(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  const A = a.map((r) => [...r]);
  const B = b.map((r) => [...r]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[pivot]![c]!)) pivot = r;
    [A[c], A[pivot]] = [A[pivot]!, A[c]!];
    [B[c], B[pivot]] = [B[pivot]!, B[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k < n; k++) A[r]![k]! -= f * A[c]![k]!;
      for (let k = 0; k < B[r]!.length; k++) B[r]![k]! -= f * B[c]![k]!;
    }
  }
  return B.map((row, r) => row.map((v) => v / A[r]![r]!));
}

/** Largest |P − R| relative to the largest |R|. */
export function maxRelativeDiff(P: Matrix, R: number[][]): number {
  let scale = 0;
  let diff = 0;
  R.forEach((row, t) =>
    row.forEach((r, u) => {
      scale = Math.max(scale, Math.abs(r));
      diff = Math.max(diff, Math.abs(P.data[t * P.cols + u]! - r));
    }),
  );
  return diff / scale;
}
