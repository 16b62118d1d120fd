/**
 * Default shard sizes. 8,192 units is a multiple of every decoder's own column chunk (ridge and
 * ridge-cv predict 8,192 units per product, voxel selection correlates 1,024 and solves 32 at a
 * time), so a shard's products are the same products as in the whole layer, and one shard of
 * VGG19's conv1 is ~4 MB of decoded features per 50 test images. Paper scale (14.9M units) is
 * 1,819 shards. Ten images per reconstruct shard gives the default run's 50-image natural set
 * five shards: enough to keep two to five workers busy, few enough that loading the network per
 * shard stays a small part of the shard's time.
 */
export const DEFAULT_SHARD_UNITS = 8192;
export const DEFAULT_SHARD_IMAGES = 10;
