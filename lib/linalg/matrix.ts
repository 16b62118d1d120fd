/** A dense row-major float32 matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Creates a matrix, zero-filled unless `data` is given (it must hold rows * cols values). */
export function createMatrix(rows: number, cols: number, data?: Float32Array): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`createMatrix: shape must be non-negative integers, got ${rows}x${cols}`);
  }
  const values = data ?? new Float32Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new Error(`createMatrix: ${rows}x${cols} needs ${rows * cols} values, got ${values.length}`);
  }
  return { rows, cols, data: values };
}

/** Copies the listed rows, in order, into a new matrix. */
export function selectRows(m: Matrix, rowIndices: readonly number[]): Matrix {
  const out = new Float32Array(rowIndices.length * m.cols);
  rowIndices.forEach((r, k) => {
    if (r < 0 || r >= m.rows) throw new Error(`selectRows: row ${r} outside 0..${m.rows - 1}`);
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols);
  });
  return createMatrix(rowIndices.length, m.cols, out);
}

/** Copies the listed columns, in order, into a new matrix. */
export function selectColumns(m: Matrix, colIndices: readonly number[]): Matrix {
  const out = new Float32Array(m.rows * colIndices.length);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    for (let k = 0; k < colIndices.length; k++) out[i * colIndices.length + k] = m.data[base + colIndices[k]!]!;
  }
  return createMatrix(m.rows, colIndices.length, out);
}

/** Row i as a view (no copy). */
export function rowView(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The arrays one after another in one new array (row blocks of matrices with the same columns stack). */
export function concatenated(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The mean of every column, accumulated in float64. */
export function columnMeans(m: Matrix): Float64Array {
  const means = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    for (let j = 0; j < m.cols; j++) means[j]! += m.data[base + j]!;
  }
  for (let j = 0; j < m.cols; j++) means[j]! /= m.rows;
  return means;
}
