import * as tf from '@tensorflow/tfjs';
import { validateCganConfig, type CganConfig } from './cgan-config';
import { cganVariables, createCganModel, disposeCgan, type CganModel } from './cgan-model';

/**
 * Byte format of a trained CganModel (conditioning augmentation + generator; the discriminator is
 * training-only and not stored):
 *   bytes 0–3   ASCII "CGAN"
 *   bytes 4–7   uint32 little-endian: H, the byte length of the header
 *   8 … 8+H     UTF-8 JSON {format: "deeprecon-cgan", version: 1, config: CganConfig,
 *               tensors: [{name, shape}]}, right-padded with spaces so H is a multiple of 4
 *   then        float32 little-endian values of each tensor in header order, row-major
 * Tensors are every model variable in cganVariables order, moving batch-norm statistics included.
 */
const MAGIC = 'CGAN';
const FORMAT = 'deeprecon-cgan';
const VERSION = 1;

interface Header {
  readonly format: string;
  readonly version: number;
  readonly config: CganConfig;
  readonly tensors: { readonly name: string; readonly shape: number[] }[];
}

export function encodeCgan(model: CganModel): Uint8Array {
  const vars = cganVariables(model);
  const header: Header = { format: FORMAT, version: VERSION, config: model.config, tensors: vars.map(([name, v]) => ({ name, shape: v.shape })) };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const floats = vars.reduce((sum, [, v]) => sum + v.size, 0);
  const bytes = new Uint8Array(8 + json.length + 4 * floats);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, json.length, true);
  bytes.set(json, 8);
  let offset = 8 + json.length;
  for (const [, v] of vars) {
    for (const value of v.dataSync()) {
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
  if (header.format !== FORMAT || header.version !== VERSION) throw new Error(`decodeCgan: unsupported format ${header.format} v${header.version}`);
  validateCganConfig(header.config);
  // The architecture comes from the config; the initial weights are then overwritten.
  const model = createCganModel(header.config, 0);
  try {
    const vars = cganVariables(model);
    if (vars.length !== header.tensors.length) throw new Error(`decodeCgan: ${header.tensors.length} tensors stored, the architecture has ${vars.length}`);
    let offset = 8 + headerLength;
    vars.forEach(([name, v], i) => {
      const stored = header.tensors[i]!;
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
