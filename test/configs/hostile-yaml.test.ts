import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../configs/config-error';
import { loadExperimentConfig, parseExperimentConfig } from '../../configs/load';
import { loadSweep } from '../../lib/sweep/load-sweep';
import { configRejection } from '../support/config-rejection';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-yaml-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const minimal = 'name: demo\nsubjects:\n  - name: s1\n    source: { type: simulated }\n';

/** The ConfigError a file is refused with (anything else fails the test). */
async function refusal(name: string, content: string | Uint8Array, load: (file: string) => Promise<unknown> = loadExperimentConfig): Promise<{ file: string; message: string }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  const error = await load(file).then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return { file, message: (error as ConfigError).message };
}

/** Nine levels of anchors, each repeating the one before nine times: 9⁹ strings if expanded. */
function billionLaughs(): string {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${levels.join('\n')}\n`;
}

describe('hostile YAML in an experiment or sweep file', () => {
  it('billion laughs: refused, naming the file and the alias limit', async () => {
    const { file, message } = await refusal('laughs.yaml', `${minimal}${billionLaughs()}`);
    expect(message).toBe(`${file}: (top level): YAML aliases expand too far (more than 100 expansions, weighted by size): write the values out instead of repeating anchors`);
    const sweep = await refusal('laughs-sweep.yaml', `name: s\nbase: x.yaml\n${billionLaughs()}`, loadSweep);
    expect(sweep.message).toMatch(/laughs-sweep\.yaml: \(top level\): YAML aliases expand too far/);
  });

  it('a byte that is not UTF-8 in a string: refused with its line and column, not read as U+FFFD', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('name: demo\ndescription: caf'), 0xe9, ...new TextEncoder().encode('\nsubjects: []\n')]);
    const { file, message } = await refusal('latin1.yaml', latin1);
    expect(message).toBe(`${file}:2: (top level): byte 0xE9 at column 17 is not UTF-8; save the file as UTF-8`);
    // Well-formed multi-byte characters are fine.
    await fs.writeFile(path.join(dir, 'utf8.yaml'), `${minimal}description: café ✓ 𝄞\n`);
    expect((await loadExperimentConfig(path.join(dir, 'utf8.yaml'))).description).toBe('café ✓ 𝄞');
  });

  it('a file over 1 MiB: refused by size before it is parsed', async () => {
    const { file, message } = await refusal('huge.yaml', `${minimal}description: "${'x'.repeat(50 << 20)}"\n`);
    expect(message).toBe(`${file}: (top level): the file is ${(50 << 20) + minimal.length + 16} bytes; the limit for an experiment or sweep file is 1048576 bytes (1 MiB)`);
  });

  it('a repeated key: refused with its line', () => {
    expect(configRejection(`${minimal}decode:\n  alpha: 1\n  alpha: 2\n`)).toBe('exp.yaml:7: (top level): YAML syntax: map keys must be unique ("alpha" repeats)');
  });

  it('16,000 unknown keys: refused in time that grows linearly, listing the first 20 and a count', () => {
    const keys = Array.from({ length: 16000 }, (_, i) => `k${i}: ${i}`).join('\n');
    const started = Date.now();
    const message = configRejection(`${minimal}${keys}\n`);
    // Quadratic work took minutes here; linear work takes about a second (more on a loaded machine).
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toMatch(/^exp\.yaml:5: k0: unknown key "k0"/);
    expect(lines[20]).toBe('exp.yaml: … and 15980 more problems');
  });
});

describe('validate refuses what run would refuse', () => {
  it('a description over 10,000 characters: refused with its line', () => {
    expect(configRejection(`${minimal}description: ${'d'.repeat(10_001)}\n`)).toMatch(/^exp\.yaml:5: description: .*(<=|at most) ?10000/i);
  });

  it('a config too large for the workflow input (thousands of subjects): refused before anything starts', () => {
    const subjects = Array.from({ length: 6000 }, (_, i) => `  - {name: s${i}, source: {type: simulated}}`).join('\n');
    expect(configRejection(`name: demo\nsubjects:\n${subjects}\n`)).toMatch(/^exp\.yaml: \(top level\): the config is \d+ bytes as JSON \(with defaults and aliases expanded\); the limit is 524288 bytes/);
    expect(() => parseExperimentConfig(`name: demo\nsubjects:\n${subjects.split('\n').slice(0, 50).join('\n')}\n`, 'exp.yaml')).not.toThrow();
  });
});
