import type { ExperimentConfig, StoreSettings } from '../../configs/schema';
import type { PagedSweepPoint, SweepPointsRef } from '../../workflows/sweep-contracts';
import { type ArtifactRef, getArtifact, putArtifact, sha256Hex } from '../store/artifact-ref';
import type { ArtifactStore } from '../store/artifact-store';
import { hashJson } from '../store/canonical-json';
import { decodeJsonLines, encodeJsonLines } from '../store/json-lines';

/**
 * A sweep's points in the store (the claim check for a sweep): JSON-lines pages of POINTS_PER_PAGE
 * points, content-addressed, plus a manifest listing them. The workflow input carries only the
 * manifest's reference, so a sweep's size is no longer bounded by Temporal's 2 MB payload limit,
 * and the workflow reads one page at a time (each page's activity result stays ~100-300 KB).
 */
export const POINTS_PER_PAGE = 100;

interface PointsManifest {
  readonly count: number;
  readonly pageSize: number;
  readonly pages: readonly ArtifactRef[];
}

/** What the shared stages (stimuli, features, the generator prior) depend on: equal keys share them. */
export function sharedStageKey(config: ExperimentConfig): string {
  const generator = config.reconstruct.methods.includes('icnn-dgn') ? config.reconstruct.generator : null;
  return hashJson([config.store, config.stimuli, config.features, config.compute, generator]).slice(0, 16);
}

/** A point as the store keeps it (an expanded SweepPoint, or one an older sweep recorded). */
export interface StorablePoint {
  readonly name: string;
  readonly subject?: string;
  readonly params: Record<string, unknown>;
  readonly config: ExperimentConfig;
}

const pagesPrefix = (sweep: string) => `sweeps/${sweep}/points`;

/**
 * Writes points as they come (an expansion's generator: only one page is held at a time) and
 * returns the reference the workflow takes. The store is the first point's. If the iteration throws
 * (a point failed validation), the pages this call created are deleted and the error is rethrown,
 * so a refused sweep leaves nothing behind.
 */
export async function writeSweepPoints(
  sweep: string,
  points: Iterable<StorablePoint>,
  storeOf: (settings: StoreSettings) => ArtifactStore,
): Promise<SweepPointsRef> {
  let store: ArtifactStore | undefined;
  let settings: StoreSettings | undefined;
  const pages: ArtifactRef[] = [];
  const created: string[] = [];
  let page: PagedSweepPoint[] = [];
  let count = 0;
  const flush = async () => {
    if (page.length === 0) return;
    const body = encodeJsonLines(page);
    const key = `${pagesPrefix(sweep)}/page-${sha256Hex(body).slice(0, 24)}.jsonl`;
    // Content-addressed: an identical page of an earlier sweep is kept, not deleted on failure.
    if (!(await store!.exists(key))) created.push(key);
    pages.push(await putArtifact(store!, key, body, 'json', [page.length]));
    page = [];
  };
  try {
    for (const point of points) {
      if (!store) {
        settings = point.config.store;
        store = storeOf(settings);
      }
      page.push({ index: count, name: point.name, ...(point.subject ? { subject: point.subject } : {}), params: point.params, config: point.config, sharedKey: sharedStageKey(point.config) });
      count += 1;
      if (page.length === POINTS_PER_PAGE) await flush();
    }
    await flush();
  } catch (error) {
    for (const key of created) await store!.delete(key).catch(() => undefined);
    throw error;
  }
  if (!store || !settings) throw new Error(`sweep ${sweep} has no points`);
  const manifest: PointsManifest = { count, pageSize: POINTS_PER_PAGE, pages };
  const body = new TextEncoder().encode(`${JSON.stringify(manifest)}\n`);
  const ref = await putArtifact(store, `${pagesPrefix(sweep)}/manifest-${sha256Hex(body).slice(0, 24)}.json`, body, 'json', [count]);
  return { store: settings, manifest: ref, count, pageSize: POINTS_PER_PAGE };
}

/** Manifests read recently, by hash: a worker serving one sweep reads its manifest once, not per page. */
const manifests = new Map<string, PointsManifest>();
const KEPT_MANIFESTS = 8;

async function manifestOf(store: ArtifactStore, ref: ArtifactRef): Promise<PointsManifest> {
  const known = manifests.get(ref.sha256);
  if (known) return known;
  const manifest = JSON.parse(new TextDecoder().decode(await getArtifact(store, ref))) as PointsManifest;
  if (manifests.size >= KEPT_MANIFESTS) manifests.delete(manifests.keys().next().value!);
  manifests.set(ref.sha256, manifest);
  return manifest;
}

/** One page of points (checked against its reference: a changed or truncated page is an error). */
export async function readSweepPage(store: ArtifactStore, points: SweepPointsRef, page: number): Promise<PagedSweepPoint[]> {
  const manifest = await manifestOf(store, points.manifest);
  const ref = manifest.pages[page];
  if (!ref) throw new RangeError(`sweep points ${points.manifest.uri} have ${manifest.pages.length} pages; page ${page} does not exist`);
  return decodeJsonLines<PagedSweepPoint>(await getArtifact(store, ref), ref.uri);
}
