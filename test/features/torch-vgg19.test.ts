import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { parseExperimentConfig } from '../../configs/load';
import { adaptiveAvgPool } from '../../lib/features/adaptive-avg-pool';
import { extractFeatures } from '../../lib/features/cnn';
import { loadNetwork } from '../../lib/features/networks';
import { readSafetensors } from '../../lib/features/safetensors';
import type { WeightTensor } from '../../lib/features/weight-tensor';
import { readWeightsFile, weightsFileFingerprint } from '../../lib/features/weights-file';
import { createImageBatch } from '../../lib/images/image-batch';

// Written once by PyTorch: test/fixtures/make-torch-vgg.py.
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'torch-vgg');
const PTH = path.join(FIXTURES, 'vgg19-narrow.pth');
const SAFETENSORS = path.join(FIXTURES, 'vgg19-narrow.safetensors');
const LAYERS = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', ...[1, 2, 3, 4].map((i) => `conv3_${i}`), ...[1, 2, 3, 4].map((i) => `conv4_${i}`), ...[1, 2, 3, 4].map((i) => `conv5_${i}`), 'fc6', 'fc7', 'fc8'];

let expected: Map<string, WeightTensor>;
let dir: string;

beforeAll(async () => {
  await suiteBackend();
  expected = readSafetensors(new Uint8Array(await fs.readFile(path.join(FIXTURES, 'expected.safetensors'))), 'expected.safetensors');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-torch-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** PyTorch's NCHW layer output in our layout: [batch, units] with units in NHWC order. */
function nhwc(t: WeightTensor): Float32Array {
  if (t.shape.length !== 4) return t.data;
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + k] = t.data[((b * c + k) * h + y) * w + x]!;
  return out;
}

/** Largest deviation from PyTorch's features, relative to the layer's largest magnitude. */
async function worstRelativeError(file: string, inputMode: 'caffe' | 'zero-one', testCase: string): Promise<Record<string, number>> {
  const input = expected.get(`${testCase}.input`)!;
  const [count, size] = input.shape as [number, number];
  const net = await loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: file, inputMode }, size);
  try {
    expect(net.layerNames).toEqual(LAYERS);
    const features = await extractFeatures(net, createImageBatch(count, size, size, input.data), { batchSize: 2 });
    return Object.fromEntries(
      LAYERS.map((layer) => {
        const want = nhwc(expected.get(`${testCase}.${layer}`)!);
        const got = features[layer]!.data;
        expect(got.length).toBe(want.length);
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        return [layer, got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0) / scale];
      }),
    );
  } finally {
    net.dispose();
  }
}

/** A safetensors file of float32 tensors, for files with a tensor removed or reshaped. */
function encodeSafetensors(tensors: Map<string, WeightTensor>): Uint8Array {
  const header: Record<string, { dtype: string; shape: readonly number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

describe('bdpy VGG19 weights from PyTorch as the feature network', () => {
  it('a state_dict .pth gives PyTorch’s pre-ReLU features of every layer (caffe input, 32 px)', async () => {
    const errors = await worstRelativeError(PTH, 'caffe', 'caffe32');
    for (const [layer, error] of Object.entries(errors)) expect(error, layer).toBeLessThan(1e-4);
  });

  it('a safetensors file gives the same features', async () => {
    const errors = await worstRelativeError(SAFETENSORS, 'caffe', 'caffe32');
    for (const [layer, error] of Object.entries(errors)) expect(error, layer).toBeLessThan(1e-4);
  });

  it('matches at 80 px in zero-one mode, where 7×7 adaptive pooling spreads a 2×2 map before fc6', async () => {
    const errors = await worstRelativeError(PTH, 'zero-one', 'zeroone80');
    for (const [layer, error] of Object.entries(errors)) expect(error, layer).toBeLessThan(1e-4);
  });

  it('imagenet mode (torchvision weights) feeds (rgb − mean) / sd', async () => {
    const input = expected.get('zeroone80.input')!;
    const mean = [0.485, 0.456, 0.406];
    const sd = [0.229, 0.224, 0.225];
    const normalised = input.data.map((v, i) => (v - mean[i % 3]!) / sd[i % 3]!);
    const [imagenet, zeroOne] = await Promise.all([
      loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: PTH, inputMode: 'imagenet', layers: ['conv1_1', 'conv2_1'] }, 80),
      loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: PTH, inputMode: 'zero-one', layers: ['conv1_1', 'conv2_1'] }, 80),
    ]);
    const got = await extractFeatures(imagenet, createImageBatch(1, 80, 80, input.data), { batchSize: 1 });
    const want = await extractFeatures(zeroOne, createImageBatch(1, 80, 80, normalised), { batchSize: 1 });
    for (const layer of ['conv1_1', 'conv2_1']) {
      const scale = want[layer]!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      got[layer]!.data.forEach((v, i) => expect(Math.abs(v - want[layer]!.data[i]!) / scale).toBeLessThan(1e-5));
    }
    imagenet.dispose();
    zeroOne.dispose();
  });

  it('reads the same tensors from all files (stored or deflated zip, safetensors), including a non-contiguous one', async () => {
    const [pth, deflated, st] = await Promise.all([readWeightsFile(PTH), readWeightsFile(path.join(FIXTURES, 'vgg19-narrow-deflated.pth')), readWeightsFile(SAFETENSORS)]);
    for (const file of [pth, deflated]) {
      expect([...file.keys()].sort()).toEqual([...st.keys()].sort());
      for (const [key, t] of st) {
        expect(file.get(key)!.shape, key).toEqual(t.shape);
        expect(file.get(key)!.data, key).toEqual(t.data);
      }
    }
  });

  it('passes gradients through adaptive pooling (reconstruction needs them)', () => {
    // Pooling is linear, so a central difference with any step is exact up to rounding.
    for (const [h, w] of [[2, 2], [5, 3], [9, 11]] as const) {
      tf.tidy(() => {
        const x = tf.randomUniform([2, h, w, 3], -1, 1, 'float32', h) as tf.Tensor4D;
        const direction = tf.randomUniform([2, h, w, 3], -1, 1, 'float32', w) as tf.Tensor4D;
        const weights = tf.randomUniform([2, 7, 7, 3], -1, 1, 'float32', 11);
        const f = (image: tf.Tensor) => tf.sum(tf.mul(adaptiveAvgPool(image as tf.Tensor4D, 7), weights));
        const analytic = tf.sum(tf.mul(tf.grad(f)(x), direction)).dataSync()[0]!;
        const numeric = (f(tf.add(x, direction)).dataSync()[0]! - f(tf.sub(x, direction)).dataSync()[0]!) / 2;
        expect(Math.abs(analytic), `${h}x${w}`).toBeGreaterThan(0.1);
        expect(Math.abs(numeric - analytic) / Math.abs(analytic), `${h}x${w}`).toBeLessThan(1e-4);
      });
    }
  });

  it('exposes only the configured layers', async () => {
    const net = await loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: PTH, inputMode: 'caffe', layers: ['fc7', 'conv2_1'] }, 32);
    expect(net.layerNames).toEqual(['conv2_1', 'fc7']);
    expect(net.layerShapes).toEqual({ conv2_1: [16, 16, 6], fc7: [12] });
    net.dispose();
    await expect(loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: PTH, layers: ['conv6_1'] }, 32)).rejects.toThrow(/no layer "conv6_1"/);
  });

  it('names the first missing tensor, and frees the tensors it had made', async () => {
    const weights = await readWeightsFile(SAFETENSORS);
    weights.delete('features.10.weight');
    weights.delete('classifier.6.bias');
    const file = path.join(dir, 'missing.safetensors');
    await fs.writeFile(file, encodeSafetensors(weights));
    const before = tf.memory().numTensors;
    await expect(loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: file }, 32)).rejects.toThrow(/missing\.safetensors: no tensor "features\.10\.weight" \(conv3_1 of VGG19/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the first misshapen tensor and the shape it needs', async () => {
    const weights = await readWeightsFile(SAFETENSORS);
    const w = weights.get('features.7.weight')!;
    weights.set('features.7.weight', { shape: [6, 5, 3, 3], data: w.data.slice(0, 6 * 5 * 9) });
    const file = path.join(dir, 'misshapen.safetensors');
    await fs.writeFile(file, encodeSafetensors(weights));
    await expect(loadNetwork({ network: 'torch-vgg19', seed: 0, modelPath: file }, 32)).rejects.toThrow('tensor "features.7.weight" (conv2_2) has shape [6, 5, 3, 3]; expected [*, 6, 3, 3]');
  });

  it('refuses a pickle that would run code, without running it', async () => {
    await expect(readWeightsFile(path.join(FIXTURES, 'hostile.pth'))).rejects.toThrow(/refers to (posix|os|nt)\.system, which a state_dict does not use; refusing/);
  });

  it('reads half and bfloat16 safetensors', async () => {
    const header = JSON.stringify({ h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] }, b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] } });
    const bytes = new Uint8Array(8 + header.length + 10);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    [0x3c00, 0xc000, 0x3800, 0x3f80, 0xc040].forEach((v, i) => view.setUint16(8 + header.length + 2 * i, v, true));
    const tensors = readSafetensors(bytes, 'half');
    expect([...tensors.get('h')!.data]).toEqual([1, -2, 0.5]);
    expect([...tensors.get('b')!.data]).toEqual([1, -3]);
  });

  it('fingerprints a weights file by its content', async () => {
    const copy = path.join(dir, 'copy.pth');
    await fs.copyFile(PTH, copy);
    expect(await weightsFileFingerprint(copy)).toBe(await weightsFileFingerprint(PTH));
    await fs.copyFile(SAFETENSORS, copy);
    expect(await weightsFileFingerprint(copy)).not.toBe(await weightsFileFingerprint(PTH));
    await expect(weightsFileFingerprint(path.join(dir, 'absent.pth'))).rejects.toThrow(/absent\.pth: cannot read the weights \(ENOENT\)/);
  });

  it('is configured as features.network torch-vgg19 with the file in modelPath', () => {
    const subjects = 'subjects:\n  - name: s1\n    source: {type: simulated, voxels: 20}\n';
    const config = parseExperimentConfig(`name: t\nfeatures: {network: torch-vgg19, modelPath: models/vgg19.pth, inputMode: imagenet}\n${subjects}`, 'x.yaml');
    expect(config.features).toMatchObject({ network: 'torch-vgg19', modelPath: 'models/vgg19.pth', inputMode: 'imagenet', layers: [] });
    expect(() => parseExperimentConfig(`name: t\nfeatures: {network: torch-vgg19}\n${subjects}`, 'x.yaml')).toThrow(
      'features.modelPath: network "torch-vgg19" needs the weights file (.pth or .safetensors) in features.modelPath',
    );
  });

  it('says what a file is not', async () => {
    const file = path.join(dir, 'notes.txt');
    await fs.writeFile(file, 'not weights');
    await expect(readWeightsFile(file)).rejects.toThrow('notes.txt: neither a PyTorch state_dict file (zip) nor a safetensors file');
    await expect(readWeightsFile(path.join(dir, 'absent.pth'))).rejects.toThrow(/absent\.pth: cannot read the weights \(ENOENT\)/);
  });
});
