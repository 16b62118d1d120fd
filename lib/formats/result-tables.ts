import type { ScalarColumn } from '../store/parquet-table';
import type { LayerAccuracy, Score, StageSummary, SweepResultRow } from '../../workflows/contracts';

/**
 * The tables a person reads — scores, decoding accuracy, stage timings, sweep results — as named
 * columns, so the Arrow and Parquet copies of one table are built from one definition. One row
 * per record; snake_case column names, as pandas and SQL users expect.
 */
export type ResultTable = Record<string, ScalarColumn>;

const utf8 = (values: readonly string[]): ScalarColumn => ({ kind: 'utf8', values });
const float64 = (values: Iterable<number>): ScalarColumn => ({ kind: 'float64', values: Float64Array.from(values) });

/** Scores (evaluate stage): an interval bound that was not computed is NaN, images 0. */
export function scoreTable(scores: readonly Score[]): ResultTable {
  return {
    subject: utf8(scores.map((s) => s.subject)),
    method: utf8(scores.map((s) => s.method)),
    stimulus_set: utf8(scores.map((s) => s.stimulusSet)),
    metric: utf8(scores.map((s) => s.metric)),
    value: float64(scores.map((s) => s.value)),
    low: float64(scores.map((s) => s.low ?? Number.NaN)),
    high: float64(scores.map((s) => s.high ?? Number.NaN)),
    images: { kind: 'int32', values: Int32Array.from(scores, (s) => s.images ?? 0) },
  };
}

/** Decoding accuracy per stimulus set and layer; `withSubject` for tables that span subjects. */
export function accuracyTable(accuracy: readonly LayerAccuracy[], withSubject: boolean): ResultTable {
  return {
    ...(withSubject ? { subject: utf8(accuracy.map((a) => a.subject)) } : {}),
    stimulus_set: utf8(accuracy.map((a) => a.stimulusSet)),
    layer: utf8(accuracy.map((a) => a.layer)),
    profile_correlation: float64(accuracy.map((a) => a.profileCorrelation)),
    pattern_correlation: float64(accuracy.map((a) => a.patternCorrelation)),
    identification: float64(accuracy.map((a) => a.identification)),
  };
}

/** Stage timings of one run: which stages ran (and why) or were cached, and for how long. */
export function stageTable(stages: readonly StageSummary[]): ResultTable {
  return {
    stage: utf8(stages.map((s) => s.stage)),
    subject: utf8(stages.map((s) => s.subject ?? '')),
    variant: utf8(stages.map((s) => s.variant ?? '')),
    reason: utf8(stages.map((s) => s.reason)),
    cached: { kind: 'bool', values: Uint8Array.from(stages, (s) => (s.cached ? 1 : 0)) },
    seconds: float64(stages.map((s) => s.seconds)),
    key: utf8(stages.map((s) => s.key)),
  };
}

/** A sweep's results: one row per point × method × stimulus set × metric. */
export function sweepTable(rows: readonly SweepResultRow[]): ResultTable {
  return {
    point: utf8(rows.map((r) => r.point)),
    subject: utf8(rows.map((r) => r.subject)),
    params: utf8(rows.map((r) => r.params)),
    method: utf8(rows.map((r) => r.method)),
    stimulus_set: utf8(rows.map((r) => r.stimulusSet)),
    metric: utf8(rows.map((r) => r.metric)),
    value: float64(rows.map((r) => r.value)),
  };
}
