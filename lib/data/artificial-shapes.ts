import { filledImage, paint, type Rgb } from './raster';

/** The paper's artificial shapes: five forms, each in eight colours, on a grey background. */
export const SHAPE_NAMES = ['square', 'small-frame', 'large-frame', 'plus', 'cross'] as const;
export const SHAPE_COLOURS: Record<string, Rgb> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  cyan: [0, 1, 1],
  magenta: [1, 0, 1],
  yellow: [1, 1, 0],
  white: [1, 1, 1],
  black: [0, 0, 0],
};
const BACKGROUND: Rgb = [0.5, 0.5, 0.5];

type Coverage = (x: number, y: number) => boolean;

/** Coverage of each form in image-relative coordinates centred on (0.5, 0.5). */
const FORMS: Record<(typeof SHAPE_NAMES)[number], Coverage> = {
  square: (x, y) => Math.abs(x - 0.5) <= 0.25 && Math.abs(y - 0.5) <= 0.25,
  'small-frame': (x, y) => Math.max(Math.abs(x - 0.5), Math.abs(y - 0.5)) <= 0.22 && Math.max(Math.abs(x - 0.5), Math.abs(y - 0.5)) >= 0.14,
  'large-frame': (x, y) => Math.max(Math.abs(x - 0.5), Math.abs(y - 0.5)) <= 0.4 && Math.max(Math.abs(x - 0.5), Math.abs(y - 0.5)) >= 0.32,
  plus: (x, y) => (Math.abs(x - 0.5) <= 0.07 && Math.abs(y - 0.5) <= 0.35) || (Math.abs(y - 0.5) <= 0.07 && Math.abs(x - 0.5) <= 0.35),
  cross: (x, y) => {
    const u = x - 0.5;
    const v = y - 0.5;
    return Math.max(Math.abs(u), Math.abs(v)) <= 0.3 && Math.min(Math.abs(u - v), Math.abs(u + v)) <= 0.1;
  },
};

export interface ShapeStimulus {
  readonly name: string;
  readonly image: Float32Array;
}

/** All 40 shape × colour images, in the order shape-major, colour-minor. */
export function artificialShapes(size: number): ShapeStimulus[] {
  return SHAPE_NAMES.flatMap((shape) =>
    Object.entries(SHAPE_COLOURS).map(([colour, rgb]) => {
      const image = filledImage(size, BACKGROUND);
      paint(image, size, rgb, FORMS[shape]);
      return { name: `${shape}-${colour}`, image };
    }),
  );
}
