import { CHANNELS, type ImageBatch } from '../images/image-batch';

/** The mean of the listed images, per pixel and channel (HWC, values in [0, 1]), in float64. */
export function meanImage(images: ImageBatch, rows: readonly number[]): Float32Array {
  if (rows.length === 0) throw new Error('meanImage: no images to average');
  const size = images.height * images.width * CHANNELS;
  const sum = new Float64Array(size);
  for (const r of rows) {
    if (r < 0 || r >= images.count) throw new Error(`meanImage: image ${r} outside 0..${images.count - 1}`);
    const offset = r * size;
    for (let k = 0; k < size; k++) sum[k]! += images.data[offset + k]!;
  }
  return Float32Array.from(sum, (v) => v / rows.length);
}

/** The mean colour of an HWC image, per channel, in 0–255 units. */
export function meanColour(image: Float32Array): [number, number, number] {
  const sum = [0, 0, 0];
  for (let k = 0; k < image.length; k++) sum[k % CHANNELS]! += image[k]!;
  const pixels = image.length / CHANNELS;
  return [(255 * sum[0]!) / pixels, (255 * sum[1]!) / pixels, (255 * sum[2]!) / pixels];
}

/**
 * The colour the optimisers centre pixels on (icnn subtracts the network's mean pixel and decays
 * towards it): the training images' mean colour, or a mid grey when no mean image is given.
 */
export function pixelCentre(mean?: Float32Array): [number, number, number] {
  return mean ? meanColour(mean) : [0.45 * 255, 0.45 * 255, 0.45 * 255];
}
