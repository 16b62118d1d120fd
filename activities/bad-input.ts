import { ApplicationFailure } from '@temporalio/common';
import { ConfigError } from '../configs/config-error';
import { ArtifactIntegrityError } from '../lib/store/artifact-ref';
import { InvalidKeyError } from '../lib/store/artifact-store';
import { ArrowFormatError } from '../lib/store/arrow-table';
import { DataError } from '../lib/data/data-error';

/** File-system answers about a path the config or a data file names: the same on every retry. */
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'ELOOP', 'ENAMETOOLONG']);

/**
 * Errors that retrying cannot fix: bad config, malformed or corrupt data, shape mismatches.
 * They become non-retryable failures; everything else (network, storage hiccups) is retried.
 */
export function isBadInput(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    error instanceof DataError ||
    error instanceof ArrowFormatError ||
    error instanceof ArtifactIntegrityError ||
    error instanceof InvalidKeyError
  );
}

/** The non-retryable failure a stage reports for bad input: `<stage>: <what is wrong>`. */
export function badInputFailure(stage: string, error: Error): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${stage}: ${error.message}`, error.name);
}

/**
 * Runs the work a stage does before its cache key exists (fingerprinting a model or image folder,
 * reading data files): a missing folder or a malformed file there is bad input too, so it fails
 * the stage at once instead of being retried for half a minute.
 */
export async function beforeKey<T>(stage: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isBadInput(error)) throw badInputFailure(stage, error as Error);
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && PATH_ERRORS.has(code)) throw badInputFailure(stage, error as Error);
    throw error;
  }
}
