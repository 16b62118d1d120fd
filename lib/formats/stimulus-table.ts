import type { StimulusSet } from '../data/trials';
import { CHANNELS, createImageBatch, type ImageBatch } from '../images/image-batch';
import { decodePng } from '../images/png';
import { DataError } from '../data/data-error';
import { decodeTable, encodeTable } from '../store/arrow-table';
import { FIXED_SHAPE_TENSOR } from '../store/fixed-shape-tensor';

/** Each image's tensor: rows of pixels, pixels of R, G, B (the NHWC layout of ImageBatch). */
const IMAGE_DIMS = ['H', 'W', 'C'];

/**
 * 8-bit RGB, rounded exactly as PNG encoding rounds (clamped to [0, 1], nearest 1/255, NaN as 0),
 * so an image reads back the same as when these tables held PNGs and scores do not move.
 */
function toBytes(images: ImageBatch): Uint8Array {
  const bytes = new Uint8Array(images.data.length);
  for (let i = 0; i < bytes.length; i++) {
    const v = images.data[i]!;
    bytes[i] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
  }
  return bytes;
}

/**
 * Arrow layout: `stimulus_id: utf8`, `set: utf8`, `pixels: fixed_size_list<uint8>[H·W·3]` as an
 * `arrow.fixed_shape_tensor` of shape [H, W, 3] (pyarrow: an (N, H, W, 3) uint8 ndarray in one
 * call), plus `height` and `width` in the schema metadata.
 */
export function encodeStimulusTable(stimuli: StimulusSet): Uint8Array {
  const { images } = stimuli;
  return encodeTable(
    {
      stimulus_id: { kind: 'utf8', values: stimuli.ids },
      set: { kind: 'utf8', values: stimuli.sets },
      pixels: { kind: 'bytes', values: toBytes(images), rows: images.count, tensor: { shape: [images.height, images.width, CHANNELS], dimNames: IMAGE_DIMS } },
    },
    { height: String(images.height), width: String(images.width) },
  );
}

/** Tables written before images were tensors hold one PNG per image in `png`. */
function decodePngColumn(pngs: readonly Uint8Array[], ids: readonly string[], source: string): ImageBatch {
  if (pngs.length === 0) throw new DataError(source, 'no stimuli');
  const first = decodePng(pngs[0]!);
  const batch = createImageBatch(pngs.length, first.height, first.width);
  pngs.forEach((png, i) => {
    const image = i === 0 ? first : decodePng(png);
    if (image.height !== first.height || image.width !== first.width) {
      throw new DataError(source, `stimulus "${ids[i]}" is ${image.width}x${image.height}, expected ${first.width}x${first.height}`);
    }
    batch.data.set(image.data, i * image.data.length);
  });
  return batch;
}

/** Reads the images, from the `pixels` tensor or, in an older file, the `png` column. */
export function decodeStimulusTable(bytes: Uint8Array, source: string): StimulusSet {
  const table = decodeTable(bytes, source);
  const ids = table.strings('stimulus_id');
  const sets = table.strings('set');
  if (!table.has('pixels')) return { ids, sets, images: decodePngColumn(table.binary('png'), ids, source) };
  if (ids.length === 0) throw new DataError(source, 'no stimuli');
  const tensor = table.tensorShape('pixels');
  const [height, width, channels] = tensor?.shape ?? [];
  if (tensor?.shape.length !== 3 || channels !== CHANNELS) throw new DataError(source, `column "pixels" must be an ${FIXED_SHAPE_TENSOR} of shape [H, W, ${CHANNELS}]`);
  const pixels = table.bytes('pixels');
  return { ids, sets, images: createImageBatch(ids.length, height!, width!, Float32Array.from(pixels, (b) => b / 255)) };
}
