import { cganActivity } from './cgan';
import { decodeMerge, decodePlan, decodeShard } from './decode-shards';
import { evaluateActivity } from './evaluate';
import { featuresActivity } from './features';
import { generatorActivity } from './generator';
import { ingestActivity } from './ingest';
import { preprocessActivity } from './preprocess';
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
    // decode and reconstruct run as plan, shards, merge. Each shard is an activity of the stage's
    // own name (a shard of the whole stage is the stage), so history, status and logs still show
    // `decode` and `reconstruct` running, on the subject's queue.
    decodePlan,
    decode: decodeShard,
    decodeMerge,
    generator: generatorActivity,
    cgan: cganActivity,
    reconstructPlan,
    reconstruct: reconstructShard,
    reconstructMerge,
    evaluate: evaluateActivity,
    report: reportActivity,
    sweepTables,
  };
}

export type StageActivities = ReturnType<typeof createActivities>;
