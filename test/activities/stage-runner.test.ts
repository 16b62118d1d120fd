import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStage } from '../../activities/stage-runner';
import { DataError } from '../../lib/data/data-error';
import { LocalStore } from '../../lib/store/local-store';
import type { StageRequest } from '../../workflows/contracts';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-stage-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const request = (config: unknown, force = false): StageRequest<unknown> => ({
  store: { type: 'local', path: root },
  backend: 'cpu',
  config,
  inputs: {},
  force,
});

describe('runStage', () => {
  it('computes once, then serves the manifest from the cache', async () => {
    let calls = 0;
    const body = async (ctx: Parameters<Parameters<typeof runStage>[2]>[0]) => {
      calls++;
      await ctx.write('out', Uint8Array.of(7, 7), 'arrow');
      return { results: { answer: 42 } };
    };
    const first = await runStage('stimuli', request({ n: 1 }), body);
    const second = await runStage('stimuli', request({ n: 1 }), body);
    expect(calls).toBe(1);
    expect([first.reason, second.reason]).toEqual(['new', 'cached']);
    expect(second.outputs).toEqual(first.outputs);
    expect(second.results).toEqual({ answer: 42 });
    expect(second.manifest.sha256).toBe(first.manifest.sha256);

    const forced = await runStage('stimuli', request({ n: 1 }, true), body);
    expect([calls, forced.reason]).toEqual([2, 'forced']);
    const other = await runStage('stimuli', request({ n: 2 }), body);
    expect([calls, other.reason]).toEqual([3, 'new']);
    expect(other.key).not.toBe(first.key);
  });

  it('deletes what a failed stage wrote and writes no manifest', async () => {
    await expect(
      runStage('stimuli', request({ n: 3 }), async (ctx) => {
        await ctx.write('half', Uint8Array.of(1), 'arrow');
        throw new Error('disk on fire');
      }),
    ).rejects.toThrow('disk on fire');
    expect(await new LocalStore(root).list('')).toEqual([]);
  });

  it('recomputes when an output of a complete stage has gone missing', async () => {
    let calls = 0;
    const body = async (ctx: Parameters<Parameters<typeof runStage>[2]>[0]) => {
      calls++;
      await ctx.write('out', Uint8Array.of(1), 'arrow');
      return { results: null };
    };
    const first = await runStage('stimuli', request({ n: 4 }), body);
    await new LocalStore(root).delete(first.outputs.out!.key);
    const again = await runStage('stimuli', request({ n: 4 }), body);
    expect([calls, again.reason]).toEqual([2, 'new']);
  });

  it('turns bad input into a non-retryable failure naming the stage and the source', async () => {
    const failure = await runStage('preprocess', request({ n: 5 }), async () => {
      throw new DataError('trials.arrow', 'NaN in trial 3, voxel 9');
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('DataError');
    expect((failure as ApplicationFailure).message).toBe('preprocess: trials.arrow: NaN in trial 3, voxel 9');
  });
});
