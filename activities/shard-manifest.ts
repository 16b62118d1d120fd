import { type ArtifactRef, putArtifact, sha256Hex } from '../lib/store/artifact-ref';
import type { ArtifactStore } from '../lib/store/artifact-store';
import type { StageManifest } from '../lib/store/stage-manifest';

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
export async function readCompleteShard(store: ArtifactStore, stage: string, key: string): Promise<{ manifest: StageManifest; ref: ArtifactRef } | undefined> {
  const k = shardManifestKey(stage, key);
  if (!(await store.exists(k))) return undefined;
  const body = await store.get(k);
  const manifest = JSON.parse(Buffer.from(body).toString('utf8')) as StageManifest;
  for (const output of Object.values(manifest.outputs)) {
    if (!(await store.exists(output.key))) return undefined;
  }
  return { manifest, ref: { uri: store.uri(k), key: k, sha256: sha256Hex(body), bytes: body.byteLength, format: 'json' } };
}

export function writeShardManifest(store: ArtifactStore, manifest: StageManifest): Promise<ArtifactRef> {
  return putArtifact(store, shardManifestKey(manifest.stage, manifest.key), Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'), 'json');
}
