import { loadExperimentConfig } from '../configs/load';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { simulateResponses } from '../lib/data/simulated-subject';
import { stimulusRows } from '../lib/data/trials';
import { selectImages, type ImageBatch } from '../lib/images/image-batch';
import type { Matrix } from '../lib/linalg/matrix';
import { averageByStimulus } from '../lib/preprocess/average-trials';
import { preprocessTrials } from '../lib/preprocess/preprocess-trials';

export interface LabelledSet {
  readonly voxels: Matrix;
  readonly images: ImageBatch;
}

/**
 * The default experiment's first subject as the cgan stage sees it (configs/default.yaml:
 * procedural stimuli, simulated subject, preprocessing): the training pairs (each image's trials
 * averaged, or single trials) and every test set with its averaged patterns and true images.
 */
export async function defaultSubjectData(trainOn: 'averages' | 'trials'): Promise<{ train: LabelledSet; tests: Record<string, LabelledSet> }> {
  const config = await loadExperimentConfig('configs/default.yaml');
  if (config.stimuli.source !== 'procedural') throw new Error('bench: the default stimuli are expected to be procedural');
  const stimuli = proceduralStimuli(config.stimuli);
  const source = config.subjects[0]!.source;
  if (source.type !== 'simulated') throw new Error('bench: the default subject is expected to be simulated');
  const trials = simulateResponses(stimuli, source);
  const testSets = [...new Set(trials.sets)].filter((s) => s !== 'train');
  const pre = preprocessTrials(trials, { roi: config.preprocess.roi, averageTestTrials: true, trainSet: 'train', testSets });
  const pairs = trainOn === 'trials' ? pre.train : averageByStimulus(pre.train.X, pre.train.stimulusIds);
  const images = (ids: string[], what: string): ImageBatch => selectImages(stimuli.images, stimulusRows(stimuli, ids, 'bench', what));
  const tests = Object.fromEntries(Object.entries(pre.test).map(([name, set]) => [name, { voxels: set.X, images: images(set.stimulusIds, name) }]));
  return { train: { voxels: pairs.X, images: images(pairs.stimulusIds, 'training') }, tests };
}
