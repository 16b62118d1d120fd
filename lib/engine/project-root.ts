import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The folder holding package.json. Walks up from this file so the answer is the same
 * whether we run from lib/engine/*.ts (vitest, ts sources) or dist/lib/engine/*.js.
 */
export function projectRoot(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      cached = dir;
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no package.json found above ${__dirname}`);
  }
}
