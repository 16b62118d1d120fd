export { experimentWorkflow, progressQuery } from './experiment';
export { sweepWorkflow } from './sweep';
export { shardBatchWorkflow } from './shard-batch';
