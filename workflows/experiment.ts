import { ApplicationFailure, defineQuery, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { DEFAULT_SHARD_IMAGES, DEFAULT_SHARD_UNITS } from '../lib/sharding/shard-defaults';
import { FirstFailure } from './first-failure';
import { stageActivities, type StageActivityCalls } from './shard-activities';
import { runShardedStage, type ShardedCalls } from './sharded-stage';
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

export { stageActivities };

/** A stage as one activity, or as a sharded stage (plan, shards, merge) with its shard size. */
type StageCall<C, R> = ((request: StageRequest<C>) => Promise<StageResult<R>>) | { readonly calls: ShardedCalls<C, R>; readonly shardSize: number; readonly taskQueue: string };

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
  // Settings only one method uses join only its cache key. An absent `start` is each method's paper
  // setting (docs/science.md): random pixels for icnn-gd, the training mean image for icnn-lbfgs.
  const methodOnly = (method: string) => {
    if (method === 'icnn-gd') return { jitter: config.reconstruct.jitter, start: config.reconstruct.start ?? ('noise' as const) };
    if (method === 'icnn-lbfgs') return { start: config.reconstruct.start ?? ('mean' as const) };
    const g = config.reconstruct.generator;
    if (method === 'icnn-dgn' && g.modelPath) return { generatorModel: { path: g.modelPath, outputRange: g.outputRange, ...(g.upperBound ? { upperBound: g.upperBound } : {}), ...(g.allowSymlinksOutside ? { allowSymlinksOutside: true } : {}) } };
    return {};
  };
  // The ceiling (reconstruction from true features) exists for the feature-matching methods only.
  const ceilingMethods = config.reconstruct.ceiling.length > 0 ? methods.filter((m) => m !== 'cgan' && (config.reconstruct.ceilingMethods as readonly string[]).includes(m)) : [];
  // The chance control: every method again, the iCNN ones from a decoder fitted on image-shuffled
  // labels (one more decode per subject), cgan from test voxels permuted across images.
  const controlMethods = config.reconstruct.controls.includes('shuffled') ? methods : [];
  const shuffledDecoder = controlMethods.some((m) => m !== 'cgan');
  plan('stimuli');
  plan('features');
  if (methods.includes('icnn-dgn') && !config.reconstruct.generator.modelPath) plan('generator');
  for (const s of config.subjects) {
    const first = s.source.type === 'simulated' ? 'simulate' : 'ingest';
    for (const stage of [first, 'preprocess', 'decode'] as const) plan(stage, s.name);
    if (shuffledDecoder) plan('decode', s.name, 'shuffled');
    if (methods.includes('cgan')) plan('cgan', s.name);
    for (const method of methods) plan('reconstruct', s.name, method);
    for (const method of ceilingMethods) plan('reconstruct', s.name, `${method}-ceiling`);
    for (const method of controlMethods) plan('reconstruct', s.name, `${method}-shuffled`);
    plan('evaluate', s.name);
  }
  plan('report');

  async function run<C, R>(
    stage: StageName,
    subject: string | undefined,
    activity: StageCall<C, R>,
    stageConfig: C,
    inputs: Record<string, ArtifactRef>,
    variant?: string,
  ): Promise<StageResult<R>> {
    const index = progress.findIndex((p) => p.stage === stage && p.subject === subject && p.variant === variant);
    progress[index] = { stage, subject, variant, state: 'running' };
    if (input.searchAttributes) upsertSearchAttributes([{ key: STAGE_KEY, value: stage }]);
    const request: StageRequest<C> = {
      store: config.store,
      backend: config.compute.backend,
      subject,
      ...(variant ? { variant } : {}),
      experiment: config.name,
      config: stageConfig,
      inputs,
      force: input.force.includes(stage),
    };
    let shards: StageProgress['shards'];
    // Workflow time (deterministic): a sharded stage's seconds are from its plan to its merge.
    const started = Date.now();
    try {
      const done =
        typeof activity === 'function'
          ? await activity(request)
          : await runShardedStage(activity.calls, request, {
              shardSize: activity.shardSize,
              taskQueue: activity.taskQueue,
              heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds,
              shardsPerWorkflow: input.shardsPerWorkflow,
              onShards: (count) => {
                shards = count;
                progress[index] = { ...progress[index]!, shards };
              },
            });
      const result = shards ? { ...done, seconds: (Date.now() - started) / 1000 } : done;
      progress[index] = { stage, subject, variant, state: 'done', reason: result.reason, seconds: result.seconds, ...(shards ? { shards } : {}) };
      stages.push({ stage, subject, variant, reason: result.reason, cached: result.reason === 'cached', seconds: result.seconds, key: result.key });
      return result;
    } catch (error) {
      const message = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      progress[index] = { stage, subject, variant, state: 'failed', error: message, ...(shards ? { shards } : {}) };
      throw error;
    }
  }

  const stimuli = await run('stimuli', undefined, shared.stimuli, config.stimuli, {});
  // Stages started before anything awaits them are watched from the start: their failure ends the
  // subjects' work at once instead of going unobserved (which would leave the run RUNNING).
  const early = new FirstFailure();
  // Features depend only on the stimuli: computed once, alongside each subject's first stages.
  const featuresDone = early.watch(run('features', undefined, shared.features, config.features, stimuli.outputs));
  /** icnn-dgn reads the trained generator, unless the user supplied one (passed by path). */
  const dgnInputs = async (method: string): Promise<Record<string, ArtifactRef>> =>
    method === 'icnn-dgn' && generatorDone ? { generator: (await generatorDone).outputs.generator! } : {};
  // The generator prior depends only on the stimuli and the network: trained once, for all subjects.
  const userGenerator = config.reconstruct.generator.modelPath;
  const generatorDone = methods.includes('icnn-dgn') && !userGenerator
    ? early.watch(featuresDone.then(() => run('generator', undefined, shared.generator, { ...config.reconstruct.generator, network: config.features }, { stimuli: stimuli.outputs.stimuli! })))
    : undefined;
  // The pixel methods start from, and centre pixels on, the training images' mean (docs/science.md).
  const pixelInputs = (method: string): Record<string, ArtifactRef> => (method === 'icnn-gd' || method === 'icnn-lbfgs' ? { stimuli: stimuli.outputs.stimuli! } : {});

  const perSubject = config.subjects.map(async (subject) => {
    // A subject's stages run on its own queue when it names one (its data may live on one machine).
    const queue = subject.taskQueue ?? input.taskQueue;
    const acts = subject.taskQueue ? stageActivities(subject.taskQueue, input.heartbeatTimeoutSeconds) : shared;
    // Decode shards by layer and unit range, reconstruct by set and image range (docs/architecture.md).
    const decode = { calls: decodeCalls(acts), shardSize: config.decode.shardUnits ?? DEFAULT_SHARD_UNITS, taskQueue: queue };
    const reconstruct = { calls: reconstructCalls(acts), shardSize: config.reconstruct.shardImages ?? DEFAULT_SHARD_IMAGES, taskQueue: queue };
    const source = subject.source;
    const trials =
      source.type === 'simulated'
        ? await run('simulate', subject.name, acts.simulate, source, stimuli.outputs)
        : await run('ingest', subject.name, acts.ingest, source, stimuli.outputs);
    const pre = await run('preprocess', subject.name, acts.preprocess, config.preprocess, trials.outputs);
    // The cGAN trains on the preprocessed voxels and the stimuli alone, so it starts now, beside
    // feature extraction and the decoders; watched, since it is awaited only later.
    const cganDone = methods.includes('cgan')
      ? early.watch(run('cgan', subject.name, acts.cgan, { ...config.reconstruct.cgan, imageSize: config.stimuli.imageSize }, { train: pre.outputs.train!, stimuli: stimuli.outputs.stimuli! }))
      : undefined;
    const features = await featuresDone;
    const icnnSettings = (method: (typeof methods)[number]) =>
      ({ method, seed: config.reconstruct.seed, network: config.features, imageSize: config.stimuli.imageSize, layers: config.reconstruct.layers, iterations: config.reconstruct.iterations, ...methodOnly(method) });
    // The true-feature ceilings need no decoder: they start beside the decoders.
    const ceilingsDone = early.watch(
      Promise.all(
        ceilingMethods.map(async (method) => {
          const icnn = { ...icnnSettings(method), ceilingSets: config.reconstruct.ceiling };
          const trueFeatures = pickPrefixed(features.outputs, 'features.');
          return run('reconstruct', subject.name, reconstruct, icnn, { ...pickPrefixed(pre.outputs, 'test.'), ...trueFeatures, ...pixelInputs(method), ...(await dgnInputs(method)) }, `${method}-ceiling`);
        }),
      ),
    );
    const decodeInputs = { ...pre.outputs, ...features.outputs };
    // The shard size changes no value, so it stays out of the stage's config and cache key.
    const { shardUnits: _shardUnits, ...decodeSettings } = config.decode;
    // The control's decoder is the same fit on image-shuffled labels; it runs beside the real one.
    // Both are awaited together, so a failure of either is observed at once and ends the run
    // (a promise left pending here and rejecting later would fail the workflow task unobserved).
    const [dec, shuffledDec] = await Promise.all([
      run('decode', subject.name, decode, { ...decodeSettings, network: config.features }, decodeInputs),
      shuffledDecoder
        ? run('decode', subject.name, decode, { ...decodeSettings, network: config.features, shuffleImagesSeed: config.reconstruct.controlSeed, shuffleDecoders: config.reconstruct.controlDecoders }, decodeInputs, 'shuffled')
        : undefined,
    ]);
    const cganSettings = { method: 'cgan' as const, seed: config.reconstruct.cgan.seed, network: config.features, imageSize: config.stimuli.imageSize, layers: [] as string[], iterations: 0, samples: config.reconstruct.cgan.samples };
    const cganInputs = async () => ({ ...pickPrefixed(pre.outputs, 'test.'), cgan: (await cganDone!).outputs.cgan! });
    /** One method's reconstruct stage from decoded features (the real decoder's or the shuffled one's). */
    const fromDecoded = async (method: (typeof methods)[number], decoded: Record<string, ArtifactRef>, variant: string, control?: 'shuffled') => {
      const icnn = { ...icnnSettings(method), ...(control ? { control } : {}) };
      return run('reconstruct', subject.name, reconstruct, icnn, { ...decoded, ...pickPrefixed(features.outputs, 'stats'), ...pixelInputs(method), ...(await dgnInputs(method)) }, variant);
    };
    // Reconstructions from decoded features, the true-feature ceilings and the chance controls do
    // not depend on each other: each starts as soon as its inputs exist, so a free worker never waits.
    const recsDone = Promise.all(
      methods.map(async (method) =>
        method === 'cgan' ? run('reconstruct', subject.name, reconstruct, cganSettings, await cganInputs(), method) : fromDecoded(method, dec.outputs, method),
      ),
    );
    const controlsDone = Promise.all(
      controlMethods.map(async (method) =>
        method === 'cgan'
          ? run('reconstruct', subject.name, reconstruct, { ...cganSettings, control: 'shuffled' as const, controlSeed: config.reconstruct.controlSeed }, await cganInputs(), `${method}-shuffled`)
          : fromDecoded(method, shuffledDec!.outputs, `${method}-shuffled`, 'shuffled'),
      ),
    );
    const [recs, ceilings, controls] = await Promise.all([recsDone, ceilingsDone, controlsDone]);
    const rec = { outputs: Object.assign({}, ...[...recs, ...ceilings, ...controls].map((r) => r.outputs)) as Record<string, ArtifactRef> };
    const ev = await run('evaluate', subject.name, acts.evaluate, { ...config.evaluate, featureNetwork: config.features }, { ...rec.outputs, ...stimuli.outputs });
    const recons = Object.fromEntries(Object.entries(rec.outputs).map(([name, ref]) => [`recon.${subject.name}.${name.slice('recon.'.length)}`, ref]));
    // The cgan stage's training record (loss table, labelled sample grid) is shown in the report too.
    const cganOutputs = cganDone ? (await cganDone).outputs : {};
    const cganFigures = Object.fromEntries(['training', 'samples-labelled'].flatMap((name) => (cganOutputs[name] ? [[`cgan.${subject.name}.${name}`, cganOutputs[name]]] : [])));
    return { scores: ev.results.scores, networks: ev.results.networks, decoding: dec.results.accuracy, recons: { ...recons, ...cganFigures } };
  });
  const results = await early.race(Promise.all(perSubject));
  if (results.length === 0) throw ApplicationFailure.nonRetryable('experiment has no subjects', 'ConfigError');
  const scores = results.flatMap((r): Score[] => r.scores);
  const decoding = results.flatMap((r): LayerAccuracy[] => r.decoding);
  const report = await run(
    'report',
    undefined,
    shared.report,
    { experiment: config.name, ...(config.description ? { description: config.description } : {}), scores, decoding, networks: results[0]!.networks, examples: 8 },
    Object.assign({ stimuli: stimuli.outputs.stimuli! }, ...results.map((r) => r.recons)) as Record<string, ArtifactRef>,
  );

  // Shared input stages first, then each subject's chain, then the report; within a stage the plain
  // run, then the methods, their ceilings and their controls.
  const variants = [...methods, ...ceilingMethods.map((m) => `${m}-ceiling`), ...controlMethods.map((m) => `${m}-shuffled`), 'shuffled'];
  const order = (s: StageSummary) =>
    s.stage === 'report'
      ? Number.MAX_SAFE_INTEGER
      : config.subjects.findIndex((x) => x.name === s.subject) * 10000 + STAGE_NAMES.indexOf(s.stage) * 100 + (s.variant ? variants.indexOf(s.variant) + 1 : 0);
  return {
    experiment: config.name,
    stages: [...stages].sort((a, b) => order(a) - order(b)),
    scores,
    decoding,
    report: report.outputs,
  };
}

/** decode as plan → shards → merge. */
function decodeCalls(acts: StageActivityCalls): ShardedCalls<Parameters<StageActivityCalls['decodeMerge']>[0]['config'], { accuracy: LayerAccuracy[] }> {
  return { stage: 'decode', plan: acts.decodePlan, shard: acts.decode, merge: acts.decodeMerge };
}

/** reconstruct as plan → shards → merge. */
function reconstructCalls(acts: StageActivityCalls): ShardedCalls<Parameters<StageActivityCalls['reconstructMerge']>[0]['config'], { sets: string[] }> {
  return { stage: 'reconstruct', plan: acts.reconstructPlan, shard: acts.reconstruct, merge: acts.reconstructMerge };
}

function pickPrefixed(refs: Record<string, ArtifactRef>, prefix: string): Record<string, ArtifactRef> {
  return Object.fromEntries(Object.entries(refs).filter(([name]) => name.startsWith(prefix)));
}
