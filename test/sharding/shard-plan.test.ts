import { describe, expect, it } from 'vitest';
import { BATCHES_PER_STAGE, MAX_SHARDS_PER_STAGE, SHARDS_PER_WORKFLOW, shardBatches } from '../../lib/sharding/shard-batches';
import { DEFAULT_SHARD_UNITS } from '../../lib/sharding/shard-defaults';
import { planShards, shardAt, shardCount, shardsOfGroup } from '../../lib/sharding/shard-plan';

/** bdpy's VGG19 feature layers and their unit counts at 224 px (14.86M units in all). */
const VGG19 = [
  ...['conv1_1', 'conv1_2'].map((name) => ({ name, size: 224 * 224 * 64 })),
  ...['conv2_1', 'conv2_2'].map((name) => ({ name, size: 112 * 112 * 128 })),
  ...['conv3_1', 'conv3_2', 'conv3_3', 'conv3_4'].map((name) => ({ name, size: 56 * 56 * 256 })),
  ...['conv4_1', 'conv4_2', 'conv4_3', 'conv4_4'].map((name) => ({ name, size: 28 * 28 * 512 })),
  ...['conv5_1', 'conv5_2', 'conv5_3', 'conv5_4'].map((name) => ({ name, size: 14 * 14 * 512 })),
  { name: 'fc6', size: 4096 },
  { name: 'fc7', size: 4096 },
  { name: 'fc8', size: 1000 },
];

describe('planShards', () => {
  it('cuts each group into ranges of the shard size, covering every item once in order', () => {
    const plan = planShards([{ name: 'a', size: 10 }, { name: 'b', size: 4 }, { name: 'c', size: 0 }], 4);
    expect(shardCount(plan)).toBe(3 + 1 + 1);
    const all = Array.from({ length: shardCount(plan) }, (_, i) => shardAt(plan, i));
    expect(all.map((s) => [s.group, s.start, s.end])).toEqual([['a', 0, 4], ['a', 4, 8], ['a', 8, 10], ['b', 0, 4], ['c', 0, 0]]);
    expect(shardsOfGroup(plan, 'a')).toEqual(all.slice(0, 3));
    expect(() => shardAt(plan, 5)).toThrow(/past the plan's 5 shards/);
  });

  it('refuses a bad shard size, a negative group and a repeated group', () => {
    expect(() => planShards([], 0)).toThrow(/shardSize must be a positive integer/);
    expect(() => planShards([{ name: 'a', size: -1 }], 4)).toThrow(/has size -1/);
    expect(() => planShards([{ name: 'a', size: 1 }, { name: 'a', size: 2 }], 4)).toThrow(/appears twice/);
  });
});

describe('shardBatches', () => {
  it('keeps a small stage in the workflow and splits a larger one into contiguous batches', () => {
    expect(shardBatches(SHARDS_PER_WORKFLOW)).toEqual([]);
    expect(shardBatches(450, 200)).toEqual([{ start: 0, end: 200 }, { start: 200, end: 400 }, { start: 400, end: 450 }]);
    expect(() => shardBatches(MAX_SHARDS_PER_STAGE + 1)).toThrow(/larger shard size/);
  });
});

describe('a paper-scale decode plan (all 14.9M VGG19 units at the default shard size)', () => {
  it('stays within the bounds of every workflow history, without running anything', () => {
    const units = VGG19.reduce((n, g) => n + g.size, 0);
    expect(units).toBeGreaterThan(14_800_000);
    const plan = planShards(VGG19, DEFAULT_SHARD_UNITS);
    const total = shardCount(plan);
    expect(total).toBe(1819);
    // The plan itself is what the workflow holds and passes on: a few hundred bytes.
    expect(JSON.stringify(plan).length).toBeLessThan(1024);
    const batches = shardBatches(total);
    // No workflow runs more than SHARDS_PER_WORKFLOW shard activities: the experiment starts one
    // child per batch, each child runs its batch.
    expect(batches.length).toBe(Math.ceil(total / SHARDS_PER_WORKFLOW));
    expect(batches.length).toBeLessThanOrEqual(BATCHES_PER_STAGE);
    expect(batches.every((b) => b.end - b.start <= SHARDS_PER_WORKFLOW && b.end > b.start)).toBe(true);
    // Batches cover every shard once, and the shards cover every unit of every layer once.
    expect(batches.map((b) => b.end - b.start).reduce((a, b) => a + b, 0)).toBe(total);
    expect(batches.every((b, i) => i === 0 || b.start === batches[i - 1]!.end)).toBe(true);
    const covered = new Map<string, number>();
    for (let i = 0; i < total; i++) {
      const s = shardAt(plan, i);
      expect(s.start).toBe(covered.get(s.group) ?? 0);
      expect(s.end - s.start).toBeLessThanOrEqual(DEFAULT_SHARD_UNITS);
      covered.set(s.group, s.end);
    }
    expect(Object.fromEntries(covered)).toEqual(Object.fromEntries(VGG19.map((g) => [g.name, g.size])));
    // Every shard's range (what the workflow adds to the stage request) is tiny.
    expect(JSON.stringify(shardAt(plan, total - 1)).length).toBeLessThan(100);
  });
});
