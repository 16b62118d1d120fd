import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { suiteBackend } from '../support/backend';
import { klDivergence, sampleCondition } from '../../lib/gan/conditioning-augmentation';

beforeAll(async () => {
  await suiteBackend();
});

describe('conditioning augmentation', () => {
  const mu = [
    [1, 0, -0.5],
    [0.25, -2, 0],
  ];
  const logVariance = [
    [0, Math.log(2), -1],
    [0.3, 0, Math.log(0.5)],
  ];

  it('KL equals 0.5·Σ(μ² + σ² − 1 − log σ²) per sample, averaged over the batch', () => {
    // Hand computation, sample by sample.
    const perSample = mu.map((row, i) =>
      row.reduce((s, m, j) => {
        const lv = logVariance[i]![j]!;
        return s + 0.5 * (m * m + Math.exp(lv) - 1 - lv);
      }, 0),
    );
    // Sample 0: 0.5·[(1 + 1 − 1 − 0) + (0 + 2 − 1 − ln 2) + (0.25 + e⁻¹ − 1 + 1)].
    expect(perSample[0]).toBeCloseTo(0.5 * (1 + (1 - Math.log(2)) + (0.25 + Math.exp(-1))), 12);
    const d = { mu: tf.tensor2d(mu), logVariance: tf.tensor2d(logVariance) };
    const kl = klDivergence(d);
    expect(kl.dataSync()[0]).toBeCloseTo((perSample[0]! + perSample[1]!) / 2, 5);
    // Zero exactly at the prior N(0, I).
    const atPrior = klDivergence({ mu: tf.zeros([2, 3]), logVariance: tf.zeros([2, 3]) });
    expect(atPrior.dataSync()[0]).toBe(0);
    tf.dispose([d.mu, d.logVariance, kl, atPrior]);
  });

  it('samples c = μ + σ·ε', () => {
    const d = { mu: tf.tensor2d(mu), logVariance: tf.tensor2d(logVariance) };
    const eps = tf.tensor2d([
      [1, -1, 2],
      [0, 0.5, -3],
    ]);
    const c = sampleCondition(d, eps);
    const expected = mu.flatMap((row, i) => row.map((m, j) => m + Math.exp(0.5 * logVariance[i]![j]!) * eps.arraySync()[i]![j]!));
    Array.from(c.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
    tf.dispose([d.mu, d.logVariance, eps, c]);
  });
});
