import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODE_VERSIONS } from '../../activities/code-versions';
import { codeFingerprint, moduleClosure } from '../../lib/engine/code-fingerprint';
import { projectRoot } from '../../lib/engine/project-root';

let root: string;
const write = (file: string, text: string) => fs.mkdir(path.dirname(path.join(root, file)), { recursive: true }).then(() => fs.writeFile(path.join(root, file), text));
const fingerprint = () => codeFingerprint(root, ['stage.ts'], ['numeric-lib']);

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-fingerprint-'));
  await write('package.json', '{}');
  await write('node_modules/numeric-lib/package.json', '{"version":"1.0.0"}');
  // stage → helper (value import) → deep/index (folder import); stage → types (type-only import); other.ts unreachable.
  await write('stage.ts', "import { helper } from './lib/helper';\nimport type { Shape } from './lib/types';\nexport const run = (s: Shape) => helper(s);\n");
  await write('lib/helper.ts', "export { deep } from './deep';\nexport const helper = (x: unknown) => x;\n");
  await write('lib/deep/index.ts', 'export const deep = 1;\n');
  await write('lib/types.ts', 'export interface Shape { n: number }\n');
  await write('other.ts', 'export const other = 1;\n');
});

afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('code fingerprints', () => {
  it('follow value imports, re-exports and folder imports, not type-only imports', () => {
    const files = moduleClosure([path.join(root, 'stage.ts')]).map((f) => path.relative(root, f));
    expect(files).toEqual(['lib/deep/index.ts', 'lib/helper.ts', 'stage.ts']);
  });

  it('change when a file in the closure or a numeric package changes, not for a file outside it', async () => {
    const first = fingerprint();
    expect(fingerprint()).toBe(first);
    await write('other.ts', 'export const other = 2;\n');
    expect(fingerprint()).toBe(first);
    await write('lib/deep/index.ts', 'export const deep = 2;\n');
    const second = fingerprint();
    expect(second).not.toBe(first);
    await write('node_modules/numeric-lib/package.json', '{"version":"1.0.1"}');
    expect(fingerprint()).not.toBe(second);
  });

  it('give every stage a version of its manual part and the fingerprint of its real module closure', () => {
    const decode = moduleClosure([path.join(projectRoot(), 'activities/decode.ts')]).map((f) => path.relative(projectRoot(), f));
    expect(decode).toContain('lib/decoding/ridge.ts');
    expect(decode).not.toContain('lib/report/report-html.ts');
    for (const [stage, version] of Object.entries(CODE_VERSIONS)) expect(version, stage).toMatch(/^[a-z]+-\d+\+[0-9a-f]{16}$/);
    // Stages with different closures get different fingerprints.
    expect(CODE_VERSIONS.decode.split('+')[1]).not.toBe(CODE_VERSIONS.report.split('+')[1]);
  });
});
