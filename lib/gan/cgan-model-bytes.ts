import * as tf from '@tensorflow/tfjs';
import { validateCganConfig, type CganConfig } from './cgan-config';
import { cganVariables, createCganModel, disposeCgan, type CganModel } from './cgan-model';
import type { ConditionEncoder } from './condition-encoder';

/**
 * Byte format of a trained CganModel (input encoder + conditioning augmentation + generator; the
 * discriminator is training-only and not stored):
 *   bytes 0–3   ASCII "CGAN"
 *   bytes 4–7   uint32 little-endian: H, the byte length of the header
 *   8 … 8+H     UTF-8 JSON {format: "deeprecon-cgan", version: 2, config: CganConfig,
 *               encoder: {voxels, dim}, tensors: [{name, shape}]}, right-padded with spaces so H
 *               is a multiple of 4
 *   then        float32 little-endian values of each tensor in header order, row-major
 * Tensors: encoder.mean [voxels], encoder.sd [voxels], encoder.projection [voxels, dim], then every
 * model variable in cganVariables order, moving batch-norm statistics included.
 * Version 1 (no encoder: raw voxels into the network) is refused: its models were trained on
 * unstandardised single trials, which is the defect version 2 fixes; retrain.
 */
const MAGIC = 'CGAN';
const FORMAT = 'deeprecon-cgan';
const VERSION = 2;

type Named = readonly [name: string, shape: number[], values: Float32Array];

const encoderTensors = (e: ConditionEncoder): Named[] => [
  ['encoder.mean', [e.voxels], e.mean],
  ['encoder.sd', [e.voxels], e.sd],
  ['encoder.projection', [e.voxels, e.dim], e.projection],
];

interface Header {
  readonly format: string;
  readonly version: number;
  readonly config: CganConfig;
  readonly encoder: { readonly voxels: number; readonly dim: number };
  readonly tensors: { readonly name: string; readonly shape: number[] }[];
}

export function encodeCgan(model: CganModel): Uint8Array {
  const vars: Named[] = [...encoderTensors(model.encoder), ...cganVariables(model).map(([name, v]): Named => [name, v.shape, v.dataSync() as Float32Array])];
  const encoder = { voxels: model.encoder.voxels, dim: model.encoder.dim };
  const header: Header = { format: FORMAT, version: VERSION, config: model.config, encoder, tensors: vars.map(([name, shape]) => ({ name, shape })) };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const floats = vars.reduce((sum, [, , values]) => sum + values.length, 0);
  const bytes = new Uint8Array(8 + json.length + 4 * floats);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, json.length, true);
  bytes.set(json, 8);
  let offset = 8 + json.length;
  for (const [, , values] of vars) {
    for (const value of values) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  return bytes;
}

/** The model stored by encodeCgan; throws on anything that is not exactly that format. */
export function decodeCgan(bytes: Uint8Array): CganModel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('decodeCgan: not a cGAN model (bad magic)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error('decodeCgan: truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Header;
  if (header.format === FORMAT && header.version === 1) {
    throw new Error('decodeCgan: a version-1 cGAN model (raw, unstandardised voxel input) is no longer supported; retrain the cgan stage');
  }
  if (header.format !== FORMAT || header.version !== VERSION) throw new Error(`decodeCgan: unsupported format ${header.format} v${header.version}`);
  validateCganConfig(header.config);
  const { voxels, dim } = header.encoder;
  if (!Number.isInteger(voxels) || !Number.isInteger(dim) || voxels < 1 || dim < 1) throw new Error(`decodeCgan: bad encoder shape ${voxels} × ${dim}`);
  let offset = 8 + headerLength;
  // The encoder's arrays come first, read straight from the bytes.
  const arrays = encoderTensors({ voxels, dim, mean: new Float32Array(voxels), sd: new Float32Array(voxels), projection: new Float32Array(voxels * dim) });
  arrays.forEach(([name, shape, values], i) => {
    const stored = header.tensors[i];
    if (!stored || stored.name !== name || stored.shape.join('x') !== shape.join('x')) throw new Error(`decodeCgan: tensor ${i} is ${stored?.name}, expected ${name} [${shape.join(', ')}]`);
    if (offset + 4 * values.length > bytes.length) throw new Error('decodeCgan: truncated encoder');
    for (let k = 0; k < values.length; k++) values[k] = view.getFloat32(offset + 4 * k, true);
    offset += 4 * values.length;
  });
  const encoder: ConditionEncoder = { voxels, dim, mean: arrays[0]![2], sd: arrays[1]![2], projection: arrays[2]![2] };
  // The architecture comes from the config; the initial weights are then overwritten.
  const model = createCganModel(header.config, encoder, 0);
  try {
    const vars = cganVariables(model);
    if (vars.length + arrays.length !== header.tensors.length) throw new Error(`decodeCgan: ${header.tensors.length} tensors stored, the architecture has ${vars.length + arrays.length}`);
    vars.forEach(([name, v], i) => {
      const stored = header.tensors[arrays.length + i]!;
      if (stored.name !== name || stored.shape.join('x') !== v.shape.join('x')) {
        throw new Error(`decodeCgan: tensor ${i} is ${stored.name} [${stored.shape.join(', ')}], expected ${name} [${v.shape.join(', ')}]`);
      }
      if (offset + 4 * v.size > bytes.length) throw new Error('decodeCgan: truncated weights');
      const values = new Float32Array(v.size);
      for (let k = 0; k < v.size; k++) values[k] = view.getFloat32(offset + 4 * k, true);
      offset += 4 * v.size;
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    });
    if (offset !== bytes.length) throw new Error(`decodeCgan: ${bytes.length - offset} trailing bytes`);
  } catch (e) {
    disposeCgan(model);
    throw e;
  }
  return model;
}
