import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng } from '../../lib/images/png';
import { dumpDom, findChromium, screenshot, svgSize } from '../../lib/report/chromium';
import { imageGrid } from '../../lib/report/image-grid';
import { decodingChart, identificationChart, metricArrow, reportHtml } from '../../lib/report/report-html';
import type { LayerAccuracy, Score } from '../../workflows/contracts';

const scores: Score[] = [
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'test', metric: 'pixel-identification', value: 0.91 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'shapes', metric: 'pixel-identification', value: 0.93 },
  { subject: 'sim01', method: 'icnn-gd', stimulusSet: 'test', metric: 'ssim', value: 0.41 },
];
const decoding: LayerAccuracy[] = ['conv1_1', 'conv2_1', 'fc1'].map((layer, i) => ({ subject: 'sim01', stimulusSet: 'test', layer, profileCorrelation: 0.2 + 0.1 * i, patternCorrelation: 0.5 + 0.2 * i, identification: 0.7 + 0.1 * i }));

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-report-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function report(): string {
  const red = new Float32Array(4 * 4 * 3).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const grid = imageGrid([[red, red], [red, undefined]], 4, 3);
  return reportHtml({ experiment: 'demo', createdAt: '2026-11-23T00:00:00Z', scores, decoding, grids: [{ subject: 'sim01', stimulusSet: 'test', rows: ['true image', 'icnn-gd'], ids: ['a', 'b'], png: encodePng(grid.data, grid.height, grid.width), rowHeight: 14 }] });
}

describe('the report', () => {
  it('tiles images with margins and nearest-neighbour upscaling', () => {
    const px = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1); // 2×2: red, green / blue, white
    const grid = imageGrid([[px]], 2, 2, 1);
    expect([grid.height, grid.width]).toEqual([6, 6]);
    const at = (y: number, x: number) => Array.from(grid.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([1, 1, 1]); // margin
    expect(at(1, 1)).toEqual([1, 0, 0]);
    expect(at(2, 2)).toEqual([1, 0, 0]);
    expect(at(1, 3)).toEqual([0, 1, 0]);
    expect(at(3, 1)).toEqual([0, 0, 1]);
  });

  it('is one self-contained page: metrics with arrows, charts, embedded images, nothing fetched', () => {
    const html = report();
    expect(html).toContain('<th>pixel-identification ↑</th>');
    expect(html).toContain('<td class="num">0.910</td>');
    expect(html).toContain('chance 0.5');
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
    const images = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)];
    expect(images).toHaveLength(1);
    expect(decodePng(new Uint8Array(Buffer.from(images[0]![1]!, 'base64'))).width).toBe(4 * 3 * 2 + 2 * 3);
    // No external resources: no http(s) URLs in src/href, no scripts.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(metricArrow('feature-identification:fc1')).toBe('↑');
  });

  it('draws the chance line at 0.5 and one bar per set and method', () => {
    const svg = identificationChart(scores, 'sim01');
    expect((svg.match(/<rect [^>]*><title>/g) ?? []).length).toBe(2);
    const size = svgSize(svg)!;
    expect(size.width).toBeGreaterThan(200);
    // The dashed line sits half-way up the 220-px plot that starts at y=30: y = 30 + 110.
    expect(svg).toMatch(/<line x1="50" x2="\d+" y1="140" y2="140" stroke="#333" stroke-dasharray/);
    expect((decodingChart(decoding, 'sim01').match(/<polyline/g) ?? []).length).toBe(3);
  });

  const chromium = findChromium();
  it.runIf(chromium)('renders in headless Chromium', async () => {
    const file = path.join(dir, 'report.html');
    await fs.writeFile(file, report());
    const dom = await dumpDom(chromium!, file);
    expect(dom).toContain('deeprecon report — demo');
    expect(dom).toContain('0.910');
    const png = path.join(dir, 'page.png');
    await screenshot(chromium!, file, png, 900, 700);
    const shot = decodePng(new Uint8Array(await fs.readFile(png)));
    expect([shot.width, shot.height]).toEqual([900, 700]);
    // Not a blank page: the red tiles of the grid or the coloured bars make some pixels saturated.
    let coloured = 0;
    for (let p = 0; p < shot.width * shot.height; p++) if (Math.abs(shot.data[p * 3]! - shot.data[p * 3 + 2]!) > 0.3) coloured++;
    expect(coloured).toBeGreaterThan(100);
  });
});
