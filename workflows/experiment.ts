import { ApplicationFailure, defineQuery, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { StageActivities } from '../activities';
import { EXPERIMENT_KEY, STAGE_KEY, SUBJECTS_KEY } from './search-attributes';
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
  const shared = stageActivities(input.taskQueue, input.heartbeatTimeoutSeconds);

  if (input.searchAttributes) {
    upsertSearchAttributes([
      { key: EXPERIMENT_KEY, value: config.name },
      { key: SUBJECTS_KEY, value: config.subjects.map((s) => s.name) },
    ]);
  }
  const progress: StageProgress[] = [];
  const stages: StageSummary[] = [];
  setHandler(progressQuery, () => progress);
  const plan = (stage: StageName, subject?: string, variant?: string) => progress.push({ stage, subject, variant, state: 'pending' });
  const methods = config.reconstruct.methods;
  // Settings only icnn-gd uses join only its cache key.
  const gdOnly = (method: string) => {
    if (method === 'icnn-gd') return { jitter: config.reconstruct.jitter, start: config.reconstruct.start };
    const g = config.reconstruct.generator;
    if (method === 'icnn-dgn' && g.modelPath) return { generatorModel: { path: g.modelPath, outputRange: g.outputRange, ...(g.upperBound ? { upperBound: g.upperBound } : {}) } };
    return {};
  };
  // The ceiling (reconstruction from true features) exists for the feature-matching methods only.
  const ceilingMethods = config.reconstruct.ceiling.length > 0 ? methods.filter((m) => m !== 'cgan' && (config.reconstruct.ceilingMethods as readonly string[]).includes(m)) : [];
  plan('stimuli');
  plan('features');
  if (methods.includes('icnn-dgn') && !config.reconstruct.generator.modelPath) plan('generator');
  for (const s of config.subjects) {
    const first = s.source.type === 'simulated' ? 'simulate' : 'ingest';
    for (const stage of [first, 'preprocess', 'decode'] as const) plan(stage, s.name);
    if (methods.includes('cgan')) plan('cgan', s.name);
    for (const method of methods) plan('reconstruct', s.name, method);
    for (const method of ceilingMethods) plan('reconstruct', s.name, `${method}-ceiling`);
    plan('evaluate', s.name);
  }
  plan('report');

  async function run<C, R>(
    stage: StageName,
    subject: string | undefined,
    activity: (req: StageRequest<C>) => Promise<StageResult<R>>,
    stageConfig: C,
    inputs: Record<string, ArtifactRef>,
    variant?: string,
  ): Promise<StageResult<R>> {
    const index = progress.findIndex((p) => p.stage === stage && p.subject === subject && p.variant === variant);
    progress[index] = { stage, subject, variant, state: 'running' };
    if (input.searchAttributes) upsertSearchAttributes([{ key: STAGE_KEY, value: stage }]);
    try {
      const result = await activity({
        store: config.store,
        backend: config.compute.backend,
        subject,
        ...(variant ? { variant } : {}),
        experiment: config.name,
        config: stageConfig,
        inputs,
        force: input.force.includes(stage),
      });
      progress[index] = { stage, subject, variant, state: 'done', reason: result.reason, seconds: result.seconds };
      stages.push({ stage, subject, variant, reason: result.reason, cached: result.reason === 'cached', seconds: result.seconds, key: result.key });
      return result;
    } catch (error) {
      const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      progress[index] = { stage, subject, variant, state: 'failed', error: message };
      throw error;
    }
  }

  const stimuli = await run('stimuli', undefined, shared.stimuli, config.stimuli, {});
  // Features depend only on the stimuli: computed once, alongside each subject's first stages.
  const featuresDone = run('features', undefined, shared.features, config.features, stimuli.outputs);
  /** icnn-dgn reads the trained generator, unless the user supplied one (passed by path). */
  const dgnInputs = async (method: string): Promise<Record<string, ArtifactRef>> =>
    method === 'icnn-dgn' && generatorDone ? { generator: (await generatorDone).outputs.generator! } : {};
  // The generator prior depends only on the stimuli and the network: trained once, for all subjects.
  const userGenerator = config.reconstruct.generator.modelPath;
  const generatorDone = methods.includes('icnn-dgn') && !userGenerator
    ? featuresDone.then(() => run('generator', undefined, shared.generator, { ...config.reconstruct.generator, network: config.features }, { stimuli: stimuli.outputs.stimuli! }))
    : undefined;

  const perSubject = config.subjects.map(async (subject) => {
    // A subject's stages run on its own queue when it names one (its data may live on one machine).
    const acts = subject.taskQueue ? stageActivities(subject.taskQueue, input.heartbeatTimeoutSeconds) : shared;
    const source = subject.source;
    const trials =
      source.type === 'simulated'
        ? await run('simulate', subject.name, acts.simulate, source, stimuli.outputs)
        : await run('ingest', subject.name, acts.ingest, source, stimuli.outputs);
    const pre = await run('preprocess', subject.name, acts.preprocess, config.preprocess, trials.outputs);
    const features = await featuresDone;
    const dec = await run('decode', subject.name, acts.decode, { ...config.decode, network: config.features }, {
      ...pre.outputs,
      ...features.outputs,
    });
    const cganDone = methods.includes('cgan')
      ? run('cgan', subject.name, acts.cgan, { ...config.reconstruct.cgan, imageSize: config.stimuli.imageSize }, { train: pre.outputs.train!, stimuli: stimuli.outputs.stimuli! })
      : undefined;
    // Reconstructions from decoded features and the true-feature ceilings do not depend on each
    // other: both start as soon as their inputs exist, so a free worker never waits for the other.
    const recsDone = Promise.all(
      methods.map(async (method) => {
        const common = { method, seed: config.reconstruct.seed, network: config.features, imageSize: config.stimuli.imageSize, layers: [] as string[], iterations: 0 };
        if (method === 'cgan') {
          const cgan = await cganDone!;
          return run('reconstruct', subject.name, acts.reconstruct, { ...common, samples: config.reconstruct.cgan.samples, seed: config.reconstruct.cgan.seed }, { ...pickPrefixed(pre.outputs, 'test.'), cgan: cgan.outputs.cgan! }, method);
        }
        const generator = await dgnInputs(method);
        const icnn = { ...common, layers: config.reconstruct.layers, iterations: config.reconstruct.iterations, ...gdOnly(method) };
        return run('reconstruct', subject.name, acts.reconstruct, icnn, { ...dec.outputs, ...pickPrefixed(features.outputs, 'stats'), ...generator }, method);
      }),
    );
    const ceilingsDone = Promise.all(
      ceilingMethods.map(async (method) => {
        const generator = await dgnInputs(method);
        const icnn = { method, seed: config.reconstruct.seed, network: config.features, imageSize: config.stimuli.imageSize, layers: config.reconstruct.layers, iterations: config.reconstruct.iterations, ceilingSets: config.reconstruct.ceiling, ...gdOnly(method) };
        const trueFeatures = pickPrefixed(features.outputs, 'features.');
        return run('reconstruct', subject.name, acts.reconstruct, icnn, { ...pickPrefixed(pre.outputs, 'test.'), ...trueFeatures, ...generator }, `${method}-ceiling`);
      }),
    );
    const [recs, ceilings] = await Promise.all([recsDone, ceilingsDone]);
    const rec = { outputs: Object.assign({}, ...[...recs, ...ceilings].map((r) => r.outputs)) as Record<string, ArtifactRef> };
    const ev = await run('evaluate', subject.name, acts.evaluate, { ...config.evaluate, network: config.features }, { ...rec.outputs, ...stimuli.outputs });
    const recons = Object.fromEntries(Object.entries(rec.outputs).map(([name, ref]) => [`recon.${subject.name}.${name.slice('recon.'.length)}`, ref]));
    return { scores: ev.results.scores, decoding: dec.results.accuracy, recons };
  });
  const results = await Promise.all(perSubject);
  if (results.length === 0) throw ApplicationFailure.nonRetryable('experiment has no subjects', 'ConfigError');
  const scores = results.flatMap((r): Score[] => r.scores);
  const decoding = results.flatMap((r): LayerAccuracy[] => r.decoding);
  const report = await run(
    'report',
    undefined,
    shared.report,
    { experiment: config.name, ...(config.description ? { description: config.description } : {}), scores, decoding, examples: 8 },
    Object.assign({ stimuli: stimuli.outputs.stimuli! }, ...results.map((r) => r.recons)) as Record<string, ArtifactRef>,
  );

  // Shared input stages first, then each subject's chain, then the report.
  const order = (s: StageSummary) =>
    s.stage === 'report'
      ? Number.MAX_SAFE_INTEGER
      : config.subjects.findIndex((x) => x.name === s.subject) * 1000 + STAGE_NAMES.indexOf(s.stage) * 10 + (s.variant ? [...methods, ...ceilingMethods.map((m) => `${m}-ceiling`)].indexOf(s.variant) : 0);
  return {
    experiment: config.name,
    stages: [...stages].sort((a, b) => order(a) - order(b)),
    scores,
    decoding,
    report: report.outputs,
  };
}

/** Stage activities on one task queue; a silent worker loses its stage after the heartbeat timeout. */
export function stageActivities(taskQueue: string, heartbeatTimeoutSeconds = 60) {
  return proxyActivities<StageActivities>({
    taskQueue,
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
  });
}

function pickPrefixed(refs: Record<string, ArtifactRef>, prefix: string): Record<string, ArtifactRef> {
  return Object.fromEntries(Object.entries(refs).filter(([name]) => name.startsWith(prefix)));
}
