import { Random } from '../random';
import { percentile } from './percentile';

export interface BootstrapOptions {
  /** Resamples drawn (default 1,000). */
  readonly resamples?: number;
  /** Seed of the resampling; the same seed gives the same interval on every machine. */
  readonly seed?: number;
  /** Coverage of the interval (default 0.95: the 2.5th and 97.5th percentiles). */
  readonly level?: number;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** Fixed so that a rerun reports the same interval; it has no meaning beyond that. */
export const BOOTSTRAP_SEED = 20190117;

/**
 * Percentile bootstrap interval of the mean over images: draw n of the n finite per-image values
 * with replacement, take the mean, repeat; the interval is the (1 − level)/2 and (1 + level)/2
 * percentiles of those means. It says how much the score depends on which images happen to be in
 * the test set — not on the noise of one subject's measurements, nor on other subjects.
 * Non-finite values are left out, as `finiteMean` leaves them out; NaN bounds when none is finite.
 */
export function bootstrapInterval(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`bootstrapInterval: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapInterval: level must be within (0, 1), got ${level}`);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  const n = finite.length;
  if (n === 0) return { low: Number.NaN, high: Number.NaN };
  const rng = new Random(options.seed ?? BOOTSTRAP_SEED);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += finite[rng.int(n)]!;
    means[b] = sum / n;
  }
  const tail = ((1 - level) / 2) * 100;
  return { low: percentile(means, tail), high: percentile(means, 100 - tail) };
}
