/**
 * Where artifacts live. Keys are relative, slash-separated paths; a store never lets a key
 * escape its root or prefix (see validateKey). Writes are whole-object and atomic per key, so a
 * reader sees either nothing or the complete bytes.
 */
export interface ArtifactStore {
  /** A printable location without credentials, e.g. `file:///data/artifacts` or `s3://bucket/prefix`. */
  readonly location: string;
  put(key: string, body: Uint8Array): Promise<void>;
  /** Throws ArtifactNotFoundError when absent. */
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** The URI of a key, for references and logs. */
  uri(key: string): string;
}

export class ArtifactNotFoundError extends Error {
  constructor(readonly uriOfMissing: string) {
    super(`artifact not found: ${uriOfMissing}`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class InvalidKeyError extends Error {
  constructor(key: string, why: string) {
    super(`invalid artifact key ${JSON.stringify(key)}: ${why}`);
    this.name = 'InvalidKeyError';
  }
}

/** Rejects keys that could escape the store's root: absolute, `..`, empty segments, backslashes. */
export function validateKey(key: string): string {
  if (key.length === 0) throw new InvalidKeyError(key, 'empty');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'absolute paths are not allowed');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'backslashes are not allowed');
  if (/[\u0000-\u001f]/.test(key)) throw new InvalidKeyError(key, 'control characters are not allowed');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(key, `segment ${JSON.stringify(segment)} is not allowed`);
    }
  }
  return key;
}
