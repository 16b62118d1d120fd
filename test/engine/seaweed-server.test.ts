import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deeprecon-seaweed-'));
let server: SeaweedS3 | undefined;

function client(s: SeaweedS3, secretAccessKey = s.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

function running(): SeaweedS3 {
  if (server === undefined) throw new Error('seaweed did not start');
  return server;
}

beforeAll(async () => {
  server = await startSeaweedS3({ dir: path.join(tmp, 'data'), logFile: path.join(tmp, 'weed.log') });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('seaweedfs s3 server', () => {
  it('stores, returns and lists an object byte for byte', async () => {
    const s3 = client(running());
    const body = crypto.randomBytes(300_000);
    await s3.send(new CreateBucketCommand({ Bucket: 'artifacts' }));
    await s3.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'runs/r1/features.arrow', Body: body }));

    const got = await s3.send(new GetObjectCommand({ Bucket: 'artifacts', Key: 'runs/r1/features.arrow' }));
    const bytes = await got.Body?.transformToByteArray();
    expect(bytes).toBeDefined();
    expect(Buffer.from(bytes ?? []).equals(body)).toBe(true);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'artifacts', Prefix: 'runs/' }));
    expect(listed.Contents?.map((c) => [c.Key, c.Size])).toEqual([['runs/r1/features.arrow', body.length]]);
    s3.destroy();
  });

  it('rejects a wrong secret key', async () => {
    const s3 = client(running(), 'not-the-secret');
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toThrow();
    await expect(s3.send(new PutObjectCommand({ Bucket: 'artifacts', Key: 'intruder', Body: 'x' }))).rejects.toThrow();
    s3.destroy();
  });

  it('stops, and keeps objects when restarted on the same dir', async () => {
    const first = running();
    await first.stop();
    expect(first.process.exitCode !== null || first.process.signalCode !== null).toBe(true);

    server = await startSeaweedS3({ dir: path.join(tmp, 'data'), logFile: path.join(tmp, 'weed.log') });
    const s3 = client(server);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'artifacts' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['runs/r1/features.arrow']);
    s3.destroy();
  });
});
