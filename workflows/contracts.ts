// Types shared by workflows, activities and the CLI. Types only: workflow code imports nothing else.
import type { ExperimentConfig, StageName, StoreSettings } from '../configs/schema';
import type { ArtifactRef } from '../lib/store/artifact-ref';

export type { ArtifactRef, ExperimentConfig, StageName, StoreSettings };

export type BackendRequest = ExperimentConfig['compute']['backend'];

/** What a workflow asks one stage activity to do. */
export interface StageRequest<C> {
  readonly store: StoreSettings;
  readonly backend: BackendRequest;
  readonly subject?: string;
  /** The stage's own config subset; part of the cache key. */
  readonly config: C;
  readonly inputs: Record<string, ArtifactRef>;
  /** Recompute even if a complete output for this key exists. */
  readonly force: boolean;
}

/** Why a stage ran or was skipped, as `status` shows it. */
export type StageReason = 'cached' | 'new' | 'forced';

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
  readonly value: number;
}

export interface LayerAccuracy {
  readonly subject: string;
  readonly stimulusSet: string;
  readonly layer: string;
  readonly profileCorrelation: number;
  readonly patternCorrelation: number;
}

export interface ExperimentInput {
  readonly config: ExperimentConfig;
  /** Stages to recompute whatever the cache holds. */
  readonly force: readonly StageName[];
  /** Task queue for this experiment's activities. */
  readonly taskQueue: string;
}

export interface StageSummary {
  readonly stage: StageName;
  readonly subject?: string;
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
}

export type StageState = 'pending' | 'running' | 'done' | 'failed';

export interface StageProgress {
  readonly stage: StageName;
  readonly subject?: string;
  readonly state: StageState;
  readonly reason?: StageReason;
  readonly seconds?: number;
  readonly error?: string;
}

/** Heartbeat details of a running stage activity. */
export interface StageHeartbeat {
  readonly stage: StageName;
  readonly subject?: string;
  readonly fraction: number;
  readonly message: string;
}
