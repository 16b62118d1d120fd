/**
 * icnn's pixel-sized settings (blur σ 2 → 0.5, jitter 32 px) were chosen for VGG19's 224-px input.
 * Expressed as a fraction of the image they act on the same image structure at any size, so they
 * scale with the side of the reconstructed image.
 */
export const ICNN_IMAGE_SIZE = 224;

/** A length given in pixels of a 224-px image, in pixels of a `size`-px image. */
export function atImageSize(pixelsAt224: number, size: number): number {
  return (pixelsAt224 * size) / ICNN_IMAGE_SIZE;
}
