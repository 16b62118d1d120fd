import { escapeMarkup } from './escape-markup';
import { isControlMethod, methodLabel } from './method-groups';

/** A tiled image grid (see `imageGrid`) and what its rows and columns show. */
export interface LabelledGrid {
  /** Top to bottom: `true image`, then one method name per row. */
  readonly rows: readonly string[];
  /** Left to right: the stimulus id of each column. */
  readonly columns: readonly string[];
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Tile size and the margin before each tile, in pixels of the PNG. */
  readonly tile: number;
  readonly margin: number;
}

const FONT = 12;
/** Rough advance of one character of a 12 px sans-serif font; enough to leave room for labels. */
const CHAR = 7;

/**
 * The grid as one self-contained SVG: the PNG embedded, each row labelled with its method (the
 * controls marked as such, in grey) and each column with its stimulus id, rotated to fit.
 */
export function labelledGridSvg(grid: LabelledGrid): string {
  const rowLabels = grid.rows.map((r) => methodLabel(r));
  const left = Math.max(...rowLabels.map((l) => l.length), 4) * CHAR + 12;
  const longestId = Math.max(...grid.columns.map((c) => c.length), 1);
  const top = Math.ceil(longestId * CHAR * Math.SQRT1_2) + FONT + 6;
  const width = left + grid.width + top;
  const height = top + grid.height;
  const pitch = grid.tile + grid.margin;
  const parts: string[] = [];
  grid.columns.forEach((id, c) => {
    const x = left + grid.margin + c * pitch + grid.tile / 2;
    const y = top - 4;
    parts.push(`<text x="${x}" y="${y}" font-size="11" transform="rotate(-45 ${x} ${y})">${escapeMarkup(id)}</text>`);
  });
  rowLabels.forEach((label, r) => {
    const y = top + grid.margin + r * pitch + grid.tile / 2 + FONT / 3;
    const style = isControlMethod(grid.rows[r]!) ? ' fill="#777" font-style="italic"' : r === 0 ? ' font-weight="bold"' : '';
    parts.push(`<text x="${left - 8}" y="${y}" font-size="${FONT}" text-anchor="end"${style}>${escapeMarkup(label)}</text>`);
  });
  const b64 = Buffer.from(grid.png).toString('base64');
  parts.push(`<image x="${left}" y="${top}" width="${grid.width}" height="${grid.height}" style="image-rendering:pixelated" href="data:image/png;base64,${b64}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}
