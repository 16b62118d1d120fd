/**
 * An S3 call that failed for a reason other than a missing object, said in terms the user can act
 * on: which store (endpoint, bucket, prefix — never credentials), what was being done, and what to
 * check. It stays retryable: an outage or a credential fixed meanwhile can still succeed.
 */
export class S3StoreError extends Error {
  /** The SDK's error code or name (`CredentialsProviderError`, `NoSuchBucket`, `ECONNREFUSED`, …). */
  readonly code: string;

  constructor(
    /** The store as the user names it: `S3 store s3://bucket/prefix at <endpoint>`. */
    readonly store: string,
    operation: string,
    cause: unknown,
  ) {
    super(`${store}: ${operation} failed: ${reasonOf(cause)}`, { cause });
    this.name = 'S3StoreError';
    this.code = codeOf(cause);
  }
}

function codeOf(cause: unknown): string {
  const e = (cause ?? {}) as SdkError;
  return e.code ?? e.name ?? 'Error';
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing answers at the endpoint; check store.endpoint and that the S3 server is running',
  ENOTFOUND: 'the endpoint host does not resolve; check store.endpoint',
  ETIMEDOUT: 'the endpoint does not answer in time; check store.endpoint and the network',
  ECONNRESET: 'the endpoint closed the connection; check store.endpoint and the network',
  NoSuchBucket: 'the bucket does not exist; create it or check store.bucket',
  AccessDenied: 'access denied; check the AWS credentials (environment, shared credentials file or role) and the bucket policy',
  InvalidAccessKeyId: 'the access key is not known to this store; check the AWS credentials',
  SignatureDoesNotMatch: 'the secret key does not match; check the AWS credentials',
  CredentialsProviderError: 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of the process that reads the store (or AWS_PROFILE with a shared credentials file, or give the machine a role)',
  PermanentRedirect: 'the bucket is in another region; check store.region',
  UnknownError: 'the endpoint answered with something that is not S3; check store.endpoint (and forcePathStyle)',
};

function reasonOf(cause: unknown): string {
  const e = (cause ?? {}) as SdkError;
  const code = codeOf(cause);
  const status = e.$metadata?.httpStatusCode;
  const hint = HINTS[code];
  const what = `${code}${status ? ` (HTTP ${status})` : ''}`;
  return hint ? `${what}: ${hint}` : `${what}: ${(e.message ?? String(cause)).split('\n')[0]}`;
}
