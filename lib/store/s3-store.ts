import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, type ArtifactStore, validateKey } from './artifact-store';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** An S3-compatible endpoint (MinIO, SeaweedFS, …); omit for AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Artifacts as objects in an S3 bucket. Credentials come only from the standard AWS chain
 * (environment, shared config, instance role): they are never part of a config or a reference.
 * A PUT is atomic per object, so readers never see half an artifact.
 */
export class S3Store implements ArtifactStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    if (this.prefix !== '') validateKey(this.prefix);
    this.location = `s3://${options.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      maxAttempts: 5,
    });
  }

  private objectKey(key: string): string {
    validateKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  uri(key: string): string {
    return `s3://${this.options.bucket}/${this.objectKey(key)}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key), Body: body }),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!out.Body) throw new ArtifactNotFoundError(this.uri(key));
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactNotFoundError(this.uri(key));
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.replace(/\/+$/, '');
    const full = trimmed === '' ? (this.prefix ? `${this.prefix}/` : '') : `${this.objectKey(trimmed)}/`;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key.slice(strip));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  destroy(): void {
    this.client.destroy();
  }
}
