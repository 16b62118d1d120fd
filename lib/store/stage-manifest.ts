import { type ArtifactRef, putArtifact, sha256Hex } from './artifact-ref';
import type { ArtifactStore } from './artifact-store';
import { hashJson } from './canonical-json';

/**
 * The record a stage writes last. Its presence is what makes the stage's outputs complete:
 * outputs written before a crash, without a manifest, are never read as a result.
 */
export interface StageManifest {
  readonly stage: string;
  readonly key: string;
  readonly codeVersion: string;
  readonly config: unknown;
  readonly inputs: Record<string, ArtifactRef>;
  readonly outputs: Record<string, ArtifactRef>;
  /** Small results that workflows may carry (scores, accuracies): never bulk data. */
  readonly results: unknown;
  readonly seconds: number;
  readonly backend: string;
  readonly createdAt: string;
}

export interface StageIdentity {
  stage: string;
  codeVersion: string;
  config: unknown;
  inputs: Record<string, ArtifactRef>;
}

/** A stage's cache key: hash of its config subset, its inputs' content hashes and its code version. */
export function stageKey(identity: StageIdentity): string {
  const inputHashes = Object.fromEntries(Object.entries(identity.inputs).map(([name, ref]) => [name, ref.sha256]));
  return hashJson({ stage: identity.stage, codeVersion: identity.codeVersion, config: identity.config, inputs: inputHashes }).slice(0, 32);
}

export function stagePrefix(stage: string, key: string): string {
  return `stages/${stage}/${key}`;
}

export function manifestKey(stage: string, key: string): string {
  return `${stagePrefix(stage, key)}/manifest.json`;
}

/**
 * The manifest stored at `manifestKey` (and its own reference) if it exists and every output it
 * names is still present, else undefined. Stages and shards keep their manifests at different keys.
 */
export async function readCompleteManifestAt(store: ArtifactStore, manifestKey: string): Promise<{ manifest: StageManifest; ref: ArtifactRef } | undefined> {
  if (!(await store.exists(manifestKey))) return undefined;
  const body = await store.get(manifestKey);
  const manifest = JSON.parse(Buffer.from(body).toString('utf8')) as StageManifest;
  for (const output of Object.values(manifest.outputs)) {
    if (!(await store.exists(output.key))) return undefined;
  }
  return { manifest, ref: { uri: store.uri(manifestKey), key: manifestKey, sha256: sha256Hex(body), bytes: body.byteLength, format: 'json' } };
}

/** Writes a manifest at `manifestKey`, as pretty JSON. */
export function writeManifestAt(store: ArtifactStore, manifestKey: string, manifest: StageManifest): Promise<ArtifactRef> {
  return putArtifact(store, manifestKey, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'), 'json');
}

/**
 * Returns the manifest (and its own reference) if the stage completed and every output is still
 * present, else undefined.
 */
export function readCompleteManifest(store: ArtifactStore, stage: string, key: string): Promise<{ manifest: StageManifest; ref: ArtifactRef } | undefined> {
  return readCompleteManifestAt(store, manifestKey(stage, key));
}

export function writeManifest(store: ArtifactStore, manifest: StageManifest): Promise<ArtifactRef> {
  return writeManifestAt(store, manifestKey(manifest.stage, manifest.key), manifest);
}

/** What the last run of a stage for one experiment and subject was computed from. */
export interface StageLineage {
  readonly key: string;
  readonly codeVersion: string;
  readonly configHash: string;
  readonly inputHashes: Record<string, string>;
}

export function lineageOf(identity: StageIdentity, key: string): StageLineage {
  return {
    key,
    codeVersion: identity.codeVersion,
    configHash: hashJson(identity.config),
    inputHashes: Object.fromEntries(Object.entries(identity.inputs).map(([name, ref]) => [name, ref.sha256])),
  };
}

function lineageKey(experiment: string, stage: string, subject: string | undefined): string {
  return `lineage/${experiment}/${stage}/${subject ?? '_shared'}.json`;
}

export async function readLineage(store: ArtifactStore, experiment: string, stage: string, subject: string | undefined): Promise<StageLineage | undefined> {
  const k = lineageKey(experiment, stage, subject);
  if (!(await store.exists(k))) return undefined;
  try {
    return JSON.parse(Buffer.from(await store.get(k)).toString('utf8')) as StageLineage;
  } catch {
    return undefined;
  }
}

export async function writeLineage(store: ArtifactStore, experiment: string, stage: string, subject: string | undefined, lineage: StageLineage): Promise<void> {
  await store.put(lineageKey(experiment, stage, subject), new TextEncoder().encode(`${JSON.stringify(lineage)}\n`));
}

/** Why a stage with no cached result must run, judged against its previous lineage. */
export function changeReason(previous: StageLineage | undefined, current: StageLineage): 'new' | 'code-changed' | 'config-changed' | 'inputs-changed' {
  if (!previous) return 'new';
  if (previous.codeVersion !== current.codeVersion) return 'code-changed';
  if (previous.configHash !== current.configHash) return 'config-changed';
  const names = new Set([...Object.keys(previous.inputHashes), ...Object.keys(current.inputHashes)]);
  for (const name of names) if (previous.inputHashes[name] !== current.inputHashes[name]) return 'inputs-changed';
  return 'new';
}
