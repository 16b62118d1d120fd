import { createServer, type Server } from 'node:http';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/engine/free-port';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';
import { S3Store } from '../../lib/store/s3-store';

let dir: string;
let s3: SeaweedS3;
let notS3: Server;
let notS3Port: number;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-s3err-'));
  s3 = await startSeaweedS3({ dir: path.join(dir, 's3') });
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
  // A web server that is not S3: every request gets an HTML error page.
  notS3Port = await freePort();
  notS3 = createServer((_, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>oops</body></html>'));
  await new Promise<void>((r) => notS3.listen(notS3Port, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => notS3?.close(r));
  await s3?.stop();
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  else process.env.AWS_ACCESS_KEY_ID = saved.id;
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  await fs.rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

const store = (endpoint: string, bucket = 'data') => new S3Store({ bucket, prefix: 'runs/a', endpoint, region: 'us-east-1', forcePathStyle: true });

describe('S3 errors name the store and say what to check', () => {
  it('nothing listening at the endpoint', { timeout: 60_000 }, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    await expect(store(endpoint).put('x/y.bin', new Uint8Array(3))).rejects.toThrow(
      `S3 store s3://data/runs/a at ${endpoint}: writing x/y.bin failed: ECONNREFUSED: nothing answers at the endpoint; check store.endpoint and that the S3 server is running`,
    );
  });

  it('an endpoint that is not S3', { timeout: 60_000 }, async () => {
    const endpoint = `http://127.0.0.1:${notS3Port}`;
    const error = await refusal(store(endpoint).list('x'));
    expect(error.message).toMatch(new RegExp(`^S3 store s3://data/runs/a at ${endpoint}: listing x failed: \\w+ \\(HTTP 500\\)`));
  });

  it('a bucket that does not exist, and no secret in the message', async () => {
    const error = await refusal(store(s3.endpoint, 'no-such-bucket').list('x'));
    expect(error.message).toBe(`S3 store s3://no-such-bucket/runs/a at ${s3.endpoint}: listing x failed: NoSuchBucket (HTTP 404): the bucket does not exist; create it or check store.bucket`);
    expect(error.message).not.toContain(s3.secretAccessKey);
    expect(error.message).not.toContain(s3.accessKeyId);
  });
});
