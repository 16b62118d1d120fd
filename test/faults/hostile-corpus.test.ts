import { createHash } from 'node:crypto';
import { promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresActivity } from '../../activities/features';
import { ingestActivity } from '../../activities/ingest';
import { stimuliActivity } from '../../activities/stimuli';
import { resolveStore } from '../../cli/run-command';
import { validateCommand } from '../../cli/validate-command';
import { ConfigError } from '../../configs/config-error';
import { loadExperimentConfig } from '../../configs/load';
import type { StageRequest, StoreSettings } from '../../workflows/contracts';

/**
 * The hostile-input corpus (test/fixtures/hostile/, written by make-corpus.mjs): every case is the
 * file a user would pass plus the data it names, and the step that must refuse it — `validate`
 * (what `run` and `sweep` do before anything starts) or the stage that reads the data, called as
 * the worker calls it. Every refusal must be one clear line naming the file, fail at once as bad
 * input, leave nothing half-written, write nothing outside the store, and end within its time.
 */
const CORPUS = path.resolve(__dirname, '..', 'fixtures', 'hostile');
const CASE_LIMIT_MS = 20_000;

interface Expectation {
  readonly stage: 'validate' | 'stimuli' | 'features' | 'ingest';
  readonly error: string;
}

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-corpus-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const cases = readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();

/** Every file under `dir` (links not followed) with a hash of its bytes or its link target. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) out[path.relative(dir, file)] = `-> ${await fs.readlink(file)}`;
    else if (entry.isFile()) out[path.relative(dir, file)] = createHash('sha256').update(await fs.readFile(file)).digest('hex');
  }
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Runs the step the case names; resolves to the error it was refused with. */
async function refusal(dir: string, expectation: Expectation, store: StoreSettings): Promise<unknown> {
  const sweep = path.join(dir, 'sweep.yaml');
  const file = (await fs.stat(sweep).then(() => true, () => false)) ? sweep : path.join(dir, 'experiment.yaml');
  try {
    if (expectation.stage === 'validate') {
      await validateCommand(file);
      return undefined;
    }
    const config = resolveStore(await loadExperimentConfig(file), dir);
    const request = <C>(stageConfig: C, inputs = {}): StageRequest<C> => ({ store, backend: 'cpu', experiment: 'hostile', config: stageConfig, inputs, force: false });
    const stimuli = await stimuliActivity(request(config.stimuli));
    if (expectation.stage === 'features') await featuresActivity(request(config.features, stimuli.outputs));
    if (expectation.stage === 'ingest') {
      const source = config.subjects[0]!.source;
      if (source.type !== 'bdata') throw new Error('an ingest case needs a bdata subject');
      await ingestActivity({ ...request(source, stimuli.outputs), subject: 's1' });
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('the hostile-input corpus', () => {
  it('holds cases of every kind', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it.each(cases)('%s: one clear line, refused at once, nothing half-written or written elsewhere', { timeout: CASE_LIMIT_MS + 10_000 }, async (name) => {
    const dir = path.join(CORPUS, name);
    const expectation = JSON.parse(await fs.readFile(path.join(dir, 'expect.json'), 'utf8')) as Expectation;
    const before = await snapshot(dir);
    const store: StoreSettings = { type: 'local', path: path.join(work, name) };
    const started = Date.now();
    const error = await Promise.race([refusal(dir, expectation, store), new Promise((r) => setTimeout(() => r(new Error('no answer within the time limit')), CASE_LIMIT_MS))]);
    expect(Date.now() - started).toBeLessThan(CASE_LIMIT_MS);

    // The kind of error the command line prints as one line (`invalid config:` or `error:`), not a crash.
    if (expectation.stage === 'validate') expect(error).toBeInstanceOf(ConfigError);
    else {
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable).toBe(true);
    }
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toMatch(/\bat .+:\d+:\d+\)?$|node_modules|Error:/m);
    const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(message).toMatch(new RegExp(expectation.error.replaceAll('{dir}', escaped)));

    // Nothing of the refused stage stays in the store, and the case's own files are as they were.
    if (expectation.stage !== 'validate') expect((await filesUnder(path.join(work, name, 'stages', expectation.stage))).filter((f) => !f.startsWith('lineage'))).toEqual([]);
    expect(await snapshot(dir)).toEqual(before);
  });
});
