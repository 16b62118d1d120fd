import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageFolderFingerprint, loadImageFolder } from '../../lib/data/image-folder';
import { decodeJpeg } from '../../lib/images/jpeg';
import { encodePng } from '../../lib/images/png';
import { centreCropResize } from '../../lib/images/resize';

const grey = (h: number, w: number, f: (y: number, x: number) => number) => ({
  height: h,
  width: w,
  data: Float32Array.from({ length: h * w * 3 }, (_, i) => f(Math.floor(i / 3 / w), Math.floor(i / 3) % w)),
});

describe('centre crop and resize', () => {
  it('is the identity at the same size, averages 2×2 blocks when halving, and crops the centre square', () => {
    const image = grey(4, 4, (y, x) => y * 4 + x);
    expect(Array.from(centreCropResize(image, 4))).toEqual(Array.from(image.data));
    const half = centreCropResize(image, 2);
    // Block means: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, 10.5, 12.5.
    expect(Array.from(half).filter((_, i) => i % 3 === 0)).toEqual([2.5, 4.5, 10.5, 12.5]);
    const wide = grey(2, 4, (_, x) => x);
    expect(Array.from(centreCropResize(wide, 2)).filter((_, i) => i % 3 === 0)).toEqual([1, 2, 1, 2]);
  });
});

describe('JPEG', () => {
  it('decodes what jpeg-js encodes, within JPEG loss', () => {
    const w = 16;
    const rgba = new Uint8Array(w * w * 4).map((_, i) => (i % 4 === 3 ? 255 : ((Math.floor(i / 4) % w) * 16) % 256));
    const jpeg = encodeJpeg({ data: rgba, width: w, height: w }, 100).data;
    const decoded = decodeJpeg(new Uint8Array(jpeg));
    expect([decoded.height, decoded.width]).toEqual([w, w]);
    decoded.data.forEach((v, i) => expect(Math.abs(v - rgba[Math.floor(i / 3) * 4 + (i % 3)]! / 255)).toBeLessThan(0.05));
  });
});

describe('an image folder', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-images-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });
  const write = async (rel: string, bytes: Uint8Array) => {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), bytes);
  };
  const png = (v: number) => encodePng(new Float32Array(8 * 8 * 3).fill(v), 8, 8);

  it('loads <set>/<id>.png in order and fingerprints its content', async () => {
    await write('train/b.png', png(0.2));
    await write('train/a.png', png(0.4));
    await write('test/c.png', png(0.6));
    const stimuli = await loadImageFolder(root, 8);
    expect(stimuli.ids).toEqual(['c', 'a', 'b']);
    expect(stimuli.sets).toEqual(['test', 'train', 'train']);
    expect(stimuli.images.data[0]).toBeCloseTo(0.6, 2);
    const before = await imageFolderFingerprint(root);
    await write('train/a.png', png(0.41));
    expect(await imageFolderFingerprint(root)).not.toBe(before);
  });

  it('names the file and the problem for bad content', async () => {
    await expect(loadImageFolder(path.join(root, 'missing'), 8)).rejects.toThrow(/missing: cannot read the stimulus folder \(ENOENT\)/);
    await write('train/a.png', png(0.1));
    await write('test/a.png', png(0.1));
    await expect(loadImageFolder(root, 8)).rejects.toThrow(/train[/\\]a\.png: stimulus id "a" also appears as .*test[/\\]a\.png/);
    await fs.rm(path.join(root, 'test'), { recursive: true });
    await write('train/notes.txt', new Uint8Array(1));
    await expect(loadImageFolder(root, 8)).rejects.toThrow(/notes\.txt: unsupported image type "\.txt"/);
    await fs.rm(path.join(root, 'train', 'notes.txt'));
    await write('train/broken.png', Uint8Array.of(1, 2, 3));
    await expect(loadImageFolder(root, 8)).rejects.toThrow(/broken\.png: not a readable image/);
  });
});
