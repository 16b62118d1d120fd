import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { decodeLayerRidge, fitRidgeProjection } from '../../lib/decoding/ridge';
import { decodeStreaming, imageWeights } from '../../lib/decoding/streaming-decode';
import { extractFeatures } from '../../lib/features/cnn';
import { openNetwork } from '../../lib/features/networks';
import { createImageBatch } from '../../lib/images/image-batch';
import { createMatrix, selectRows } from '../../lib/linalg/matrix';
import { Random } from '../../lib/random';

beforeAll(async () => {
  await suiteBackend();
});

describe('streaming decoding of every unit', () => {
  it('equals ridge decoding on per-trial features, without per-trial feature copies', async () => {
    const size = 16;
    const stimuli = proceduralStimuli({ seed: 2, imageSize: size, trainImages: 12, testImages: 0 });
    const images = createImageBatch(12, size, size, stimuli.images.data);
    const net = openNetwork('vgg-mini', 3, size);
    // 3 repetitions of each image, voxels random (the identity holds for any X).
    const rng = new Random(9);
    const trialImage = Int32Array.from({ length: 36 }, (_, j) => j % 12);
    const X = createMatrix(36, 20, Float32Array.from({ length: 36 * 20 }, () => rng.normal()));
    const Xtest = createMatrix(4, 20, Float32Array.from({ length: 80 }, () => rng.normal()));
    const projection = fitRidgeProjection(X, [Xtest], 5);
    const W = imageWeights(await projection.matrix(), trialImage, 12);
    projection.dispose();
    const streamed = await decodeStreaming(net, images, W, { batchSize: 5 });
    const features = await extractFeatures(net, images, { batchSize: 12 });
    for (const layer of net.layerNames) {
      const perTrial = selectRows(features[layer]!, Array.from(trialImage));
      const [reference] = await decodeLayerRidge(X, perTrial, [Xtest], { alpha: 5 });
      const scale = Math.max(...reference!.data.map(Math.abs));
      streamed[layer]!.data.forEach((v, i) => expect(Math.abs(v - reference!.data[i]!) / scale, layer).toBeLessThan(2e-3));
    }
    net.dispose();
  });

  it('rejects weights that do not match the images', async () => {
    const net = openNetwork('vgg-mini', 3, 16);
    await expect(decodeStreaming(net, createImageBatch(3, 16, 16), createMatrix(2, 4), { batchSize: 2 })).rejects.toThrow(/weights for 4 images, got 3/);
    expect(() => imageWeights(createMatrix(2, 5), Int32Array.of(0, 1), 2)).toThrow(/2 trial labels for 5 trials/);
    net.dispose();
  });
});
