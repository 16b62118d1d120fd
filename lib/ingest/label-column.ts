import { DataError } from '../data/data-error';
import type { BData } from './bdata-layout';
import { columnsOf } from './read-bdata';
import { isImageNetStimulusId } from './imagenet-stimulus-id';

export interface LabelColumnOptions {
  /**
   * Position among the columns the label key marks, counted from 0 as in bdpy's
   * `get('Label')[:, i]`. DIR's `Label` holds (image index, stimulus id), so 1 is the stimulus id.
   */
  readonly labelColumn?: number;
}

/**
 * The dataset column that holds each sample's stimulus label. A label key marking one column is
 * that column. When it marks several (DIR's `Label`: image index and stimulus id, without a key
 * per column), `labelColumn` picks one by position; without it, the one column whose labels all
 * read as `<WordNet offset>.<image number>` stimulus ids is taken. Rest (0) and NaN are ignored.
 */
export function chooseLabelColumn(b: BData, labelKey: string, source: string, o: LabelColumnOptions = {}): number {
  const cols = columnsOf(b, labelKey);
  if (!cols) throw new DataError(source, `no "${labelKey}" metadata key; pass labelKey naming the stimulus label column`);
  if (cols.length === 0) throw new DataError(source, `"${labelKey}" marks no columns`);
  if (o.labelColumn !== undefined) {
    if (!Number.isInteger(o.labelColumn) || o.labelColumn < 0 || o.labelColumn >= cols.length) {
      throw new DataError(source, `labelColumn ${o.labelColumn} is out of range: "${labelKey}" marks ${cols.length} column(s), positions 0–${cols.length - 1}`);
    }
    return cols[o.labelColumn]!;
  }
  if (cols.length === 1) return cols[0]!;

  const { rows, cols: width, data } = b.dataset;
  const labelsOf = (c: number): number[] => {
    const values: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = data[i * width + c]!;
      if (!Number.isNaN(v) && v !== 0) values.push(v);
    }
    return values;
  };
  const looksLikeIds = cols.map((c) => {
    const values = labelsOf(c);
    return values.length > 0 && values.every(isImageNetStimulusId);
  });
  const found = looksLikeIds.flatMap((yes, k) => (yes ? [k] : []));
  if (found.length === 1) return cols[found[0]!]!;

  const samples = cols
    .map((c, k) => {
      const distinct = [...new Set(labelsOf(c))];
      return `column ${k}: ${distinct.slice(0, 3).join(', ')}${distinct.length > 3 ? ', …' : ''}`;
    })
    .join('; ');
  const inside = new Set(cols);
  const perColumnKeys = b.metadata.key.filter((k) => {
    const c = columnsOf(b, k)!;
    return k !== labelKey && c.length === 1 && inside.has(c[0]!);
  });
  const why = found.length === 0 ? 'none of them holds only' : `${found.length} of them hold`;
  throw new DataError(
    source,
    `"${labelKey}" marks ${cols.length} columns and ${why} <WordNet offset>.<image number> stimulus ids (e.g. 1518878.005958); ` +
      `set labelColumn to the stimulus column's position (0–${cols.length - 1})` +
      (perColumnKeys.length > 0 ? ` or labelKey to one of ${perColumnKeys.join(', ')}` : '') +
      ` (${samples})`,
  );
}
