import { S3Client } from '@aws-sdk/client-s3';

/**
 * Whether the standard AWS chain (environment, shared credentials file, SSO, container or
 * instance role) yields credentials for this process. A worker asks once at start, so a machine
 * set up without them says so in its first lines instead of at its first S3 stage.
 */
export async function hasAwsCredentials(): Promise<boolean> {
  const client = new S3Client({ region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    await client.config.credentials();
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/** What a worker without credentials prints at start: which worker, what fails, what to set. */
export function noCredentialsNotice(identity: string): string {
  return (
    `worker ${identity}: no AWS credentials in this environment; stages of runs whose store is S3 will fail on this worker. ` +
    'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION), or AWS_PROFILE with a shared credentials file, and restart it'
  );
}
