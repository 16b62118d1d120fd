import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DataError } from './data-error';

/** How a folder of data may refer to files: only inside itself, unless the config allows links out. */
export interface FolderPolicy {
  /** Follow symbolic links that resolve outside the folder (a dataset of links into a shared store). */
  readonly allowSymlinksOutside?: boolean;
  /** The config key that allows it, named in the error so the user knows the way out. */
  readonly allowKey?: string;
}

function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The file `name` (a path that a data file such as model.json gives, relative to `folder`), checked
 * to stay inside `folder`: no absolute path, no `..` that climbs out, and no symbolic link that
 * resolves outside (unless the policy allows it). A data file must not make the process read
 * whatever it can read. `source` is the file that named the path, for the error.
 */
export async function fileInsideFolder(folder: string, name: string, source: string, policy: FolderPolicy = {}): Promise<string> {
  if (path.isAbsolute(name) || /^[A-Za-z]:|^[\\/]/.test(name)) throw new DataError(source, `"${name}" is an absolute path; paths it names must be relative to ${folder}`);
  const file = path.resolve(folder, name);
  if (!isInside(path.resolve(folder), file)) throw new DataError(source, `"${name}" leads outside its folder ${folder}`);
  await checkLinkInside(folder, file, policy);
  return file;
}

/**
 * Refuses `file` (already lexically inside `folder`) when it, or a folder on the way to it, is a
 * symbolic link that resolves outside `folder`. A missing file passes: its reader says it is missing.
 */
export async function checkLinkInside(folder: string, file: string, policy: FolderPolicy = {}): Promise<void> {
  if (policy.allowSymlinksOutside) return;
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    return;
  }
  const realFolder = await fs.realpath(folder).catch(() => path.resolve(folder));
  if (!isInside(realFolder, real)) {
    const allow = policy.allowKey ? ` (to allow links out of the folder, set ${policy.allowKey}: true)` : '';
    throw new DataError(file, `is a symbolic link to ${real}, outside its folder ${folder}${allow}`);
  }
}
