import type { ArtifactRef } from '../lib/store/artifact-ref';
import type { ArtifactStore } from '../lib/store/artifact-store';
import { readCompleteManifestAt, type StageManifest, writeManifestAt } from '../lib/store/stage-manifest';

/**
 * Where a shard's outputs and its manifest live: `shards/<stage>/<key>/`, beside `stages/`, so
 * `stages/` keeps exactly one manifest per stage a run reports (what status, audits and the fault
 * tests read) however many shards made it. The manifest is `shard.json`, written last, and as
 * with a stage's, only its presence makes the shard's outputs a result.
 */
export function shardPrefix(stage: string, key: string): string {
  return `shards/${stage}/${key}`;
}

function shardManifestKey(stage: string, key: string): string {
  return `${shardPrefix(stage, key)}/shard.json`;
}

/** The shard's manifest and its reference if it completed and every output is still there. */
export function readCompleteShard(store: ArtifactStore, stage: string, key: string): Promise<{ manifest: StageManifest; ref: ArtifactRef } | undefined> {
  return readCompleteManifestAt(store, shardManifestKey(stage, key));
}

export function writeShardManifest(store: ArtifactStore, manifest: StageManifest): Promise<ArtifactRef> {
  return writeManifestAt(store, shardManifestKey(manifest.stage, manifest.key), manifest);
}
