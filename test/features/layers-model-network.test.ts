import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { extractFeatures } from '../../lib/features/cnn';
import { modelFolderFingerprint, saveModelFolder } from '../../lib/features/model-folder';
import { loadNetwork } from '../../lib/features/networks';
import { createImageBatch } from '../../lib/images/image-batch';
import { reconstructIcnnGd } from '../../lib/reconstruction/icnn-gd';
import { rowCorrelations } from '../../lib/evaluation/correlation';
import { createMatrix } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';

let dir: string;
let original: tf.Sequential;

beforeAll(async () => {
  await suiteBackend();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-model-'));
  original = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'c1', inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: 'heNormal' }),
      tf.layers.reLU({ name: 'r1' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ name: 'd1', units: 5 }),
    ],
  });
  await saveModelFolder(original, path.join(dir, 'model'));
});

afterAll(async () => {
  original.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const rng = new Random(3);
const images = createImageBatch(3, 8, 8, Float32Array.from({ length: 3 * 8 * 8 * 3 }, () => rng.next()));

describe('a TensorFlow.js model folder as the feature network', () => {
  it('loads with the saved weights and gives the original model’s layer outputs', async () => {
    const net = await loadNetwork({ network: 'tfjs-model', seed: 0, modelPath: path.join(dir, 'model'), inputMode: 'zero-one' }, 8);
    expect(net.layerNames).toEqual(['c1', 'd1']);
    expect(net.layerShapes).toEqual({ c1: [8, 8, 4], d1: [5] });
    const features = await extractFeatures(net, images, { batchSize: 2 });
    const reference = tf.model({ inputs: original.inputs, outputs: [original.getLayer('c1').output as tf.SymbolicTensor, original.getLayer('d1').output as tf.SymbolicTensor] });
    const [c1, d1] = reference.predict(tf.tensor4d(images.data, [3, 8, 8, 3])) as tf.Tensor[];
    const expectClose = (a: Float32Array, b: Float32Array) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
    expectClose(features.c1!.data, c1!.dataSync() as Float32Array);
    expectClose(features.d1!.data, d1!.dataSync() as Float32Array);
    net.dispose();
  });

  it('feeds Keras-VGG (caffe) input: BGR, 0–255, mean pixel subtracted', async () => {
    const net = await loadNetwork({ network: 'tfjs-model', seed: 0, modelPath: path.join(dir, 'model'), inputMode: 'caffe', layers: ['c1'] }, 8);
    const features = await extractFeatures(net, images, { batchSize: 3 });
    const rgb = tf.tensor4d(images.data, [3, 8, 8, 3]);
    const caffe = tf.sub(tf.reverse(tf.mul(rgb, 255), -1), [103.939, 116.779, 123.68]);
    const reference = tf.model({ inputs: original.inputs, outputs: original.getLayer('c1').output as tf.SymbolicTensor });
    const expected = (reference.predict(caffe) as tf.Tensor).dataSync();
    features.c1!.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 2));
    net.dispose();
  });

  it('supports reconstruction through the loaded model', async () => {
    const net = await loadNetwork({ network: 'tfjs-model', seed: 0, modelPath: path.join(dir, 'model'), inputMode: 'zero-one', layers: ['c1'] }, 8);
    const features = await extractFeatures(net, images, { batchSize: 3 });
    const recon = await reconstructIcnnGd(net, features, { iterations: 60, seed: 1, blurStart: 0, blurEnd: 0 });
    const r = rowCorrelations(createMatrix(3, 192, recon.data), createMatrix(3, 192, images.data));
    for (const v of r) expect(v).toBeGreaterThan(0.6);
    net.dispose();
  });

  it('refuses a size mismatch, an unknown layer and a missing folder, naming them', async () => {
    const modelPath = path.join(dir, 'model');
    await expect(loadNetwork({ network: 'tfjs-model', seed: 0, modelPath }, 16)).rejects.toThrow(/takes 8x8 images but stimuli.imageSize is 16/);
    await expect(loadNetwork({ network: 'tfjs-model', seed: 0, modelPath, layers: ['fc7'] }, 8)).rejects.toThrow(/no layer "fc7" \(feature layers: c1, d1\)/);
    await expect(loadNetwork({ network: 'tfjs-model', seed: 0, modelPath: path.join(dir, 'nope') }, 8)).rejects.toThrow(/nope[/\\]model\.json: cannot read the model \(ENOENT\)/);
    const before = await modelFolderFingerprint(modelPath);
    const weights = await fs.readFile(path.join(modelPath, 'weights.bin'));
    weights[0] = weights[0]! ^ 1;
    await fs.writeFile(path.join(modelPath, 'weights.bin'), weights);
    expect(await modelFolderFingerprint(modelPath)).not.toBe(before);
  });
});
