import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveTool } from '../../lib/engine/tools';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deeprecon-tools-'));
const saved = process.env['TEMPORAL_CLI'];

afterEach(() => {
  if (saved === undefined) delete process.env['TEMPORAL_CLI'];
  else process.env['TEMPORAL_CLI'] = saved;
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('resolveTool', () => {
  it('prefers TEMPORAL_CLI when it names an executable file', () => {
    const fake = path.join(tmp, 'my-temporal');
    fs.writeFileSync(fake, '#!/bin/sh\necho fake\n', { mode: 0o755 });
    process.env['TEMPORAL_CLI'] = fake;
    expect(resolveTool('temporal')).toBe(fake);
  });

  it('fails clearly when TEMPORAL_CLI points to a missing file', () => {
    process.env['TEMPORAL_CLI'] = path.join(tmp, 'missing-temporal');
    expect(() => resolveTool('temporal')).toThrow(/TEMPORAL_CLI=.*missing-temporal.*set TEMPORAL_CLI to the path of a temporal binary/);
  });
});
