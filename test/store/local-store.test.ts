import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactIntegrityError, getArtifact, putArtifact, sha256Hex } from '../../lib/store/artifact-ref';
import { ArtifactNotFoundError, InvalidKeyError } from '../../lib/store/artifact-store';
import { LocalStore } from '../../lib/store/local-store';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-store-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('LocalStore', () => {
  it('writes, lists, reads and deletes objects', async () => {
    const store = new LocalStore(root);
    await store.put('a/b/c.arrow', Uint8Array.of(1, 2, 3));
    await store.put('a/d.json', Uint8Array.of(4));
    expect(await store.list('a')).toEqual(['a/b/c.arrow', 'a/d.json']);
    expect(Array.from(await store.get('a/b/c.arrow'))).toEqual([1, 2, 3]);
    expect(await store.exists('a/d.json')).toBe(true);
    await store.delete('a/d.json');
    expect(await store.exists('a/d.json')).toBe(false);
    await expect(store.get('a/d.json')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('never lets a key escape the root', async () => {
    const store = new LocalStore(path.join(root, 'inner'));
    for (const key of ['../outside', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b', '', './a']) {
      await expect(store.put(key, Uint8Array.of(1))).rejects.toBeInstanceOf(InvalidKeyError);
    }
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('leaves no partial file behind when a write fails', async () => {
    const store = new LocalStore(root);
    await fs.mkdir(path.join(root, 'x', 'taken'), { recursive: true }); // a folder where the file should go
    await expect(store.put('x/taken', Uint8Array.of(1))).rejects.toThrow();
    expect(await fs.readdir(path.join(root, 'x'))).toEqual(['taken']);
  });
});

describe('artifact references', () => {
  it('carry the content hash and detect corruption on read', async () => {
    const store = new LocalStore(root);
    const body = new TextEncoder().encode('hello');
    const ref = await putArtifact(store, 'k/v.json', body, 'json');
    expect(ref.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(ref.bytes).toBe(5);
    expect(sha256Hex(await getArtifact(store, ref))).toBe(ref.sha256);
    await fs.writeFile(path.join(root, 'k', 'v.json'), 'hellO');
    await expect(getArtifact(store, ref)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    await expect(getArtifact(store, ref)).rejects.toThrow(/k\/v\.json is corrupt/);
  });
});
