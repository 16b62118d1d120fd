import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArtifactNotFoundError, type ArtifactStore, validateKey } from './artifact-store';

/** Artifacts as files under a root folder; each write goes to a temporary file renamed into place. */
export class LocalStore implements ArtifactStore {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...validateKey(key).split('/'));
  }

  uri(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await fs.writeFile(temporary, body);
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fs.readFile(this.pathOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArtifactNotFoundError(this.uri(key));
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const trimmed = prefix.replace(/\/+$/, '');
    const start = trimmed === '' ? this.root : this.pathOf(trimmed);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.includes('.partial-')) {
          keys.push(path.relative(this.root, full).split(path.sep).join('/'));
        }
      }
    };
    await walk(start);
    return keys.sort();
  }
}
