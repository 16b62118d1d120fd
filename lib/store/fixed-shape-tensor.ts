/**
 * Arrow's canonical `arrow.fixed_shape_tensor` extension type: a fixed_size_list column whose
 * field says, in two metadata keys, the shape of each row's tensor. pyarrow turns such a column
 * into an (N, …shape) ndarray in one call; a reader that does not know the extension still sees
 * the plain fixed_size_list, so nothing that read the files before breaks.
 */
export const EXTENSION_NAME_KEY = 'ARROW:extension:name';
export const EXTENSION_METADATA_KEY = 'ARROW:extension:metadata';
export const FIXED_SHAPE_TENSOR = 'arrow.fixed_shape_tensor';

/** The shape of one row's tensor (row-major, the last dimension fastest) and its dimension names. */
export interface TensorShape {
  readonly shape: readonly number[];
  readonly dimNames?: readonly string[];
}

export function tensorSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks a shape against the list size it describes; an Error names the mismatch. */
export function checkTensorShape(tensor: TensorShape, listSize: number, what: string): void {
  const { shape, dimNames } = tensor;
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${what}: tensor shape [${shape.join(', ')}] must be positive integers`);
  if (tensorSize(shape) !== listSize) throw new Error(`${what}: tensor shape [${shape.join(', ')}] holds ${tensorSize(shape)} values, the column ${listSize}`);
  if (dimNames && dimNames.length !== shape.length) throw new Error(`${what}: ${dimNames.length} dimension names for ${shape.length} dimensions`);
}

/** The field metadata that marks a fixed_size_list column as a tensor of this shape. */
export function tensorFieldMetadata(tensor: TensorShape): Map<string, string> {
  const serialized = { shape: [...tensor.shape], ...(tensor.dimNames ? { dim_names: [...tensor.dimNames] } : {}) };
  return new Map([
    [EXTENSION_NAME_KEY, FIXED_SHAPE_TENSOR],
    [EXTENSION_METADATA_KEY, JSON.stringify(serialized)],
  ]);
}

/**
 * The tensor shape a field's metadata declares; undefined for a plain column (a file written
 * before shapes were recorded, or by another tool). Metadata that claims the extension but does
 * not parse is an Error, since a wrong shape would silently scramble every row.
 */
export function tensorShapeOf(metadata: ReadonlyMap<string, string>, listSize: number, what: string): TensorShape | undefined {
  if (metadata.get(EXTENSION_NAME_KEY) !== FIXED_SHAPE_TENSOR) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.get(EXTENSION_METADATA_KEY) ?? '');
  } catch {
    throw new Error(`${what}: ${FIXED_SHAPE_TENSOR} metadata is not JSON`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { shape?: unknown; dim_names?: unknown; permutation?: unknown };
  const shape = record.shape;
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number')) throw new Error(`${what}: ${FIXED_SHAPE_TENSOR} metadata has no numeric "shape"`);
  const names = record.dim_names;
  if (names !== undefined && (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string'))) throw new Error(`${what}: ${FIXED_SHAPE_TENSOR} "dim_names" must be strings`);
  // A permuted layout would need the data reordered; this project never writes one.
  const permutation = record.permutation;
  if (Array.isArray(permutation) && permutation.some((p, i) => p !== i)) throw new Error(`${what}: ${FIXED_SHAPE_TENSOR} with a permutation is not supported`);
  const tensor: TensorShape = { shape, ...(names ? { dimNames: names } : {}) };
  checkTensorShape(tensor, listSize, what);
  return tensor;
}
