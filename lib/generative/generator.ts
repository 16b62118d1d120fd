import * as tf from '@tensorflow/tfjs';
import type { ImageGenerator } from './image-generator';
import { CHANNELS } from '../images/image-batch';
import { Random } from '../random';

/**
 * Architecture of the image generator G (the "deep generator network" prior of Shen et al. 2019,
 * after Dosovitskiy & Brox 2016, scaled down): latent → dense layers (LeakyReLU 0.3) → dense to
 * C₀ × (S/8)² (LeakyReLU) → reshape → three × (nearest-neighbour 2× upsampling → 3×3 convolution
 * → LeakyReLU) → 3×3 convolution to RGB → sigmoid, so images are in [0, 1] at S × S.
 * Upsample + convolution rather than transposed convolution: no checkerboard artefacts, and on
 * wasm it is several times faster to train (see `conv3x3`).
 */
export interface GeneratorConfig {
  /** Units of the latent: the comparator network layer it inverts (e.g. vgg-mini fc1, 256). */
  readonly latentSize: number;
  /** Output side in pixels; a multiple of 8 (the stack upsamples S/8 → S). */
  readonly imageSize: number;
  /** Hidden dense layers before the one that feeds the convolutional stack. */
  readonly denseUnits: readonly number[];
  /** Channels at S/8 (after reshape), S/4, S/2 and S (after each upsampling convolution). */
  readonly channels: readonly [number, number, number, number];
  /** The latent is multiplied by this before the first layer, so its scale does not matter. */
  readonly latentScale: number;
  /** Where the latent comes from (provenance only), e.g. { network: 'vgg-mini', layer: 'fc1' }. */
  readonly source?: { readonly network: string; readonly layer: string };
}

export const GENERATOR_DEFAULTS = {
  denseUnits: [512, 512],
  channels: [64, 64, 32, 16],
  latentScale: 1,
} as const satisfies Partial<GeneratorConfig>;

/** The LeakyReLU slope of the DGN. */
export const LEAK = 0.3;

/** One named parameter tensor, in the order the network uses (and the codec stores) them. */
export interface GeneratorParam {
  readonly name: string;
  readonly value: tf.Variable;
}

/** Parameter names and shapes for a configuration, in storage order. */
export function parameterShapes(c: GeneratorConfig): { name: string; shape: number[] }[] {
  const base = c.imageSize / 8;
  const [c0, c1, c2, c3] = c.channels;
  const shapes: { name: string; shape: number[] }[] = [];
  let units = c.latentSize;
  [...c.denseUnits, base * base * c0].forEach((out, i) => {
    shapes.push({ name: `dense${i}.w`, shape: [units, out] }, { name: `dense${i}.b`, shape: [out] });
    units = out;
  });
  [c0, c1, c2, c3].slice(1).forEach((out, i) => {
    const inChannels = c.channels[i]!;
    shapes.push({ name: `up${i}.w`, shape: [3, 3, inChannels, out] }, { name: `up${i}.b`, shape: [out] });
  });
  shapes.push({ name: 'rgb.w', shape: [3, 3, c3, CHANNELS] }, { name: 'rgb.b', shape: [CHANNELS] });
  return shapes;
}

function validate(c: GeneratorConfig): void {
  if (!Number.isInteger(c.imageSize) || c.imageSize < 8 || c.imageSize % 8 !== 0) {
    throw new Error(`generator: image size must be a positive multiple of 8, got ${c.imageSize}`);
  }
  if (!Number.isInteger(c.latentSize) || c.latentSize < 1) throw new Error(`generator: bad latent size ${c.latentSize}`);
  if (!(c.latentScale > 0) || !Number.isFinite(c.latentScale)) throw new Error(`generator: bad latent scale ${c.latentScale}`);
  if (c.channels.length !== 4 || [...c.denseUnits, ...c.channels].some((u) => !Number.isInteger(u) || u < 1)) {
    throw new Error('generator: dense units and the 4 channel counts must be positive integers');
  }
}

/**
 * 3×3 stride-1 'same' convolution with its input gradient computed as a forward convolution with
 * the flipped, in/out-transposed filter. Mathematically the same as tfjs's own gradient, but
 * tfjs-backend-wasm's Conv2DBackpropInput kernel is about 8× slower than its Conv2D.
 */
export const conv3x3 = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x4, w4, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  if (w4.shape[0] !== 3 || w4.shape[1] !== 3) throw new Error(`conv3x3: filter must be 3x3, got ${w4.shape[0]}x${w4.shape[1]}`);
  save([x4, w4]);
  return {
    value: tf.conv2d(x4, w4, 1, 'same'),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
      const d = dy as tf.Tensor4D;
      const flipped = tf.transpose(tf.reverse(sw, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: sx, dy: d }, {
        strides: [1, 1],
        pad: 'same',
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape: sw.shape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      return [tf.conv2d(d, flipped, 1, 'same'), dw];
    },
  };
}) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** G: latent → image. Owns its parameter variables (trainable) until `dispose`. */
export class Generator implements ImageGenerator {
  private readonly byName: Map<string, tf.Variable>;

  constructor(
    readonly config: GeneratorConfig,
    readonly params: readonly GeneratorParam[],
    /** Per-unit upper bound of the latent for reconstruction (e.g. 99th percentile of training latents). */
    readonly latentUpperBound?: Float32Array,
  ) {
    validate(config);
    const expected = parameterShapes(config);
    const ok = expected.length === params.length && expected.every((e, i) => e.name === params[i]!.name && tf.util.arraysEqual(e.shape, params[i]!.value.shape));
    if (!ok) throw new Error('generator: parameters do not match the configuration');
    if (latentUpperBound && latentUpperBound.length !== config.latentSize) {
      throw new Error(`generator: latent upper bound has ${latentUpperBound.length} values, expected ${config.latentSize}`);
    }
    this.byName = new Map(params.map((p) => [p.name, p.value]));
  }

  get imageSize(): number {
    return this.config.imageSize;
  }

  get latentSize(): number {
    return this.config.latentSize;
  }

  private p<R extends tf.Rank>(name: string): tf.Tensor<R> {
    return this.byName.get(name)! as unknown as tf.Tensor<R>;
  }

  /** Images [n, S, S, 3] in [0, 1] for latents [n, latentSize]; differentiable in both. */
  generate(latents: tf.Tensor2D): tf.Tensor4D {
    const c = this.config;
    if (latents.shape[1] !== c.latentSize) throw new Error(`generator: latent has ${latents.shape[1]} units, expected ${c.latentSize}`);
    return tf.tidy(() => {
      const n = latents.shape[0];
      let h = tf.mul<tf.Tensor2D>(latents, c.latentScale);
      for (let i = 0; i <= c.denseUnits.length; i++) {
        h = tf.leakyRelu(tf.add<tf.Tensor2D>(tf.matMul(h, this.p<tf.Rank.R2>(`dense${i}.w`)), this.p(`dense${i}.b`)), LEAK);
      }
      let size = c.imageSize / 8;
      let x = tf.reshape(h, [n, size, size, c.channels[0]]) as tf.Tensor4D;
      for (let i = 0; i < 3; i++) {
        size *= 2;
        const up = tf.image.resizeNearestNeighbor(x, [size, size]);
        x = tf.leakyRelu(tf.add<tf.Tensor4D>(conv3x3(up, this.p(`up${i}.w`)), this.p(`up${i}.b`)), LEAK);
      }
      return tf.sigmoid(tf.add<tf.Tensor4D>(conv3x3(x, this.p('rgb.w')), this.p('rgb.b')));
    });
  }

  /** The trainable variables, for an optimiser's var list. */
  variables(): tf.Variable[] {
    return this.params.map((p) => p.value);
  }

  dispose(): void {
    for (const p of this.params) p.value.dispose();
  }
}

/** He-normal fan-in per parameter (LeakyReLU gain); the RGB layer starts small so images start grey. */
function initialValues(rng: Random, name: string, shape: number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (name.endsWith('.b')) return new Float32Array(size);
  const gain = 2 / (1 + LEAK * LEAK);
  let fanIn: number;
  if (name.startsWith('dense')) fanIn = shape[0]!;
  // After nearest-neighbour upsampling a 3×3 window still spans 9 taps per input channel.
  else fanIn = 9 * shape[2]!;
  const sd = name === 'rgb.w' ? Math.sqrt(1 / fanIn) : Math.sqrt(gain / fanIn);
  return Float32Array.from({ length: size }, () => sd * rng.normal());
}

/** A trainable variable holding `values`; the tidy frees the temporary tensor it was made from. */
function toVariable(values: Float32Array, shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
}

/** A generator with seeded initial weights: the same network on every machine for a seed. */
export function createGenerator(config: Pick<GeneratorConfig, 'latentSize' | 'imageSize'> & Partial<GeneratorConfig>, seed: number): Generator {
  const full: GeneratorConfig = { ...GENERATOR_DEFAULTS, ...config };
  validate(full);
  const rng = new Random(seed);
  const params = parameterShapes(full).map(({ name, shape }) => ({ name, value: toVariable(initialValues(rng, name, shape), shape) }));
  return new Generator(full, params);
}

/*
 * Byte format of a stored generator (all integers and floats little-endian):
 *   bytes 0–3   magic "DRGN"
 *   bytes 4–7   uint32 J: length of the JSON header in bytes
 *   bytes 8…    UTF-8 JSON { version: 1, config: GeneratorConfig, tensors: [{ name, shape }],
 *               latentUpperBound: boolean }, space-padded so the floats start 4-byte aligned
 *   then        float32 values of every tensor in `tensors` order (row-major, tfjs layout),
 *               followed by latentSize float32 upper bounds when latentUpperBound is true.
 */
const MAGIC = 'DRGN';
const FORMAT_VERSION = 1;

interface GeneratorHeader {
  readonly version: number;
  readonly config: GeneratorConfig;
  readonly tensors: { name: string; shape: number[] }[];
  readonly latentUpperBound: boolean;
}

/** Serialises configuration and weights (reads the weights synchronously). */
export function encodeGenerator(g: Generator): Uint8Array {
  const header: GeneratorHeader = {
    version: FORMAT_VERSION,
    config: g.config,
    tensors: g.params.map((p) => ({ name: p.name, shape: p.value.shape })),
    latentUpperBound: g.latentUpperBound !== undefined,
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 4) * 4 - 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const arrays = g.params.map((p) => p.value.dataSync() as Float32Array);
  if (g.latentUpperBound) arrays.push(g.latentUpperBound);
  const floats = arrays.reduce((a, v) => a + v.length, 0);
  const bytes = new Uint8Array(8 + json.length + 4 * floats);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, json.length, true);
  bytes.set(json, 8);
  let offset = 8 + json.length;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++, offset += 4) view.setFloat32(offset, values[i]!, true);
  }
  return bytes;
}

/** Rebuilds a generator from `encodeGenerator` bytes. */
export function decodeGenerator(bytes: Uint8Array): Generator {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('decodeGenerator: not a generator (bad magic)');
  const jsonLength = view.getUint32(4, true);
  if (8 + jsonLength > bytes.length) throw new Error('decodeGenerator: truncated header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as GeneratorHeader;
  if (header.version !== FORMAT_VERSION) throw new Error(`decodeGenerator: unsupported version ${header.version}`);
  const sizes = header.tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
  const boundSize = header.latentUpperBound ? header.config.latentSize : 0;
  const expected = 8 + jsonLength + 4 * (sizes.reduce((a, b) => a + b, 0) + boundSize);
  if (bytes.length !== expected) throw new Error(`decodeGenerator: expected ${expected} bytes, got ${bytes.length}`);
  let offset = 8 + jsonLength;
  const read = (n: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++, offset += 4) out[i] = view.getFloat32(offset, true);
    return out;
  };
  const params = header.tensors.map((t, i) => ({ name: t.name, value: toVariable(read(sizes[i]!), t.shape) }));
  const bound = header.latentUpperBound ? read(boundSize) : undefined;
  try {
    return new Generator(header.config, params, bound);
  } catch (e) {
    for (const p of params) p.value.dispose();
    throw e;
  }
}
