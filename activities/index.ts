import { decodeActivity } from './decode';
import { evaluateActivity } from './evaluate';
import { featuresActivity } from './features';
import { preprocessActivity } from './preprocess';
import { reconstructActivity } from './reconstruct';
import { simulateActivity } from './simulate';
import { stimuliActivity } from './stimuli';

/**
 * The stage activities, registered under their stage names. A factory so the worker (the
 * composition root) owns construction; stages open stores from the request's store settings.
 */
export function createActivities() {
  return {
    stimuli: stimuliActivity,
    simulate: simulateActivity,
    preprocess: preprocessActivity,
    features: featuresActivity,
    decode: decodeActivity,
    reconstruct: reconstructActivity,
    evaluate: evaluateActivity,
  };
}

export type StageActivities = ReturnType<typeof createActivities>;
