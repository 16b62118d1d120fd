/**
 * The Kamitani lab's numeric ImageNet stimulus id: `<WordNet offset>.<image number>` as one float
 * with six decimals, e.g. 1518878.005958 for ImageNet's image file n01518878_5958.JPEG (synset
 * n01518878, image 5958). The GOD and DIR releases label their natural-image samples this way,
 * and the lab's own scripts turn it back into a file name with '%f' (six decimals), splitting at
 * the point: `'n%08d_%d' % (int(whole), int(fraction))`.
 */

const DECIMALS = 1e6;
/** WordNet noun offsets have eight digits. */
const MAX_OFFSET = 99_999_999;

/** Offset and image number of a stimulus id, or undefined when the value is not one. */
function parts(value: number): { offset: number; image: number } | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const scaled = Math.round(value * DECIMALS);
  // More than six decimals (beyond float64 rounding) means some other kind of number.
  if (Math.abs(value * DECIMALS - scaled) > 1e-2) return undefined;
  const offset = Math.floor(scaled / DECIMALS);
  const image = scaled - offset * DECIMALS;
  // An integer (image 0) is an index or a code, not a stimulus id.
  if (offset < 1 || offset > MAX_OFFSET || image < 1) return undefined;
  return { offset, image };
}

/** True when `value` reads as `<WordNet offset>.<image number>` (e.g. 1518878.005958). */
export function isImageNetStimulusId(value: number): boolean {
  return parts(value) !== undefined;
}

/** 1518878.005958 → "n01518878_5958", the ImageNet file stem; throws on other values. */
export function imageNetFileStem(value: number): string {
  const p = parts(value);
  if (!p) throw new Error(`imageNetFileStem: ${value} is not a <WordNet offset>.<image number> stimulus id`);
  return `n${String(p.offset).padStart(8, '0')}_${p.image}`;
}

/** "n01518878_5958" (with or without an extension) → 1518878.005958; undefined for other names. */
export function imageNetStimulusId(fileName: string): number | undefined {
  const m = /^n(\d{8})_(\d{1,6})(?:\.[A-Za-z]+)?$/.exec(fileName);
  if (!m) return undefined;
  const image = Number(m[2]);
  if (image < 1) return undefined;
  return Number(`${Number(m[1])}.${String(image).padStart(6, '0')}`);
}
