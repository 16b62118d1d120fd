/**
 * An S3 call that failed for a reason other than a missing object, said in terms the user can act
 * on: which store (endpoint, bucket, prefix — never credentials), what was being done, and what to
 * check. It stays retryable: an outage or a credential fixed meanwhile can still succeed.
 */
export class S3StoreError extends Error {
  constructor(store: string, operation: string, cause: unknown) {
    super(`${store}: ${operation} failed: ${reasonOf(cause)}`, { cause });
    this.name = 'S3StoreError';
  }
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
  CredentialsProviderError: 'no AWS credentials found (environment, shared credentials file or role)',
  PermanentRedirect: 'the bucket is in another region; check store.region',
  UnknownError: 'the endpoint answered with something that is not S3; check store.endpoint (and forcePathStyle)',
};

function reasonOf(cause: unknown): string {
  const e = (cause ?? {}) as SdkError;
  const code = e.code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const hint = HINTS[code];
  const what = `${code}${status ? ` (HTTP ${status})` : ''}`;
  return hint ? `${what}: ${hint}` : `${what}: ${(e.message ?? String(cause)).split('\n')[0]}`;
}
