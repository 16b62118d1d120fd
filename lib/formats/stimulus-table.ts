import type { StimulusSet } from '../data/trials';
import { createImageBatch, imageView } from '../images/image-batch';
import { decodePng, encodePng } from '../images/png';
import { DataError } from '../data/data-error';
import { decodeTable, encodeTable } from '../store/arrow-table';

/** Arrow layout: `stimulus_id: utf8`, `set: utf8`, `png: binary` (one 8-bit RGB PNG per image). */
export function encodeStimulusTable(stimuli: StimulusSet): Uint8Array {
  const { images } = stimuli;
  const pngs = stimuli.ids.map((_, i) => encodePng(imageView(images, i), images.height, images.width));
  return encodeTable(
    {
      stimulus_id: { kind: 'utf8', values: stimuli.ids },
      set: { kind: 'utf8', values: stimuli.sets },
      png: { kind: 'binary', values: pngs },
    },
    { height: String(images.height), width: String(images.width) },
  );
}

/** Decodes every PNG; images of different sizes are a DataError naming the stimulus. */
export function decodeStimulusTable(bytes: Uint8Array, source: string): StimulusSet {
  const table = decodeTable(bytes, source);
  const ids = table.strings('stimulus_id');
  const sets = table.strings('set');
  const pngs = table.binary('png');
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
  return { ids, sets, images: batch };
}
