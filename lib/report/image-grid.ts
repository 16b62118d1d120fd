import { CHANNELS, type ImageBatch } from '../images/image-batch';

/**
 * Images tiled into one RGB image (HWC floats): `rows[r][c]` is the image at row r, column c
 * (undefined leaves a blank tile). Each tile is upscaled by an integer factor with nearest
 * neighbours so small reconstructions stay crisp, and separated by a white margin.
 */
export function imageGrid(rows: readonly (readonly (Float32Array | undefined)[])[], size: number, scale: number, margin = 2): { height: number; width: number; data: Float32Array } {
  const cols = Math.max(...rows.map((r) => r.length));
  const tile = size * scale;
  const height = rows.length * (tile + margin) + margin;
  const width = cols * (tile + margin) + margin;
  const data = new Float32Array(height * width * CHANNELS).fill(1);
  rows.forEach((row, r) =>
    row.forEach((image, c) => {
      if (!image) return;
      const oy = margin + r * (tile + margin);
      const ox = margin + c * (tile + margin);
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const src = (Math.floor(y / scale) * size + Math.floor(x / scale)) * CHANNELS;
          const dst = ((oy + y) * width + ox + x) * CHANNELS;
          for (let ch = 0; ch < CHANNELS; ch++) data[dst + ch] = image[src + ch]!;
        }
      }
    }),
  );
  return { height, width, data };
}

/** The image with `id`, as a view into its batch. */
export function imageById(batch: ImageBatch, ids: readonly string[], id: string): Float32Array | undefined {
  const i = ids.indexOf(id);
  if (i < 0) return undefined;
  const size = batch.height * batch.width * CHANNELS;
  return batch.data.subarray(i * size, (i + 1) * size);
}
