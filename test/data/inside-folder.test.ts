import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/compute/backend';
import { DataError } from '../../lib/data/data-error';
import { loadImageFolder } from '../../lib/data/image-folder';
import { loadModelFolder, modelFolderFingerprint, saveModelFolder } from '../../lib/features/model-folder';
import { imageView, createImageBatch } from '../../lib/images/image-batch';
import { encodePng } from '../../lib/images/png';

let dir: string;

beforeAll(async () => {
  await initBackend('cpu');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-inside-'));
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'd1', inputShape: [3], units: 2 })] });
  await saveModelFolder(model, path.join(dir, 'good'));
  model.dispose();
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A copy of the good model folder whose model.json names its shard as `shardPath`. */
async function modelNaming(name: string, shardPath: string): Promise<string> {
  const folder = path.join(dir, name);
  await fs.mkdir(folder, { recursive: true });
  const json = JSON.parse(await fs.readFile(path.join(dir, 'good', 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0]!.paths = [shardPath];
  await fs.writeFile(path.join(folder, 'model.json'), JSON.stringify(json));
  return folder;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataError);
  return error as Error;
}

describe('paths a model folder names stay inside it', () => {
  it('refuses a weightsManifest path that climbs out of the folder, even when the file it names is a valid shard', async () => {
    const folder = await modelNaming('climbs', '../outside.bin');
    await fs.copyFile(path.join(dir, 'good', 'weights.bin'), path.join(dir, 'outside.bin'));
    for (const load of [() => loadModelFolder(folder), () => modelFolderFingerprint(folder)]) {
      // Started one at a time: a second promise created up front would reject before anything awaits it.
      expect((await rejection(load())).message).toBe(`${path.join(folder, 'model.json')}: "../outside.bin" leads outside its folder ${folder}`);
    }
  });

  it('refuses an absolute weightsManifest path', async () => {
    const folder = await modelNaming('absolute', path.join(dir, 'good', 'weights.bin'));
    for (const load of [() => loadModelFolder(folder), () => modelFolderFingerprint(folder)]) {
      // Started one at a time: a second promise created up front would reject before anything awaits it.
      expect((await rejection(load())).message).toMatch(/model\.json: ".*weights\.bin" is an absolute path; paths it names must be relative to /);
    }
  });

  it('refuses a shard that is a symbolic link out of the folder, unless the config allows it', async () => {
    const folder = await modelNaming('linked', 'weights.bin');
    await fs.symlink(path.join(dir, 'good', 'weights.bin'), path.join(folder, 'weights.bin'));
    const error = await rejection(loadModelFolder(folder, { allowKey: 'features.allowSymlinksOutside' }));
    expect(error.message).toBe(
      `${path.join(folder, 'weights.bin')}: is a symbolic link to ${await fs.realpath(path.join(dir, 'good', 'weights.bin'))}, outside its folder ${folder} (to allow links out of the folder, set features.allowSymlinksOutside: true)`,
    );
    await expect(modelFolderFingerprint(folder)).rejects.toThrow(/is a symbolic link to .*outside its folder/);
    const model = await loadModelFolder(folder, { allowSymlinksOutside: true });
    expect(model.getLayer('d1')).toBeDefined();
    model.dispose();
  });

  it('accepts a symbolic link that stays inside the folder', async () => {
    const folder = await modelNaming('inner-link', 'shards/w.bin');
    await fs.mkdir(path.join(folder, 'shards'));
    await fs.copyFile(path.join(dir, 'good', 'weights.bin'), path.join(folder, 'real.bin'));
    await fs.symlink(path.join(folder, 'real.bin'), path.join(folder, 'shards', 'w.bin'));
    const model = await loadModelFolder(folder);
    model.dispose();
    await expect(modelFolderFingerprint(folder)).resolves.toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('images of a stimulus folder stay inside it', () => {
  it('refuses an image that is a symbolic link out of the folder, unless the config allows it', async () => {
    const root = path.join(dir, 'images');
    await fs.mkdir(path.join(root, 'train'), { recursive: true });
    const png = encodePng(imageView(createImageBatch(1, 4, 4), 0), 4, 4);
    await fs.writeFile(path.join(root, 'train', 'a.png'), png);
    await fs.writeFile(path.join(dir, 'elsewhere.png'), png);
    await fs.symlink(path.join(dir, 'elsewhere.png'), path.join(root, 'train', 'b.png'));
    const error = await rejection(loadImageFolder(root, 4, { allowKey: 'stimuli.allowSymlinksOutside' }));
    expect(error.message).toMatch(/train[/\\]b\.png: is a symbolic link to .*elsewhere\.png, outside its folder .*images \(to allow links out of the folder, set stimuli\.allowSymlinksOutside: true\)$/);
    expect((await loadImageFolder(root, 4, { allowSymlinksOutside: true })).ids).toEqual(['a', 'b']);
  });
});
