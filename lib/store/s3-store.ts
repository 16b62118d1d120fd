import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ArtifactNotFoundError, type ArtifactStore, validateKey } from './artifact-store';
import { S3StoreError } from './s3-store-error';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** An S3-compatible endpoint (MinIO, SeaweedFS, …); omit for AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

/** A missing bucket answers 404 too, but it is the store that is wrong, not one object. */
function isNoSuchBucket(error: unknown): boolean {
  return (error as { name?: string }).name === 'NoSuchBucket';
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

  /** The store as a user names it: bucket and prefix, and the endpoint unless it is AWS itself. */
  private describe(): string {
    return `S3 store ${this.location}${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}`;
  }

  /** Sends `command`; a failure other than a missing object names the store and what to check. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error) && !isNoSuchBucket(error)) throw error;
      throw new S3StoreError(this.describe(), operation, error);
    }
  }

  private objectKey(key: string): string {
    validateKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  uri(key: string): string {
    return `s3://${this.options.bucket}/${this.objectKey(key)}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    await this.send(`writing ${key}`, () => this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key, Body: body })));
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const Key = this.objectKey(key);
      const out = await this.send(`reading ${key}`, () => this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key })));
      if (!out.Body) throw new ArtifactNotFoundError(this.uri(key));
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) throw new ArtifactNotFoundError(this.uri(key));
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      const Key = this.objectKey(key);
      await this.send(`looking up ${key}`, () => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key })));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.send(`deleting ${key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key })));
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.replace(/\/+$/, '');
    const full = trimmed === '' ? (this.prefix ? `${this.prefix}/` : '') : `${this.objectKey(trimmed)}/`;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(`listing ${prefix || '/'}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: full, ContinuationToken: token })),
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
