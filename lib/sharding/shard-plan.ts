/**
 * How one stage splits into shards: named groups of items (a layer's units, a set's images), each
 * cut into contiguous ranges of at most `shardSize` items. The plan itself holds only the groups,
 * so it stays a few hundred bytes even when it stands for thousands of shards; any shard is
 * recovered from its index. Pure and dependency-free, so workflow code can use it.
 */

/** A named group of items, in the order the stage's outputs list them. */
export interface ShardGroup {
  readonly name: string;
  readonly size: number;
}

export interface ShardPlan {
  readonly groups: readonly ShardGroup[];
  /** Items per shard; a group's last shard may hold fewer. */
  readonly shardSize: number;
}

/** Items [start, end) of one group: one shard. */
export interface ShardRange {
  readonly index: number;
  readonly group: string;
  readonly start: number;
  readonly end: number;
}

/** A plan over `groups`; an empty group still gets one (empty) shard so its output is written. */
export function planShards(groups: readonly ShardGroup[], shardSize: number): ShardPlan {
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new Error(`planShards: shardSize must be a positive integer, got ${shardSize}`);
  const names = new Set<string>();
  for (const g of groups) {
    if (!Number.isInteger(g.size) || g.size < 0) throw new Error(`planShards: group "${g.name}" has size ${g.size}`);
    if (names.has(g.name)) throw new Error(`planShards: group "${g.name}" appears twice`);
    names.add(g.name);
  }
  return { groups: groups.map((g) => ({ name: g.name, size: g.size })), shardSize };
}

function shardsIn(size: number, shardSize: number): number {
  return Math.max(1, Math.ceil(size / shardSize));
}

/** Shards in the whole plan. */
export function shardCount(plan: ShardPlan): number {
  return plan.groups.reduce((n, g) => n + shardsIn(g.size, plan.shardSize), 0);
}

/** Shard `index` of the plan (groups in order, ranges in order within a group). */
export function shardAt(plan: ShardPlan, index: number): ShardRange {
  if (!Number.isInteger(index) || index < 0) throw new Error(`shardAt: index must be a non-negative integer, got ${index}`);
  let first = 0;
  for (const g of plan.groups) {
    const n = shardsIn(g.size, plan.shardSize);
    if (index < first + n) {
      const start = (index - first) * plan.shardSize;
      return { index, group: g.name, start, end: Math.min(g.size, start + plan.shardSize) };
    }
    first += n;
  }
  throw new Error(`shardAt: index ${index} is past the plan's ${first} shards`);
}

/** The shards of one group, in order. */
export function shardsOfGroup(plan: ShardPlan, group: string): ShardRange[] {
  let first = 0;
  for (const g of plan.groups) {
    const n = shardsIn(g.size, plan.shardSize);
    if (g.name === group) return Array.from({ length: n }, (_, k) => shardAt(plan, first + k));
    first += n;
  }
  throw new Error(`shardsOfGroup: no group "${group}" in the plan`);
}
