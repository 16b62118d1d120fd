import { ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { StageActivities } from '../activities';
import { STAGE_NAMES } from './stage-names';
import type {
  ArtifactRef,
  ExperimentInput,
  ExperimentResult,
  LayerAccuracy,
  Score,
  StageName,
  StageProgress,
  StageRequest,
  StageResult,
  StageSummary,
} from './contracts';

export const progressQuery = defineQuery<StageProgress[]>('progress');

/**
 * One experiment: shared stimulus stages once, then each subject's chain
 * simulate → preprocess → decode → reconstruct → evaluate. Every step is a cached, durable
 * activity that exchanges only artifact references.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentResult> {
  const { config } = input;
  const acts = proxyActivities<StageActivities>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: '60 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  });

  const progress: StageProgress[] = [];
  const stages: StageSummary[] = [];
  setHandler(progressQuery, () => progress);
  const plan = (stage: StageName, subject?: string) => progress.push({ stage, subject, state: 'pending' });
  plan('stimuli');
  plan('features');
  for (const s of config.subjects) {
    for (const stage of ['simulate', 'preprocess', 'decode', 'reconstruct', 'evaluate'] as const) plan(stage, s.name);
  }

  async function run<C, R>(
    stage: StageName,
    subject: string | undefined,
    activity: (req: StageRequest<C>) => Promise<StageResult<R>>,
    stageConfig: C,
    inputs: Record<string, ArtifactRef>,
  ): Promise<StageResult<R>> {
    const index = progress.findIndex((p) => p.stage === stage && p.subject === subject);
    progress[index] = { stage, subject, state: 'running' };
    try {
      const result = await activity({
        store: config.store,
        backend: config.compute.backend,
        subject,
        config: stageConfig,
        inputs,
        force: input.force.includes(stage),
      });
      progress[index] = { stage, subject, state: 'done', reason: result.reason, seconds: result.seconds };
      stages.push({ stage, subject, reason: result.reason, cached: result.reason === 'cached', seconds: result.seconds, key: result.key });
      return result;
    } catch (error) {
      const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      progress[index] = { stage, subject, state: 'failed', error: message };
      throw error;
    }
  }

  const stimuli = await run('stimuli', undefined, acts.stimuli, config.stimuli, {});
  // Features depend only on the stimuli: computed once, alongside each subject's first stages.
  const featuresDone = run('features', undefined, acts.features, config.features, stimuli.outputs);

  const perSubject = config.subjects.map(async (subject) => {
    const sim = await run('simulate', subject.name, acts.simulate, subject.source, stimuli.outputs);
    const pre = await run('preprocess', subject.name, acts.preprocess, config.preprocess, sim.outputs);
    const features = await featuresDone;
    const dec = await run('decode', subject.name, acts.decode, { ...config.decode, network: config.features }, {
      ...pre.outputs,
      ...features.outputs,
    });
    const reconstructConfig = { ...config.reconstruct, network: config.features, imageSize: config.stimuli.imageSize };
    const rec = await run('reconstruct', subject.name, acts.reconstruct, reconstructConfig, {
      ...dec.outputs,
      ...pickPrefixed(features.outputs, 'stats'),
    });
    const ev = await run('evaluate', subject.name, acts.evaluate, config.evaluate, { ...rec.outputs, ...stimuli.outputs });
    return { scores: ev.results.scores, decoding: dec.results.accuracy };
  });
  const results = await Promise.all(perSubject);
  if (results.length === 0) throw ApplicationFailure.nonRetryable('experiment has no subjects', 'ConfigError');

  const order = (s: StageSummary) => config.subjects.findIndex((x) => x.name === s.subject) * 100 + STAGE_NAMES.indexOf(s.stage);
  return {
    experiment: config.name,
    stages: [...stages].sort((a, b) => order(a) - order(b)),
    scores: results.flatMap((r): Score[] => r.scores),
    decoding: results.flatMap((r): LayerAccuracy[] => r.decoding),
  };
}

function pickPrefixed(refs: Record<string, ArtifactRef>, prefix: string): Record<string, ArtifactRef> {
  return Object.fromEntries(Object.entries(refs).filter(([name]) => name.startsWith(prefix)));
}
