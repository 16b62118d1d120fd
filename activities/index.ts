import { cganActivity } from './cgan';
import { decodeActivity } from './decode';
import { evaluateActivity } from './evaluate';
import { featuresActivity } from './features';
import { generatorActivity } from './generator';
import { ingestActivity } from './ingest';
import { preprocessActivity } from './preprocess';
import { reconstructActivity } from './reconstruct';
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
    generator: generatorActivity,
    cgan: cganActivity,
    reconstruct: reconstructActivity,
    evaluate: evaluateActivity,
    report: reportActivity,
    sweepTables,
  };
}

export type StageActivities = ReturnType<typeof createActivities>;
