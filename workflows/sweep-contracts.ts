// Types of the paged sweep: what the sweep workflow, its paging activities and the CLI exchange.
// Types only: workflow code imports nothing else. The points themselves never travel here; they
// live in the artifact store (claim check) and the workflow reads them a page at a time.
import type { ArtifactRef, ExperimentConfig, StageName, StoreSettings, SweepPointProgress, SweepResultRow } from './contracts';

/** Where a sweep's expanded points are: JSON-lines pages in the store, listed by one manifest. */
export interface SweepPointsRef {
  /** The store holding the pages (the points' own store; results are written there too). */
  readonly store: StoreSettings;
  /** JSON: `{ pages: ArtifactRef[] }`, in point order. */
  readonly manifest: ArtifactRef;
  readonly count: number;
  /** Points per page; the last page may hold fewer. */
  readonly pageSize: number;
}

/** Where the sweep workflow is in its points, carried across continue-as-new. */
export interface SweepCursor {
  /** Index of the next point to start. */
  readonly next: number;
  readonly done: number;
  readonly failed: number;
  /** JSON-lines artifacts of finished points (their state and result rows), one per finished run. */
  readonly batches: readonly ArtifactRef[];
  /** Shared-stage configs already computed (hashes), so a later page does not ask again. */
  readonly sharedSeen: readonly string[];
  /** Runs of this workflow so far (continue-as-new count + 1 for the one now starting). */
  readonly run: number;
}

/** The sweep workflow's input: a reference to the points, never the points. */
export interface PagedSweepInput {
  readonly sweep: string;
  readonly points: SweepPointsRef;
  /** Child experiments running at once. */
  readonly maxParallel: number;
  readonly force: readonly StageName[];
  /** Queue for the sweep's own and its children's workflow tasks and shared stages. */
  readonly taskQueue: string;
  readonly heartbeatTimeoutSeconds?: number;
  readonly searchAttributes?: boolean;
  /** Points one workflow run starts before it continues as new (bounds each run's history). */
  readonly pointsPerRun?: number;
  /** Absent on the first run. */
  readonly cursor?: SweepCursor;
}

/** One point as a page hands it to the workflow. */
export interface PagedSweepPoint {
  /** Position in the sweep (0-based): the results table keeps this order. */
  readonly index: number;
  readonly name: string;
  readonly subject?: string;
  readonly params: Record<string, unknown>;
  readonly config: ExperimentConfig;
  /** Hash of what the shared stages depend on: equal for points that share stimuli and features. */
  readonly sharedKey: string;
}

export interface SweepPageRequest {
  readonly points: SweepPointsRef;
  readonly page: number;
}

/** A finished point as a batch artifact stores it: one JSON line. */
export interface SweepBatchLine {
  readonly index: number;
  readonly progress: SweepPointProgress;
  readonly rows: readonly SweepResultRow[];
}

export interface SweepBatchRequest {
  readonly store: StoreSettings;
  readonly sweep: string;
  /** This run's batch so far, which the new lines extend (and which is then deleted). */
  readonly previous?: ArtifactRef;
  readonly lines: readonly SweepBatchLine[];
}

export interface SweepFinishRequest {
  readonly store: StoreSettings;
  readonly sweep: string;
  readonly batches: readonly ArtifactRef[];
}

/** What the sweep workflow returns: counts and references, whatever the number of points. */
export interface PagedSweepResult {
  readonly sweep: string;
  readonly count: number;
  readonly done: number;
  readonly failed: number;
  /** Workflow runs it took (1 + continue-as-new count). */
  readonly runs: number;
  /** JSON lines, one SweepPointProgress per point, in point order. */
  readonly progress: ArtifactRef;
  /** JSON lines, one SweepResultRow per line, in point order. */
  readonly rows: ArtifactRef;
  readonly tables: { readonly arrow: ArtifactRef; readonly parquet: ArtifactRef; readonly csv: ArtifactRef };
}

/** Where a sweep stands, across all its runs: what `deeprecon sweep` prints as it pages on. */
export interface SweepCounts {
  readonly count: number;
  /** Points started so far (this run's and every earlier run's). */
  readonly started: number;
  readonly done: number;
  readonly failed: number;
  /** The workflow run now in progress (1 + continue-as-new count). */
  readonly run: number;
}
