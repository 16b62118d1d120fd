import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { disposeCgan } from '../../lib/gan/cgan-model';
import { decodeTrainingTable, encodeTrainingTable, LOSS_COLUMNS } from '../../lib/gan/training-table';
import { trainCgan, type CganEpoch, type TrainedCgan } from '../../lib/gan/train-cgan';
import { Random } from '../../lib/random';
import { classImages, classVoxels, roundRobin } from './tiny-conditional-data';

const SIZE = 16;
const SMALL = { embeddingDim: 16, noiseDim: 16, generatorChannels: 4, discriminatorChannels: 4 };
const EPOCHS = 3;

let trained: TrainedCgan;
const seen: CganEpoch[] = [];
const messages: string[] = [];

beforeAll(async () => {
  await suiteBackend();
  const classes = roundRobin(24);
  trained = await trainCgan(classVoxels(classes, 0.3, new Random(2)), classImages(classes, SIZE), {
    seed: 4,
    outputSize: SIZE,
    epochs: EPOCHS,
    batchSize: 8,
    architecture: SMALL,
    onProgress: (_, message) => messages.push(message),
    onEpoch: (losses) => seen.push(losses),
  });
  disposeCgan(trained.model);
});

describe('the cGAN training record', () => {
  it('has one row per epoch, in order, each handed to onEpoch as it ends', () => {
    expect(trained.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(seen).toEqual(trained.history);
    for (const h of trained.history) for (const name of LOSS_COLUMNS) expect(Number.isFinite(h[name]), `${name} of epoch ${h.epoch}`).toBe(true);
  });

  it('adds the discriminator’s terms as StackGAN does: real/right + (fake/right + real/wrong) / 2', () => {
    for (const h of trained.history) expect(h.dLoss).toBeCloseTo(h.dRealRight + (h.dFakeRight + h.dRealWrong) / 2, 12);
    // Binary cross-entropies of a discriminator near chance at the start: around log 2.
    const first = trained.history[0]!;
    for (const v of [first.dRealRight, first.dRealWrong, first.dFakeRight]) expect(Math.abs(v - Math.LN2)).toBeLessThan(0.3);
  });

  it('progress messages (the stage’s heartbeats) name the epoch they belong to', () => {
    // 24 pairs in batches of 8: 3 steps per epoch.
    expect(messages).toHaveLength(EPOCHS * 3);
    messages.forEach((m, i) => expect(m).toMatch(new RegExp(`^epoch ${Math.floor(i / 3) + 1}/${EPOCHS}, step ${(i % 3) + 1}/3`)));
  });

  it('round-trips through the Arrow loss table: the same rows as the trainer returned', () => {
    const bytes = encodeTrainingTable(trained.history, SMALL.embeddingDim);
    const { history, embeddingDim } = decodeTrainingTable(bytes, 'memory');
    expect(embeddingDim).toBe(SMALL.embeddingDim);
    expect(history).toEqual(trained.history);
    expect(() => decodeTrainingTable(encodeTrainingTable(trained.history, 0), 'bad.arrow')).toThrow(/bad.arrow: metadata embeddingDim/);
  });
});

describe('the departures and the ablation are switches of the same trainer', () => {
  const classes = roundRobin(24);
  const run = (options: { reconstructionWeight?: number; matchingAware?: boolean }) =>
    trainCgan(classVoxels(classes, 0.3, new Random(2)), classImages(classes, SIZE), { seed: 4, outputSize: SIZE, epochs: 4, batchSize: 8, learningRate: 1e-3, architecture: SMALL, ...options }).then((t) => {
      disposeCgan(t.model);
      return t.history;
    });

  it('the pixel L1 term, when weighted, pulls the generated images towards their own images', async () => {
    const [plain, weighted] = [await run({}), await run({ reconstructionWeight: 100 })];
    // A DCGAN-initialised generator (weights N(0, 0.02)) moves slowly in 12 steps: a clear but small gap.
    expect(weighted[3]!.pixelL1).toBeLessThan(plain[3]!.pixelL1 - 0.05);
    expect(weighted[3]!.pixelL1).toBeLessThan(weighted[0]!.pixelL1);
    // The same seed and data: the first steps' losses agree until the extra term has moved the weights.
    expect(weighted[0]!.dRealRight).toBeCloseTo(plain[0]!.dRealRight, 1);
  });

  it('without the matching-aware term the discriminator does not learn to reject mismatched pairs', async () => {
    const [aware, plain] = [await run({}), await run({ matchingAware: false })];
    expect(plain).not.toEqual(aware);
    // Trained on, the real/wrong loss falls; scored only, it follows real/right (the same images).
    expect(aware[3]!.dRealWrong).toBeLessThan(plain[3]!.dRealWrong);
  });

  it('rejects negative weights', async () => {
    await expect(run({ reconstructionWeight: -1 })).rejects.toThrow(/reconstructionWeight must be ≥ 0/);
  });
});
