/** How an area's voxels are driven: a Gabor-energy model (early areas) or the shape network (higher areas). */
export type AreaModel = 'gabor' | 'shape';

/**
 * One visual area of the simulated subject. Sizes are at 32×32 px and scale with the image;
 * weights are relative shares of each voxel's response (see `gabor-voxel-drive.ts`).
 */
export interface VisualArea {
  readonly roi: string;
  /** Share of the VC voxels. */
  readonly share: number;
  readonly model: AreaModel;
  /** Population receptive-field SD in px at 32×32 (× U(0.8, 1.25) per voxel). */
  readonly rfSd: number;
  /** SD of the signed luminance and of each opponent-colour weight (Gabor areas; energy has weight 1). */
  readonly luminance: number;
  readonly colour: number;
  /** Typical signal amplitude relative to the population (heterogeneous SNR across areas). */
  readonly gain: number;
  /** Imagery drives higher areas relatively more than early ones; multiplies `imageryGain`. */
  readonly imagery: number;
}

/**
 * V1–V4 from Gabor energy (receptive fields growing, colour gaining weight in V4); LOC, FFA and
 * PPA from pooled features of the shape network with large, foveally biased receptive fields.
 * Shares give, at the real files' ~11.7k VC voxels, ~1.8–2.1k for V1–V3 and ~1.1–1.8k for the
 * others (same order as the released ROI masks).
 */
export const VISUAL_AREAS: readonly VisualArea[] = [
  { roi: 'V1', share: 0.18, model: 'gabor', rfSd: 1.2, luminance: 0.5, colour: 0.15, gain: 1.25, imagery: 0.6 },
  { roi: 'V2', share: 0.17, model: 'gabor', rfSd: 1.8, luminance: 0.45, colour: 0.2, gain: 1.2, imagery: 0.7 },
  { roi: 'V3', share: 0.15, model: 'gabor', rfSd: 2.5, luminance: 0.4, colour: 0.25, gain: 1.05, imagery: 0.8 },
  { roi: 'V4', share: 0.11, model: 'gabor', rfSd: 3.5, luminance: 0.3, colour: 0.6, gain: 0.95, imagery: 1 },
  { roi: 'LOC', share: 0.15, model: 'shape', rfSd: 5, luminance: 0, colour: 0, gain: 0.85, imagery: 1.3 },
  { roi: 'FFA', share: 0.11, model: 'shape', rfSd: 6, luminance: 0, colour: 0, gain: 0.75, imagery: 1.3 },
  { roi: 'PPA', share: 0.13, model: 'shape', rfSd: 7, luminance: 0, colour: 0, gain: 0.75, imagery: 1.3 },
];

/** ROI unions as in the lab's files. */
export const ROI_UNIONS: Readonly<Record<string, readonly string[]>> = {
  LVC: ['V1', 'V2', 'V3'],
  HVC: ['LOC', 'FFA', 'PPA'],
  VC: ['V1', 'V2', 'V3', 'V4', 'LOC', 'FFA', 'PPA'],
};

/** Area index of every voxel: contiguous blocks in VISUAL_AREAS order, sized by share. */
export function areaOfVoxels(voxels: number): Uint8Array {
  const area = new Uint8Array(voxels);
  let v = 0;
  VISUAL_AREAS.forEach((a, i) => {
    const end = i === VISUAL_AREAS.length - 1 ? voxels : Math.min(voxels, v + Math.round(a.share * voxels));
    for (; v < end; v++) area[v] = i;
  });
  return area;
}

/** One mask per area and per union over the voxel columns. */
export function roiMasksOf(area: Uint8Array): Record<string, Uint8Array> {
  const masks: Record<string, Uint8Array> = {};
  VISUAL_AREAS.forEach((a, i) => (masks[a.roi] = area.map((k) => (k === i ? 1 : 0))));
  for (const [union, parts] of Object.entries(ROI_UNIONS)) {
    const mask = new Uint8Array(area.length);
    for (const part of parts) masks[part]!.forEach((m, k) => (mask[k] = mask[k]! | m));
    masks[union] = mask;
  }
  return masks;
}
