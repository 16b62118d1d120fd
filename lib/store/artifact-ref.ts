import { createHash } from 'node:crypto';
import type { ArtifactStore } from './artifact-store';

export type ArtifactFormat = 'arrow' | 'parquet' | 'png' | 'json' | 'csv' | 'svg' | 'html' | 'bin';

/**
 * A claim check: what workflows pass around instead of data. Small (well under 1 KB), and enough
 * to find the bytes and prove they are the ones that were written.
 */
export interface ArtifactRef {
  readonly uri: string;
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly format: ArtifactFormat;
  /** Row and column counts for matrices and tables, when meaningful. */
  readonly shape?: readonly number[];
}

/** Raised when stored bytes no longer match their reference (truncated, overwritten, corrupted). */
export class ArtifactIntegrityError extends Error {
  constructor(ref: ArtifactRef, actual: { sha256: string; bytes: number }) {
    super(
      `artifact ${ref.uri} is corrupt: expected ${ref.bytes} bytes with sha256 ${ref.sha256.slice(0, 12)}…, ` +
        `found ${actual.bytes} bytes with sha256 ${actual.sha256.slice(0, 12)}…`,
    );
    this.name = 'ArtifactIntegrityError';
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes bytes under `key` and returns their reference. */
export async function putArtifact(
  store: ArtifactStore,
  key: string,
  body: Uint8Array,
  format: ArtifactFormat,
  shape?: readonly number[],
): Promise<ArtifactRef> {
  await store.put(key, body);
  return { uri: store.uri(key), key, sha256: sha256Hex(body), bytes: body.byteLength, format, ...(shape ? { shape } : {}) };
}

/** Reads a referenced artifact and checks its length and hash. */
export async function getArtifact(store: ArtifactStore, ref: ArtifactRef): Promise<Uint8Array> {
  const body = await store.get(ref.key);
  if (body.byteLength !== ref.bytes || sha256Hex(body) !== ref.sha256) {
    throw new ArtifactIntegrityError(ref, { sha256: sha256Hex(body), bytes: body.byteLength });
  }
  return body;
}
