import { describe, expect, it } from 'vitest';
import type { CganEpoch } from '../../lib/gan/train-cgan';
import { createImageBatch } from '../../lib/images/image-batch';
import { decodePng } from '../../lib/images/png';
import { cganLossChart, cganSampleGrid, evenlySpaced, shownEpochs } from '../../lib/report/cgan-training';
import { reportHtml } from '../../lib/report/report-html';

const epoch = (e: number): CganEpoch => ({ epoch: e, dRealRight: 0.7 - 0.05 * e, dRealWrong: 0.7 - 0.1 * e, dFakeRight: 0.6, dLoss: 1.3, gLoss: 0.9 + 0.1 * e, kl: 128 * 0.5, pixelL1: 0.4 });

describe('the report’s cGAN training figure', () => {
  it('plots every loss at every epoch, the KL per dimension of c', () => {
    const svg = cganLossChart('cGAN losses — sim01', [1, 2, 3, 4].map(epoch), 128);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(6);
    expect(svg.match(/<circle/g)).toHaveLength(24);
    expect(svg).toContain('D real/wrong, epoch 4: 0.300');
    expect(svg).toContain('KL per c dimension, epoch 2: 0.500');
  });

  it('shows at most ten epochs, always the first and the last; follows evenly spaced pairs', () => {
    expect(shownEpochs(6)).toEqual([1, 2, 3, 4, 5, 6]);
    const many = shownEpochs(40);
    expect(many).toHaveLength(10);
    expect([many[0], many[9]]).toEqual([1, 40]);
    expect([...many].sort((a, b) => a - b)).toEqual(many);
    expect(evenlySpaced(1200, 8)).toEqual([0, 150, 300, 450, 600, 750, 900, 1050]);
    expect(evenlySpaced(5, 8)).toEqual([0, 1, 2, 3, 4]);
  });

  it('lays the sample grid out as true images over one row per epoch, and the report embeds it', () => {
    const truth = createImageBatch(3, 8, 8, new Float32Array(3 * 64 * 3).fill(1));
    const samples = new Map([5, 1].map((e) => [e, createImageBatch(3, 8, 8, new Float32Array(3 * 64 * 3).fill(e / 10))]));
    const grid = cganSampleGrid(truth, ['a', 'b', 'c'], samples, 2);
    expect(grid.rows).toEqual(['true image', 'epoch 1', 'epoch 5']);
    const png = decodePng(grid.png);
    expect([png.height, png.width]).toEqual([3 * 18 + 2, 3 * 18 + 2]);
    // Row 2 (epoch 1) holds value 0.1: its first tile's top-left pixel.
    expect(png.data[((2 + 18) * png.width + 2) * 3]).toBeCloseTo(0.1, 2);
    const html = reportHtml({ experiment: 'e', createdAt: 'now', scores: [], decoding: [], grids: [], cganTraining: [{ subject: 's', lossChart: '<svg id="loss"></svg>', samples: '<svg id="samples"></svg>' }] });
    // No scores: no subject section, so nothing to show.
    expect(html).not.toContain('id="loss"');
    const withScores = reportHtml({ experiment: 'e', createdAt: 'now', scores: [{ subject: 's', method: 'cgan', stimulusSet: 'natural', metric: 'pixel-identification', value: 0.6 }], decoding: [], grids: [], cganTraining: [{ subject: 's', lossChart: '<svg id="loss"></svg>', samples: '<svg id="samples"></svg>' }] });
    expect(withScores).toContain('<svg id="loss"></svg><svg id="samples"></svg>');
  });
});
