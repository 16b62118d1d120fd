import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../lib/engine/project-root';

/**
 * The version `deeprecon --version` prints: package.json's, read at run time so it can never
 * disagree with the installed package (a constant in the source would need a second bump).
 */
export function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error('package.json has no version');
  return manifest.version;
}
