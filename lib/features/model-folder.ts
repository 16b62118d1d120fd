import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DataError } from '../data/data-error';
import { checkLinkInside, fileInsideFolder, type FolderPolicy } from '../data/inside-folder';
import { sha256Hex } from '../store/artifact-ref';

interface ModelJson {
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

type ManifestGroup = { paths: string[]; weights: tf.io.WeightsManifestEntry[] };

/** The weight groups model.json lists, checked to be what the format says (a list of {paths, weights}). */
function manifestGroups(manifest: unknown, jsonFile: string): ManifestGroup[] {
  const ok =
    Array.isArray(manifest) &&
    manifest.every((g: unknown) => {
      const group = g as { paths?: unknown; weights?: unknown } | null;
      return group !== null && typeof group === 'object' && Array.isArray(group.paths) && group.paths.every((p) => typeof p === 'string') && Array.isArray(group.weights);
    });
  if (!ok) throw new DataError(jsonFile, 'weightsManifest must be a list of {paths: [file names], weights: [...]}');
  return manifest as ManifestGroup[];
}

/**
 * Loads a TensorFlow.js Layers model from a folder (`model.json` plus its weight shards), as
 * `tensorflowjs_converter` writes it — from disk, since tfjs' file loader lives in tfjs-node.
 */
export async function loadModelFolder(dir: string, policy: FolderPolicy = {}): Promise<tf.LayersModel> {
  const jsonFile = path.join(dir, 'model.json');
  await checkLinkInside(dir, jsonFile, policy);
  let json: ModelJson;
  try {
    json = JSON.parse(await fs.readFile(jsonFile, 'utf8')) as ModelJson;
  } catch (error) {
    throw new DataError(jsonFile, `cannot read the model (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!json.modelTopology || !json.weightsManifest) throw new DataError(jsonFile, 'not a TensorFlow.js Layers model (needs modelTopology and weightsManifest)');
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: ArrayBuffer[] = [];
  for (const group of manifestGroups(json.weightsManifest, jsonFile)) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) {
      const file = await fileInsideFolder(dir, shard, jsonFile, policy);
      try {
        const bytes = await fs.readFile(file);
        shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      } catch (error) {
        throw new DataError(file, `cannot read a weight shard named in model.json (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
  }
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs,
      weightData: tf.io.concatenateArrayBuffers(shards),
      ...(json.format ? { format: json.format } : {}),
    }),
  };
  try {
    return await tf.loadLayersModel(handler);
  } catch (error) {
    throw new DataError(dir, `the model does not load (${(error as Error).message})`);
  }
}

/** Saves a Layers model as `model.json` + `weights.bin` (the converter's layout), e.g. for tests. */
export async function saveModelFolder(model: tf.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save({
    save: async (artifacts) => {
      const data = artifacts.weightData;
      const weights = data === undefined ? new ArrayBuffer(0) : Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
      await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(weights));
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'deeprecon',
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
}

/** A content hash of model.json and every file in the folder it names (a missing one hashes as empty). */
export async function modelFolderFingerprint(dir: string, policy: FolderPolicy = {}): Promise<string> {
  const jsonFile = path.join(dir, 'model.json');
  await checkLinkInside(dir, jsonFile, policy);
  let text: string;
  try {
    text = await fs.readFile(jsonFile, 'utf8');
  } catch (error) {
    throw new DataError(jsonFile, `cannot read the model (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (error) {
    throw new DataError(jsonFile, `not JSON (${(error as Error).message})`);
  }
  const parts = [sha256Hex(new TextEncoder().encode(text))];
  for (const group of json.weightsManifest === undefined ? [] : manifestGroups(json.weightsManifest, jsonFile)) {
    for (const shard of group.paths) {
      const file = await fileInsideFolder(dir, shard, jsonFile, policy);
      parts.push(sha256Hex(new Uint8Array(await fs.readFile(file).catch(() => Buffer.alloc(0)))));
    }
  }
  return sha256Hex(new TextEncoder().encode(parts.join(':')));
}
