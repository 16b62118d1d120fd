import { deflateSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { decodePng, encodePng } from '../../lib/images/png';
import { Random } from '../../lib/random';

/** CRC-32 (PNG/zlib polynomial), bitwise, so the hand-made PNG does not depend on fast-png. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** Builds a PNG byte by byte: filter type 0 on every scanline. */
function handMadePng(width: number, height: number, depth: number, colourType: number, rows: number[][]): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colourType, 0, 0, 0], 8);
  const raw = Uint8Array.from(rows.flatMap((r) => [0, ...r]));
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', new Uint8Array(deflateSync(raw))),
    chunk('IEND', new Uint8Array(0)),
  ];
  const total = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    total.set(p, at);
    at += p.length;
  }
  return total;
}

describe('encodePng / decodePng', () => {
  it('round-trips to within 1/255 quantisation, with exact rounding', () => {
    const rnd = new Random(7);
    const h = 5;
    const w = 7;
    const img = new Float32Array(h * w * 3).map(() => rnd.next());
    const back = decodePng(encodePng(img, h, w));
    expect(back.height).toBe(h);
    expect(back.width).toBe(w);
    for (let i = 0; i < img.length; i++) {
      expect(back.data[i]).toBeCloseTo(Math.round(img[i]! * 255) / 255, 6);
    }
  });

  it('clamps values outside [0, 1]', () => {
    const back = decodePng(encodePng(Float32Array.from([-0.5, 1.7, 0.5]), 1, 1));
    expect(Array.from(back.data)).toEqual([0, 1, 128 / 255].map((x) => Math.fround(x)));
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => encodePng(new Float32Array(5), 1, 2)).toThrow(/needs 6 values/);
  });

  it('decodes a hand-made 2x1 RGBA PNG, dropping alpha', () => {
    const png = handMadePng(2, 1, 8, 6, [[255, 0, 51, 10, 0, 102, 255, 200]]);
    const out = decodePng(png);
    expect(out).toMatchObject({ height: 1, width: 2 });
    expect(Array.from(out.data)).toEqual([1, 0, 0.2, 0, 0.4, 1].map((x) => Math.fround(x)));
  });

  it('decodes hand-made grey, grey+alpha and 16-bit RGB PNGs', () => {
    const grey = decodePng(handMadePng(2, 1, 8, 0, [[0, 51]]));
    expect(Array.from(grey.data)).toEqual([0, 0, 0, 0.2, 0.2, 0.2].map((x) => Math.fround(x)));
    const greyAlpha = decodePng(handMadePng(1, 2, 8, 4, [[255, 0], [102, 9]]));
    expect(Array.from(greyAlpha.data)).toEqual([1, 1, 1, 0.4, 0.4, 0.4].map((x) => Math.fround(x)));
    // 16-bit samples are big-endian: 0xffff, 0x0000, 0x3333 (= 0.2 of 65535).
    const rgb16 = decodePng(handMadePng(1, 1, 16, 2, [[0xff, 0xff, 0, 0, 0x33, 0x33]]));
    expect(Array.from(rgb16.data)).toEqual([1, 0, 0.2].map((x) => Math.fround(x)));
  });

  it('decodes a hand-made palette PNG', () => {
    // Colour type 3 needs a PLTE chunk: index 0 = (0, 51, 255), index 1 = (255, 255, 0).
    const base = handMadePng(2, 1, 8, 3, [[1, 0]]);
    const plte = chunk('PLTE', Uint8Array.from([0, 51, 255, 255, 255, 0]));
    const ihdrEnd = 8 + 25; // signature + IHDR chunk
    const png = new Uint8Array(base.length + plte.length);
    png.set(base.subarray(0, ihdrEnd));
    png.set(plte, ihdrEnd);
    png.set(base.subarray(ihdrEnd), ihdrEnd + plte.length);
    const out = decodePng(png);
    expect(Array.from(out.data)).toEqual([1, 1, 0, 0, 0.2, 1].map((x) => Math.fround(x)));
  });

  it('throws a clear error for bytes that are not a PNG', () => {
    expect(() => decodePng(Uint8Array.from([1, 2, 3, 4]))).toThrow(/decodePng/);
  });
});
