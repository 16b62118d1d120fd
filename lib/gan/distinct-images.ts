import { imageView, type ImageBatch } from '../images/image-batch';

/**
 * Group id per image: equal ids for identical pixel data (the same stimulus shown on several
 * trials), numbered in order of first appearance. The matching-aware discriminator needs it so a
 * "mismatched" condition never comes from a trial that showed the same image.
 */
export function distinctImageGroups(images: ImageBatch): Int32Array {
  const groups = new Int32Array(images.count);
  const byHash = new Map<number, number[]>();
  const firstOf: number[] = [];
  for (let i = 0; i < images.count; i++) {
    const pixels = imageView(images, i);
    const hash = fnv1a(pixels);
    const candidates = byHash.get(hash) ?? [];
    const same = candidates.find((g) => equalArrays(imageView(images, firstOf[g]!), pixels));
    if (same !== undefined) {
      groups[i] = same;
    } else {
      const g = firstOf.length;
      firstOf.push(i);
      candidates.push(g);
      byHash.set(hash, candidates);
      groups[i] = g;
    }
  }
  return groups;
}

function fnv1a(values: Float32Array): number {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return h >>> 0;
}

function equalArrays(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
