import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { initBackend } from '../lib/compute/backend';
import { type ArtifactFormat, type ArtifactRef, getArtifact, putArtifact } from '../lib/store/artifact-ref';
import type { ArtifactStore } from '../lib/store/artifact-store';
import type { ResultTable } from '../lib/formats/result-tables';
import { decodeTable, type DecodedTable, encodeTable } from '../lib/store/arrow-table';
import { openStore } from '../lib/store/open-store';
import { encodeParquet } from '../lib/store/parquet-table';
import { changeReason, lineageOf, readCompleteManifest, readLineage, type StageIdentity, type StageManifest, stageKey, stagePrefix, writeLineage, writeManifest } from '../lib/store/stage-manifest';
import type { ShardRange, StageHeartbeat, StageName, StageRequest, StageResult } from '../workflows/contracts';
import { badInputFailure, isBadInput } from './bad-input';
import { CODE_VERSIONS } from './code-versions';
import { readCompleteShard, shardPrefix, writeShardManifest } from './shard-manifest';

/** What a stage body gets: typed reads of its inputs, writes of its outputs, and progress. */
export interface StageContext<C> {
  readonly config: C;
  readonly subject?: string;
  readonly store: ArtifactStore;
  readonly inputs: Record<string, ArtifactRef>;
  input(name: string): ArtifactRef;
  readBytes(ref: ArtifactRef): Promise<Uint8Array>;
  readTable(ref: ArtifactRef): Promise<DecodedTable>;
  write(name: string, body: Uint8Array, format: ArtifactFormat, shape?: readonly number[]): Promise<ArtifactRef>;
  /**
   * A table a person reads: `<name>.arrow` (output `name`) and the same table beside it as
   * `<name>.parquet` (output `<name>.parquet`), for pandas and DuckDB users.
   */
  writeTable(name: string, table: ResultTable): Promise<ArtifactRef>;
  /** Reports progress (heartbeat) and throws if the activity was cancelled. */
  progress(fraction: number, message: string): void;
}

export interface StageOutput<R> {
  readonly results: R;
}

/** Heartbeats only when running inside a Temporal activity (tests may call stages directly). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * What a stage's (or one shard's) cache key is computed from. A shard is keyed by the whole
 * stage's config and inputs plus its range (named `<stage>-shard`, filed under `shards/<stage>/`),
 * so the stage's own key, and any result cached before stages were sharded, stay as they were.
 */
export function stageIdentity<C>(stage: StageName, request: StageRequest<C>, shard?: ShardRange): StageIdentity {
  const codeVersion = CODE_VERSIONS[stage];
  if (!shard) return { stage, codeVersion, config: request.config, inputs: request.inputs };
  return { stage: `${stage}-shard`, codeVersion, config: { stage: request.config, shard: { group: shard.group, start: shard.start, end: shard.end } }, inputs: request.inputs };
}

/** The outputs of a shard that completed, found by its key; undefined if it has not (or they are gone). */
export async function completedShardOutputs<C>(store: ArtifactStore, stage: StageName, request: StageRequest<C>, shard: ShardRange): Promise<Record<string, ArtifactRef> | undefined> {
  const identity = stageIdentity(stage, request, shard);
  return (await readCompleteShard(store, stage, stageKey(identity)))?.manifest.outputs;
}

/**
 * The stage's result when the store already holds it complete (and `force` is off), as `runStage`
 * would return it; else undefined. Lets a sharded stage skip planning and running its shards.
 */
export async function cachedStageResult<C, R>(stage: StageName, request: StageRequest<C>): Promise<StageResult<R> | undefined> {
  if (request.force) return undefined;
  const started = Date.now();
  const store = openStore(request.store);
  const identity = stageIdentity(stage, request);
  const key = stageKey(identity);
  const existing = await readCompleteManifest(store, stage, key);
  if (!existing) return undefined;
  if (request.experiment) await writeLineage(store, request.experiment, stage, lineageNameOf(request), lineageOf(identity, key));
  return cachedResult(stage, request, key, started, existing);
}

/** A stage's (or shard's) result found complete in the store: no work done. */
function cachedResult<R>(stage: StageName, request: StageRequest<unknown>, key: string, started: number, existing: { manifest: StageManifest; ref: ArtifactRef }): StageResult<R> {
  return {
    stage,
    subject: request.subject,
    key,
    reason: 'cached',
    seconds: (Date.now() - started) / 1000,
    backend: existing.manifest.backend,
    manifest: existing.ref,
    outputs: existing.manifest.outputs,
    results: existing.manifest.results as R,
  };
}

function lineageNameOf(request: StageRequest<unknown>): string | undefined {
  return [request.subject, request.variant].filter(Boolean).join('.') || undefined;
}

/**
 * Runs one stage with content-addressed caching: if a complete manifest exists for this stage's
 * key, returns it without work; otherwise computes, writes outputs under the key's prefix, and
 * writes the manifest last. On failure, the outputs written so far are deleted, and bad input
 * becomes a non-retryable failure. With `shard`, runs one shard of the stage the same way under
 * the shard's own key; a shard keeps no lineage (the stage's merge step does).
 */
export async function runStage<C, R>(
  stage: StageName,
  request: StageRequest<C>,
  body: (ctx: StageContext<C>) => Promise<StageOutput<R>>,
  shard?: ShardRange,
): Promise<StageResult<R>> {
  const started = Date.now();
  const store = openStore(request.store);
  const identity = stageIdentity(stage, request, shard);
  const { codeVersion } = identity;
  const key = stageKey(identity);
  const activity = activityContext();
  const lineage = lineageOf(identity, key);
  const lineageName = lineageNameOf(request);
  const experiment = shard ? undefined : request.experiment;
  const previous = experiment ? await readLineage(store, experiment, stage, lineageName) : undefined;
  const remember = () => (experiment ? writeLineage(store, experiment, stage, lineageName, lineage) : Promise.resolve());

  if (!request.force) {
    const existing = shard ? await readCompleteShard(store, stage, key) : await readCompleteManifest(store, stage, key);
    if (existing) {
      await remember();
      return cachedResult(stage, request, key, started, existing);
    }
  }

  const backend = await initBackend(request.backend);
  const written: ArtifactRef[] = [];
  const outputs: Record<string, ArtifactRef> = {};
  // Each attempt writes under its own folder: a failed attempt then only ever deletes its own
  // files, never those of a concurrent attempt whose manifest already points at them.
  const prefix = `${shard ? shardPrefix(stage, key) : stagePrefix(stage, key)}/${randomUUID()}`;
  const ctx: StageContext<C> = {
    config: request.config,
    subject: request.subject,
    store,
    inputs: request.inputs,
    input(name) {
      const ref = request.inputs[name];
      if (!ref) throw new Error(`${stage}: missing input "${name}" (have: ${Object.keys(request.inputs).join(', ')})`);
      return ref;
    },
    readBytes: (ref) => getArtifact(store, ref),
    async readTable(ref) {
      return decodeTable(await getArtifact(store, ref), ref.uri);
    },
    async write(name, data, format, shape) {
      const ref = await putArtifact(store, `${prefix}/${name}.${format}`, data, format, shape);
      written.push(ref);
      outputs[name] = ref;
      return ref;
    },
    async writeTable(name, table) {
      const rows = Object.values(table)[0]?.values.length ?? 0;
      const parquet = await putArtifact(store, `${prefix}/${name}.parquet`, await encodeParquet(table), 'parquet', [rows]);
      written.push(parquet);
      outputs[`${name}.parquet`] = parquet;
      return ctx.write(name, encodeTable(table), 'arrow', [rows]);
    },
    progress(fraction, message) {
      if (!activity) return;
      const details: StageHeartbeat = { stage, subject: request.subject, ...(request.variant ? { variant: request.variant } : {}), ...(shard ? { shard: shard.index } : {}), fraction, message };
      activity.heartbeat(details);
      if (activity.cancellationSignal.aborted) throw activity.cancellationSignal.reason ?? new Error('cancelled');
    },
  };

  try {
    ctx.progress(0, 'starting');
    const { results } = await body(ctx);
    const seconds = (Date.now() - started) / 1000;
    const manifest = await (shard ? writeShardManifest : writeManifest)(store, {
      stage,
      key,
      codeVersion,
      config: identity.config,
      inputs: request.inputs,
      outputs,
      results,
      seconds,
      backend,
      createdAt: new Date().toISOString(),
    });
    await remember();
    const reason = request.force ? 'forced' : changeReason(previous, lineage);
    return { stage, subject: request.subject, key, reason, seconds, backend, manifest, outputs, results };
  } catch (error) {
    await Promise.allSettled(written.map((ref) => store.delete(ref.key)));
    if (isBadInput(error)) {
      throw badInputFailure(stage, error as Error);
    }
    throw error;
  }
}
