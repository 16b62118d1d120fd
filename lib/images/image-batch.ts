/**
 * A batch of RGB images, NHWC, float32 values in [0, 1]:
 * pixel (n, y, x, c) is data[((n * height + y) * width + x) * 3 + c].
 */
export interface ImageBatch {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

export const CHANNELS = 3;

export function createImageBatch(count: number, height: number, width: number, data?: Float32Array): ImageBatch {
  const size = count * height * width * CHANNELS;
  const values = data ?? new Float32Array(size);
  if (values.length !== size) {
    throw new Error(`createImageBatch: ${count}x${height}x${width}x3 needs ${size} values, got ${values.length}`);
  }
  return { count, height, width, data: values };
}

/** Image i as a view (HWC, no copy). */
export function imageView(batch: ImageBatch, i: number): Float32Array {
  const size = batch.height * batch.width * CHANNELS;
  return batch.data.subarray(i * size, (i + 1) * size);
}

/** Copies the listed images, in order, into a new batch. */
export function selectImages(batch: ImageBatch, indices: readonly number[]): ImageBatch {
  const size = batch.height * batch.width * CHANNELS;
  const out = createImageBatch(indices.length, batch.height, batch.width);
  indices.forEach((i, k) => {
    if (i < 0 || i >= batch.count) throw new Error(`selectImages: image ${i} outside 0..${batch.count - 1}`);
    out.data.set(batch.data.subarray(i * size, (i + 1) * size), k * size);
  });
  return out;
}
