import type { RidgeProjection } from '../lib/decoding/ridge';

interface Entry {
  readonly projections: RidgeProjection[];
  users: number;
}

/** Stages whose projections one worker keeps: a subject's decode and its control's, with room. */
const CAPACITY = 4;
const entries = new Map<string, Entry>();

/**
 * Ridge's voxel-only projections, kept per worker process by stage key: every shard of a decode
 * needs the same projection of each decoder (the control has ten), and computing it is most of a
 * small shard's time. A worker computes them once per stage and its later shards reuse them; the
 * values are those computed in the whole stage, so results do not change. Entries in use are never
 * disposed; idle ones beyond CAPACITY go, oldest first.
 */
export function acquireProjections(key: string, fit: () => RidgeProjection[]): { projections: RidgeProjection[]; release: () => void } {
  let entry = entries.get(key);
  if (entry) {
    entries.delete(key);
  } else {
    entry = { projections: fit(), users: 0 };
  }
  entries.set(key, entry);
  entry.users++;
  const held = entry;
  let released = false;
  return {
    projections: held.projections,
    release: () => {
      if (released) return;
      released = true;
      held.users--;
      evictIdle();
    },
  };
}

function evictIdle(): void {
  for (const [key, entry] of entries) {
    if (entries.size <= CAPACITY) return;
    if (entry.users > 0) continue;
    entries.delete(key);
    for (const p of entry.projections) p.dispose();
  }
}
