import * as tf from '@tensorflow/tfjs';

/**
 * Raw TensorFlow ops on the native (tfjs-node) backend, with float64 tensors.
 *
 * tfjs has no float64 dtype and no Cholesky, but the TensorFlow library under tfjs-node has both:
 * its binding executes any registered op by name. float64 data crosses the binding as int32 pairs
 * and is reinterpreted by TensorFlow's Bitcast op (no arithmetic, so no rounding), which lets
 * the decoders run LAPACK-grade float64 factorisations in TensorFlow's multi-threaded kernels
 * instead of in single-threaded JavaScript.
 *
 * Handles are plain numbers owned by the caller: every one must be released with `release`.
 */

/** The part of tfjs-node's binding used here (see @tensorflow/tfjs-node/dist/tfjs_binding.d.ts). */
interface Binding {
  createTensor(shape: number[], dtype: number, values: Float32Array | Int32Array): number;
  deleteTensor(id: number): void;
  tensorDataSync(id: number): Float32Array | Int32Array | Uint8Array;
  executeOp(name: string, attrs: OpAttr[], inputs: number[], outputs: number): { id: number; shape: number[]; dtype: number }[];
  TF_FLOAT: number;
  TF_INT32: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_INT: number;
}

interface OpAttr {
  name: string;
  type: number;
  value: boolean | number | number[];
}

/** TF_DOUBLE in TensorFlow's C API (tensorflow/c/tf_datatype.h); the binding does not export it. */
const TF_DOUBLE = 2;

export type Handle = number;
export type NativeDtype = 'float32' | 'float64';

/** The binding when the native backend is the active one, else undefined. */
function binding(): Binding | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const candidate = (tf.backend() as unknown as { binding?: Partial<Binding> }).binding;
  return candidate && typeof candidate.executeOp === 'function' && typeof candidate.createTensor === 'function' ? (candidate as Binding) : undefined;
}

/** Whether raw ops can run: the active tfjs backend is TensorFlow's native one. */
export function nativeOpsAvailable(): boolean {
  return binding() !== undefined;
}

function required(): Binding {
  const b = binding();
  if (!b) throw new Error('native TensorFlow ops need the tensorflow backend (tfjs-node) to be active');
  return b;
}

/** The ops' dtype attribute value for a dtype. */
function typeCode(b: Binding, dtype: NativeDtype): number {
  return dtype === 'float32' ? b.TF_FLOAT : TF_DOUBLE;
}

/** Attribute helpers: ops take their element type as attribute `T` and flags as booleans. */
export const attr = {
  type: (name: string, dtype: NativeDtype): OpAttr => {
    const b = required();
    return { name, type: b.TF_ATTR_TYPE, value: typeCode(b, dtype) };
  },
  bool: (name: string, value: boolean): OpAttr => ({ name, type: required().TF_ATTR_BOOL, value }),
  int: (name: string, value: number): OpAttr => ({ name, type: required().TF_ATTR_INT, value }),
  /** An index-type attribute (Tperm, Tidx, …) set to int32. */
  int32Type: (name: string): OpAttr => {
    const b = required();
    return { name, type: b.TF_ATTR_TYPE, value: b.TF_INT32 };
  },
};

/** Runs op `name` on input handles and returns its output handles (caller releases them). */
export function run(name: string, attrs: OpAttr[], inputs: Handle[], outputs = 1): Handle[] {
  return required()
    .executeOp(name, attrs, inputs, outputs)
    .map((m) => m.id);
}

/** Releases handles; undefined entries are skipped so `finally` blocks can pass partial results. */
export function release(...handles: (Handle | undefined)[]): void {
  const b = binding();
  if (!b) return;
  for (const h of handles) if (h !== undefined) b.deleteTensor(h);
}

export function uploadF32(values: Float32Array, shape: number[]): Handle {
  return required().createTensor(shape, required().TF_FLOAT, values);
}

export function uploadInt32(values: Int32Array, shape: number[]): Handle {
  return required().createTensor(shape, required().TF_INT32, values);
}

/** A float64 tensor holding exactly `values` (copied into TensorFlow). */
export function uploadF64(values: Float64Array, shape: number[]): Handle {
  const b = required();
  const pairs = b.createTensor([...shape, 2], b.TF_INT32, new Int32Array(values.buffer, values.byteOffset, values.length * 2));
  try {
    return run('Bitcast', [{ name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_INT32 }, { name: 'type', type: b.TF_ATTR_TYPE, value: TF_DOUBLE }], [pairs])[0]!;
  } finally {
    b.deleteTensor(pairs);
  }
}

export function downloadF32(h: Handle): Float32Array {
  const data = required().tensorDataSync(h);
  if (!(data instanceof Float32Array)) throw new Error('downloadF32: the tensor is not float32');
  return data;
}

/** The values of a float64 tensor, exactly. */
export function downloadF64(h: Handle): Float64Array {
  const b = required();
  const [pairs] = run('Bitcast', [{ name: 'T', type: b.TF_ATTR_TYPE, value: TF_DOUBLE }, { name: 'type', type: b.TF_ATTR_TYPE, value: b.TF_INT32 }], [h]);
  try {
    const data = b.tensorDataSync(pairs!);
    if (!(data instanceof Int32Array)) throw new Error('downloadF64: unexpected transfer type');
    // Copied: the view's offset need not be 8-byte aligned.
    return new Float64Array(Int32Array.from(data).buffer);
  } finally {
    b.deleteTensor(pairs!);
  }
}

/** Cast between float32 and float64. */
export function cast(h: Handle, from: NativeDtype, to: NativeDtype): Handle {
  return run('Cast', [attr.type('SrcT', from), attr.type('DstT', to), attr.bool('Truncate', false)], [h])[0]!;
}

/** A·B (optionally with either operand transposed) in `dtype`. */
export function matMul(a: Handle, b: Handle, dtype: NativeDtype, transposeA = false, transposeB = false): Handle {
  return run('MatMul', [attr.bool('transpose_a', transposeA), attr.bool('transpose_b', transposeB), attr.type('T', dtype)], [a, b])[0]!;
}
