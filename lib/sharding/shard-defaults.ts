/**
 * Default shard sizes. 8,192 units is a multiple of every decoder's own column chunk (ridge and
 * ridge-cv predict 8,192 units per product, voxel selection correlates 1,024 and solves 32 at a
 * time), so a shard's products are the same products as in the whole layer, and one shard of
 * VGG19's conv1 is ~4 MB of decoded features per 50 test images. Paper scale (14.9M units) is
 * 1,819 shards. Fifty images per reconstruct shard: one shard per set of the default run (50
 * natural images, 40 shapes, 10 letters), so its shards do the same tensor operations as the
 * unsharded stage did set by set. Smaller batches multiply the operations: at 32 px a step's cost
 * is mostly per-operation overhead: the default run at ten images per shard took 383 s against
 * the unsharded stage's 250 s (one run each, two heavily loaded cores). At 224 px, where each image's
 * compute dominates, a lower `reconstruct.shardImages` spreads a set over more workers.
 */
export const DEFAULT_SHARD_UNITS = 8192;
export const DEFAULT_SHARD_IMAGES = 50;
