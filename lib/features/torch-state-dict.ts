import { DataError } from '../data/data-error';
import { unpickle } from './safe-unpickler';
import { toFloat32, type WeightDtype, type WeightTensor } from './weight-tensor';
import { ZipArchive } from './zip-archive';

/** PyTorch's legacy storage classes, which name a storage's element type in the pickle. */
const STORAGE_TYPES: Record<string, WeightDtype> = {
  FloatStorage: 'f32',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  DoubleStorage: 'f64',
  LongStorage: 'i64',
  IntStorage: 'i32',
};

class StorageType {
  constructor(readonly dtype: WeightDtype) {}
}

class Storage {
  constructor(
    readonly dtype: WeightDtype,
    readonly bytes: Uint8Array,
    readonly numel: number,
  ) {}
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
class TorchTensor {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}

  /** The view's elements in row-major order (state_dict tensors are usually contiguous already). */
  toWeight(name: string, source: string): WeightTensor {
    const count = this.shape.reduce((a, b) => a * b, 1);
    let last = this.offset;
    this.shape.forEach((d, i) => (last += d > 0 ? (d - 1) * this.stride[i]! : 0));
    if (count > 0 && last >= this.storage.numel) throw new DataError(source, `tensor "${name}" reaches past its storage (${last + 1} > ${this.storage.numel} elements)`);
    const contiguous = this.shape.every((_, i) => this.stride[i] === this.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    if (contiguous) return { shape: this.shape, data: toFloat32(this.storage.bytes, this.storage.dtype, this.offset, count) };
    const all = toFloat32(this.storage.bytes, this.storage.dtype, 0, this.storage.numel);
    const data = new Float32Array(count);
    const index = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      data[i] = all[this.offset + index.reduce((s, k, d) => s + k * this.stride[d]!, 0)]!;
      for (let d = this.shape.length - 1; d >= 0 && ++index[d]! === this.shape[d]; d--) index[d] = 0;
    }
    return { shape: this.shape, data };
  }
}

const ints = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/**
 * Reads a PyTorch `torch.save(model.state_dict())` file (the zip format of PyTorch ≥ 1.6):
 * `<name>/data.pkl` pickles the dict of tensors, each a view of a storage kept as the member
 * `<name>/data/<key>`. Only the functions a state_dict pickle calls are allowed, so a file
 * cannot run code here, unlike `torch.load` without `weights_only`.
 */
export function readTorchStateDict(bytes: Uint8Array, source: string): Map<string, WeightTensor> {
  const zip = new ZipArchive(bytes, source);
  const pkl = zip.names.find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pkl) throw new DataError(source, 'zip archive without data.pkl: not a PyTorch file (the legacy pre-1.6 format is not read; re-save it with a current PyTorch)');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  if (zip.has(`${prefix}byteorder`) && new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() !== 'little') {
    throw new DataError(source, 'the file stores big-endian tensors; only little-endian files are read');
  }
  const rebuildTensor = (...args: unknown[]) => {
    const [storage, offset, shape, stride] = args;
    if (!(storage instanceof Storage) || !Number.isInteger(offset) || !ints(shape) || !ints(stride) || shape.length !== stride.length) {
      throw new DataError(source, '_rebuild_tensor_v2 called with arguments other than (storage, offset, size, stride, ...)');
    }
    return new TorchTensor(storage, offset as number, shape, stride);
  };
  const allowed: Record<string, unknown> = {
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    // A saved nn.Parameter wraps its tensor; the gradient flag does not matter for inference.
    'torch._utils._rebuild_parameter': (tensor: unknown) => tensor,
    'collections.OrderedDict': () => new Map(),
  };
  for (const [name, dtype] of Object.entries(STORAGE_TYPES)) allowed[`torch.${name}`] = new StorageType(dtype);
  const value = unpickle(
    zip.read(pkl),
    {
      findClass: (module, name) => {
        const found = allowed[`${module}.${name}`];
        if (found === undefined) throw new DataError(source, `the pickle refers to ${module}.${name}, which a state_dict does not use; refusing to load it (only tensors in (Ordered)dicts are read)`);
        return found;
      },
      persistentLoad: (pid) => {
        if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof StorageType) || typeof pid[2] !== 'string' || !Number.isInteger(pid[4])) {
          throw new DataError(source, 'the pickle has a persistent id other than a tensor storage');
        }
        const [, type, key, , numel] = pid as [string, StorageType, string, unknown, number];
        return new Storage(type.dtype, zip.read(`${prefix}data/${key}`), numel);
      },
    },
    source,
  );
  let dict = value;
  // A checkpoint that wraps the weights: {"state_dict": {...}, "epoch": ...}.
  if (dict instanceof Map && ![...dict.values()].some((v) => v instanceof TorchTensor) && dict.get('state_dict') instanceof Map) dict = dict.get('state_dict');
  if (!(dict instanceof Map)) throw new DataError(source, 'the pickle holds no dict of tensors (save model.state_dict(), not the model)');
  const tensors = new Map<string, WeightTensor>();
  for (const [key, tensor] of dict) {
    if (typeof key === 'string' && tensor instanceof TorchTensor) tensors.set(key, tensor.toWeight(key, source));
  }
  return tensors;
}
