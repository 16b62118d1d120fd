// Types shared by workflows, activities and the CLI. Types only: workflow code imports nothing else.
import type { ExperimentConfig, StageName, StoreSettings } from '../configs/schema';
import type { NetworkProvenance } from '../lib/evaluation/network-provenance';
import type { ShardBatch } from '../lib/sharding/shard-batches';
import type { ShardPlan, ShardRange } from '../lib/sharding/shard-plan';
import type { ArtifactRef } from '../lib/store/artifact-ref';

export type { ArtifactRef, ExperimentConfig, NetworkProvenance, ShardBatch, ShardPlan, ShardRange, StageName, StoreSettings };

export type BackendRequest = ExperimentConfig['compute']['backend'];

/** What a workflow asks one stage activity to do. */
export interface StageRequest<C> {
  readonly store: StoreSettings;
  readonly backend: BackendRequest;
  readonly subject?: string;
  /** The experiment asking; not part of the cache key, only used to explain why a stage ran. */
  readonly experiment?: string;
  /** Which of several runs of one stage for a subject (e.g. the reconstruction method); not part of the key. */
  readonly variant?: string;
  /** The stage's own config subset; part of the cache key. */
  readonly config: C;
  readonly inputs: Record<string, ArtifactRef>;
  /** Recompute even if a complete output for this key exists. */
  readonly force: boolean;
}

/**
 * Why a stage ran or was skipped, as `status` shows it: compared with the last run of the same
 * stage for the same experiment and subject, what changed (code first, then config, then inputs).
 */
export type StageReason = 'cached' | 'new' | 'forced' | 'code-changed' | 'config-changed' | 'inputs-changed';

export interface StageResult<R = unknown> {
  readonly stage: StageName;
  readonly subject?: string;
  readonly key: string;
  readonly reason: StageReason;
  readonly seconds: number;
  readonly backend: string;
  readonly manifest: ArtifactRef;
  readonly outputs: Record<string, ArtifactRef>;
  readonly results: R;
}

export interface Score {
  readonly subject: string;
  readonly method: string;
  readonly stimulusSet: string;
  readonly metric: string;
  /** Mean over the set's images (those where the metric is defined). */
  readonly value: number;
  /** 95 % percentile-bootstrap interval of that mean over images (seeded, 1,000 resamples). */
  readonly low?: number;
  readonly high?: number;
  /** Images the mean is over. */
  readonly images?: number;
}

export interface LayerAccuracy {
  readonly subject: string;
  readonly stimulusSet: string;
  readonly layer: string;
  readonly profileCorrelation: number;
  readonly patternCorrelation: number;
  /** Pairwise identification of the decoded feature vectors among the set's true ones (chance 0.5). */
  readonly identification: number;
}

export interface ExperimentInput {
  readonly config: ExperimentConfig;
  /** Stages to recompute whatever the cache holds. */
  readonly force: readonly StageName[];
  /** Task queue for this experiment's activities. */
  readonly taskQueue: string;
  /** A stage whose worker is silent this long is retried elsewhere (default 60). */
  readonly heartbeatTimeoutSeconds?: number;
  /** Keep the Deeprecon* search attributes up to date (the cluster must have them registered). */
  readonly searchAttributes?: boolean;
  /**
   * Shard activities one workflow runs itself before a stage hands batches of this many to child
   * workflows (default 200, lib/sharding/shard-batches.ts); lower only to exercise that path.
   */
  readonly shardsPerWorkflow?: number;
}

export interface StageSummary {
  readonly stage: StageName;
  readonly subject?: string;
  /** Which of several runs of one stage for a subject (the reconstruction method). */
  readonly variant?: string;
  readonly reason: StageReason;
  readonly cached: boolean;
  readonly seconds: number;
  readonly key: string;
}

export interface ExperimentResult {
  readonly experiment: string;
  readonly stages: readonly StageSummary[];
  readonly scores: readonly Score[];
  readonly decoding: readonly LayerAccuracy[];
  /** The report stage's outputs: `report` (HTML) and `figures/…`. */
  readonly report?: Record<string, ArtifactRef>;
}

export type StageState = 'pending' | 'running' | 'done' | 'failed';

export interface StageProgress {
  readonly stage: StageName;
  readonly subject?: string;
  readonly variant?: string;
  readonly state: StageState;
  readonly reason?: StageReason;
  readonly seconds?: number;
  readonly error?: string;
  /** A sharded stage's shards finished (computed or cached) out of its shards in all. */
  readonly shards?: ShardCount;
}

export interface ShardCount {
  readonly done: number;
  readonly total: number;
}

/** The stages that split into shards: decode by layer and unit range, reconstruct by set and image range. */
export type ShardedStage = 'decode' | 'reconstruct';

/** Asks for a sharded stage's plan: its request and the items per shard (in no cache key). */
export interface PlanRequest<C> extends StageRequest<C> {
  readonly shardSize: number;
}

/** A sharded stage's plan, or its whole result when the store already holds it. */
export interface StagePlan<R> {
  readonly plan: ShardPlan;
  readonly cached?: StageResult<R>;
}

/**
 * One shard of a stage: the stage's whole request, whose key with the shard's range is the
 * shard's own cache key, and the range. Carries references only.
 */
export interface ShardRequest<C> extends StageRequest<C> {
  readonly shard: ShardRange;
  /** Shards of the stage in all (for logs and heartbeats). */
  readonly shards: number;
}

/** What a shard returns to its workflow: no artifact references; the merge finds them by key. */
export interface ShardResult {
  readonly index: number;
  readonly key: string;
  readonly reason: StageReason;
  readonly seconds: number;
}

/** The merge step: the stage's request and its plan; it reads every shard's outputs by key. */
export interface MergeRequest<C> extends StageRequest<C> {
  readonly plan: ShardPlan;
}

/** A child workflow's share of a stage's shards. */
export interface ShardBatchInput {
  readonly stage: ShardedStage;
  readonly request: StageRequest<unknown>;
  readonly plan: ShardPlan;
  readonly batch: ShardBatch;
  readonly shards: number;
  /** Queue of the shard activities (the subject's). */
  readonly taskQueue: string;
  readonly heartbeatTimeoutSeconds?: number;
}

export interface ShardBatchResult {
  readonly done: number;
  readonly cached: number;
}

/** Heartbeat details of a running stage activity. */
export interface StageHeartbeat {
  readonly stage: StageName;
  readonly subject?: string;
  readonly variant?: string;
  /** The shard's index, when the heartbeat is one shard's. */
  readonly shard?: number;
  readonly fraction: number;
  readonly message: string;
}

/** One point of a sweep: an experiment config with the parameters that made it. */
export interface SweepPointInput {
  readonly name: string;
  readonly subject?: string;
  readonly params: Record<string, unknown>;
  readonly config: ExperimentConfig;
}

export interface SweepInput {
  readonly sweep: string;
  readonly points: readonly SweepPointInput[];
  /** Child experiments running at once. */
  readonly maxParallel: number;
  readonly force: readonly StageName[];
  /** Queue for the sweep's own and its children's workflow tasks and shared stages. */
  readonly taskQueue: string;
  readonly heartbeatTimeoutSeconds?: number;
  readonly searchAttributes?: boolean;
}

export type SweepPointState = 'pending' | 'running' | 'done' | 'failed';

export interface SweepPointProgress {
  readonly name: string;
  readonly subject?: string;
  readonly state: SweepPointState;
  readonly error?: string;
}

/** One row of a sweep's results table: one point × metric. */
export interface SweepResultRow {
  readonly point: string;
  readonly subject: string;
  /** The point's parameters as canonical JSON. */
  readonly params: string;
  readonly method: string;
  readonly stimulusSet: string;
  readonly metric: string;
  readonly value: number;
}

export interface SweepResult {
  readonly sweep: string;
  readonly points: readonly SweepPointProgress[];
  readonly rows: readonly SweepResultRow[];
  readonly tables: { readonly arrow: ArtifactRef; readonly parquet: ArtifactRef; readonly csv: ArtifactRef };
}

export interface SweepTablesRequest {
  readonly store: StoreSettings;
  readonly sweep: string;
  readonly rows: readonly SweepResultRow[];
}
