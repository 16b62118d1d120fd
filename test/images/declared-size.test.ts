import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImageFolder } from '../../lib/data/image-folder';
import { declaredImageSize } from '../../lib/images/declared-size';
import { encodePng } from '../../lib/images/png';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-bomb-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const png = (width: number, height: number) => encodePng(new Float32Array(width * height * 3), height, width);
const jpeg = (width: number, height: number) => new Uint8Array(encodeJpeg({ width, height, data: Buffer.alloc(width * height * 4) }, 90).data);

/** A PNG header alone: signature and an IHDR chunk declaring the size (no pixel data at all). */
function pngHeader(width: number, height: number): Uint8Array {
  const out = new Uint8Array(33);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(out.buffer).setUint32(16, width);
  new DataView(out.buffer).setUint32(20, height);
  out.set([8, 2, 0, 0, 0], 24);
  return out;
}

async function folderWith(name: string, file: string, bytes: Uint8Array): Promise<string> {
  const root = path.join(dir, name);
  await fs.mkdir(path.join(root, 'train'), { recursive: true });
  await fs.writeFile(path.join(root, 'train', 'ok.png'), png(8, 8));
  await fs.writeFile(path.join(root, 'train', file), bytes);
  return root;
}

describe('the size an image declares', () => {
  it('is read from the PNG and JPEG headers', () => {
    expect(declaredImageSize(png(7, 5))).toEqual({ width: 7, height: 5 });
    expect(declaredImageSize(jpeg(24, 16))).toEqual({ width: 24, height: 16 });
    expect(declaredImageSize(pngHeader(20000, 20000))).toEqual({ width: 20000, height: 20000 });
    expect(declaredImageSize(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

describe('a stimulus folder refuses images larger than the limit before decoding them', () => {
  it('a PNG over a configured limit: names the file, its declared size, its bytes and the limit', async () => {
    const bytes = png(2000, 1200);
    const root = await folderWith('png', 'big.png', bytes);
    await expect(loadImageFolder(root, 8, { maxImageSide: 1000 })).rejects.toThrow(
      `${path.join(root, 'train', 'big.png')}: declares 2000×1200 px in ${bytes.length} bytes; the limit is 1000 px a side (stimuli.maxImageSide)`,
    );
    expect((await loadImageFolder(root, 8, { maxImageSide: 2000 })).ids).toEqual(['big', 'ok']);
  });

  it('a JPEG over a configured limit', async () => {
    const root = await folderWith('jpeg', 'wide.jpg', jpeg(1600, 16));
    await expect(loadImageFolder(root, 8, { maxImageSide: 1000 })).rejects.toThrow(/wide\.jpg: declares 1600×16 px in \d+ bytes; the limit is 1000 px a side/);
  });

  it('a 33-byte PNG declaring 20000×20000 px, under the default limit of 8192', async () => {
    const root = await folderWith('default', 'bomb.png', pngHeader(20000, 20000));
    await expect(loadImageFolder(root, 8)).rejects.toThrow(/bomb\.png: declares 20000×20000 px in 33 bytes; the limit is 8192 px a side/);
  });
});
