import { cganActivity } from './cgan';
import { decodeActivity } from './decode';
import { decodeMerge, decodePlan, decodeShard } from './decode-shards';
import { evaluateActivity } from './evaluate';
import { featuresActivity } from './features';
import { generatorActivity } from './generator';
import { ingestActivity } from './ingest';
import { preprocessActivity } from './preprocess';
import { reconstructActivity } from './reconstruct';
import { reconstructMerge, reconstructPlan, reconstructShard } from './reconstruct-shards';
import { reportActivity } from './report';
import { simulateActivity } from './simulate';
import { stimuliActivity } from './stimuli';
import { sweepTables } from './sweep-tables';

/**
 * The stage activities, registered under their stage names. A factory so the worker (the
 * composition root) owns construction; stages open stores from the request's store settings.
 */
export function createActivities() {
  return {
    stimuli: stimuliActivity,
    simulate: simulateActivity,
    ingest: ingestActivity,
    preprocess: preprocessActivity,
    features: featuresActivity,
    decode: decodeActivity,
    // The sharded form of decode and reconstruct: plan, one activity per shard, merge.
    decodePlan,
    decodeShard,
    decodeMerge,
    generator: generatorActivity,
    cgan: cganActivity,
    reconstruct: reconstructActivity,
    reconstructPlan,
    reconstructShard,
    reconstructMerge,
    evaluate: evaluateActivity,
    report: reportActivity,
    sweepTables,
  };
}

export type StageActivities = ReturnType<typeof createActivities>;
