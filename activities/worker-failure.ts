import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { S3StoreError } from '../lib/store/s3-store-error';

/** What every error a worker raises ends with, so the client's one `error:` line says where it happened. */
export function onWorker(identity: string): string {
  return ` (on worker ${identity})`;
}

/**
 * A store that needs AWS credentials on a worker that has none: the worker's environment will not
 * change by retrying (Temporal would retry for ~30 s before the run failed, saying nothing about
 * which worker), so it fails at once, naming the worker and what to set there.
 */
function missingCredentials(error: S3StoreError, identity: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `worker ${identity} has no AWS credentials for the ${error.store}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION) ` +
      `in that worker's environment, or AWS_PROFILE with a shared credentials file, then restart the worker and rerun`,
    'MissingCredentials',
  );
}

/** The error as it leaves this worker: its identity appended; missing credentials made final. */
export function withWorkerIdentity(error: unknown, identity: string): unknown {
  // A cancellation is the run's, not this worker's doing: it passes through unchanged.
  if (!(error instanceof Error) || error instanceof CancelledFailure) return error;
  if (error instanceof S3StoreError && error.code === 'CredentialsProviderError') return missingCredentials(error, identity);
  const suffix = onWorker(identity);
  // In place, so the error keeps its class and fields (non-retryable flags, bad-input types).
  if (!error.message.endsWith(suffix)) error.message += suffix;
  return error;
}

/** Activity interceptor: every error a stage raises carries this worker's identity to the client. */
export function workerFailureInterceptor(identity: string): ActivityInterceptorsFactory {
  return () => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
        try {
          return await next(input);
        } catch (error) {
          throw withWorkerIdentity(error, identity);
        }
      },
    };
    return { inbound };
  };
}
