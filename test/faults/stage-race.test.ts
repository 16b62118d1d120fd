import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStage, type StageContext, type StageOutput } from '../../activities/stage-runner';
import { startSeaweedS3, type SeaweedS3 } from '../../lib/engine/seaweed-server';
import { getArtifact } from '../../lib/store/artifact-ref';
import { openStore } from '../../lib/store/open-store';
import { readCompleteManifest } from '../../lib/store/stage-manifest';
import type { StageRequest, StoreSettings } from '../../workflows/contracts';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-fault-race-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const request = (store: StoreSettings, config: unknown): StageRequest<unknown> => ({
  store,
  backend: 'cpu',
  experiment: 'race',
  subject: 'sim01',
  config,
  inputs: {},
  force: false,
});

/** Deterministic bytes, large enough that writing them is not instantaneous. */
function bytes(n: number, salt: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + salt * 7 + (i >> 11)) & 255;
  return out;
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A stage body that writes several outputs with pauses between them, so two racers interleave. */
function racingBody(calls: { n: number }, size: number) {
  return async (ctx: StageContext<unknown>): Promise<StageOutput<{ total: number }>> => {
    calls.n++;
    await tick();
    await ctx.write('a', bytes(size, 1), 'arrow', [size]);
    await tick();
    await ctx.write('b', bytes(size, 2), 'arrow', [size]);
    await tick();
    await ctx.write('c', new TextEncoder().encode('{"ok":true}'), 'json');
    return { results: { total: 2 * size } };
  };
}

async function expectRaceConverges(store: StoreSettings, config: unknown, size: number): Promise<void> {
  const calls = { n: 0 };
  const body = racingBody(calls, size);
  const [one, two] = await Promise.all([runStage('stimuli', request(store, config), body), runStage('stimuli', request(store, config), body)]);
  expect(calls.n).toBe(2);
  expect(two.key).toBe(one.key);
  // Each attempt wrote its own copy: same content, different folders.
  const content = (outputs: typeof one.outputs) => Object.fromEntries(Object.entries(outputs).map(([n, r]) => [n, [r.sha256, r.bytes, r.format]]));
  expect(content(two.outputs)).toEqual(content(one.outputs));
  expect(two.results).toEqual(one.results);
  expect(Object.keys(one.outputs).sort()).toEqual(['a', 'b', 'c']);

  // Whichever manifest landed last, it is complete and every output it names verifies.
  const artifacts = openStore(store);
  const complete = await readCompleteManifest(artifacts, 'stimuli', one.key);
  expect(complete).toBeDefined();
  expect([one.outputs, two.outputs]).toContainEqual(complete!.manifest.outputs);
  for (const ref of Object.values(complete!.manifest.outputs)) {
    expect((await getArtifact(artifacts, ref)).byteLength).toBe(ref.bytes);
  }
  // Nothing but the two attempts' outputs and the manifest under the stage's prefix.
  const attemptFiles = (outputs: typeof one.outputs) => Object.values(outputs).map((r) => r.key);
  expect((await artifacts.list(`stages/stimuli/${one.key}`)).sort()).toEqual(
    [...attemptFiles(one.outputs), ...attemptFiles(two.outputs), `stages/stimuli/${one.key}/manifest.json`].sort(),
  );

  const third = await runStage('stimuli', request(store, config), body);
  expect(calls.n).toBe(2);
  expect(third.reason).toBe('cached');
  expect(third.key).toBe(one.key);
  expect(third.outputs).toEqual(complete!.manifest.outputs);
}

describe('two runs of the same stage racing on one LocalStore', () => {
  it('both succeed with the same key and outputs; the result is complete and cached', async () => {
    await expectRaceConverges({ type: 'local', path: path.join(dir, 'local') }, { race: 1 }, 4 << 20);
  });

  // Each attempt writes under its own folder, so an attempt that fails after a sibling attempt
  // (a retry after a heartbeat timeout, or a second worker) completed deletes only its own files.
  it('keeps a completed sibling complete when a racing attempt of the same stage fails', async () => {
    const store: StoreSettings = { type: 'local', path: path.join(dir, 'zombie') };
    let release!: () => void;
    const siblingDone = new Promise<void>((r) => (release = r));
    const failing = runStage('stimuli', request(store, { race: 2 }), async (ctx) => {
      await ctx.write('a', bytes(1024, 1), 'arrow');
      await siblingDone;
      throw new Error('lost the S3 connection');
    });
    const completed = await runStage('stimuli', request(store, { race: 2 }), async (ctx) => {
      await ctx.write('a', bytes(1024, 1), 'arrow');
      return { results: null };
    });
    release();
    await expect(failing).rejects.toThrow('lost the S3 connection');
    const artifacts = openStore(store);
    // The workflow already holds `completed.outputs`; downstream stages will read them.
    await expect(getArtifact(artifacts, completed.outputs.a!)).resolves.toHaveLength(1024);
    expect(await readCompleteManifest(artifacts, 'stimuli', completed.key)).toBeDefined();
  });
});

describe('two runs of the same stage racing on one S3Store', () => {
  let s3: SeaweedS3;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, region: process.env.AWS_REGION };
  beforeAll(async () => {
    s3 = await startSeaweedS3({ dir: path.join(dir, 's3') });
    process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    process.env.AWS_REGION = 'us-east-1';
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: 'race' }));
    client.destroy();
  });
  afterAll(async () => {
    await s3?.stop();
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ['AWS_REGION', saved.region],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('both succeed with the same key and outputs; the result is complete and cached', async () => {
    const store: StoreSettings = { type: 's3', bucket: 'race', prefix: 'p', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true };
    await expectRaceConverges(store, { race: 3 }, 1 << 20);
  });
});
