import { ConfigError } from '../configs/config-error';
import { ArtifactIntegrityError } from '../lib/store/artifact-ref';
import { InvalidKeyError } from '../lib/store/artifact-store';
import { ArrowFormatError } from '../lib/store/arrow-table';
import { DataError } from '../lib/data/data-error';

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
