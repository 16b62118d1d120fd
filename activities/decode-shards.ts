import { DataError } from '../lib/data/data-error';
import { decodeLabelledMatrix, encodeLabelledMatrix, type LabelledMatrix } from '../lib/formats/labelled-matrix';
import { accuracyTable } from '../lib/formats/result-tables';
import { createMatrix, type Matrix } from '../lib/linalg/matrix';
import { shardsOfGroup } from '../lib/sharding/shard-plan';
import type { LayerAccuracy, MergeRequest, PlanRequest, ShardRequest, ShardResult, StagePlan, StageRequest, StageResult } from '../workflows/contracts';
import { type DecodeConfig, type DecodeSetup, decodeLayers, fitProjections, predictUnits, prepareDecode, readLayerFeatures, writeDecodedLayer } from './decode';
import { planStage, runShard, stageRequestOf } from './stage-shards';
import { completedShardOutputs, runStage, type StageContext, stageIdentity } from './stage-runner';
import { stageKey } from '../lib/store/stage-manifest';

type DecodeResults = { accuracy: LayerAccuracy[] };

/** The decode stage's own key: what a worker's shared ridge projections are filed under. */
const stageKeyOf = (request: StageRequest<DecodeConfig>) => stageKey(stageIdentity('decode', stageRequestOf(request)));

/** A decode shard's output for one test set: its rows × the shard's units. */
const partName = (testName: string) => `part.${testName.slice('test.'.length)}`;

/**
 * The decode stage's plan: one group per layer, its units cut into ranges of `shardSize`. The
 * unit counts come from the feature artifacts' recorded shapes; no features are read.
 */
export function decodePlan(request: PlanRequest<DecodeConfig>): Promise<StagePlan<DecodeResults>> {
  return planStage('decode', request, 'decode.shardUnits', async () =>
    decodeLayers(request.config, Object.keys(request.inputs)).map((layer) => {
      const units = request.inputs[`features.${layer}`]?.shape?.[1];
      if (units === undefined) throw new DataError('decode', `features.${layer} has no recorded shape; recompute the features stage`);
      return { name: layer, size: units };
    }),
  );
}

/** One decode shard: units [start, end) of one layer, predicted for every test set. */
export function decodeShard(request: ShardRequest<DecodeConfig>): Promise<ShardResult> {
  const { shard } = request;
  const stage = stageKeyOf(request);
  return runShard('decode', request, async (ctx) => {
    const setup = await prepareDecode(ctx);
    try {
      fitProjections(ctx, setup, stage);
      const { features, source } = await readLayerFeatures(ctx, shard.group);
      if (shard.end > features.values.cols) throw new DataError('decode', `shard ${shard.index} asks for units up to ${shard.end} of ${shard.group}, which has ${features.values.cols}`);
      const what = `${shard.group} units ${shard.start}-${shard.end}`;
      const predictions = await predictUnits(ctx, setup, features, source, shard, (f, message) => ctx.progress(f, `${what}: ${message}`));
      for (const [ti, name] of setup.testNames.entries()) {
        const values = predictions[ti]!;
        await ctx.write(partName(name), encodeLabelledMatrix({ stimulusIds: setup.tests[ti]!.stimulusIds, values }), 'arrow', [values.rows, values.cols]);
      }
    } finally {
      setup.dispose();
    }
  });
}

/** Copies a shard's columns into the layer's predictions at its unit offset. */
function placeColumns(into: Matrix, part: Matrix, start: number): void {
  if (part.rows !== into.rows) throw new DataError('decode', `a shard has ${part.rows} rows where the set has ${into.rows}`);
  for (let i = 0; i < part.rows; i++) into.data.set(part.data.subarray(i * part.cols, (i + 1) * part.cols), i * into.cols + start);
}

/**
 * One layer's predictions from its shards' outputs, found by their keys. A shard whose outputs
 * are gone (a store cleaned meanwhile) is recomputed here, so the merge never fails for it.
 */
async function assembleLayer(ctx: StageContext<DecodeConfig>, request: MergeRequest<DecodeConfig>, setup: DecodeSetup, layer: string, features: LabelledMatrix, source: string): Promise<Matrix[]> {
  const predictions = setup.tests.map((t) => createMatrix(t.values.rows, features.values.cols));
  const shards = shardsOfGroup(request.plan, layer);
  const planned = request.plan.groups.find((g) => g.name === layer)?.size;
  if (planned !== features.values.cols) throw new DataError('decode', `the plan has ${planned} units for ${layer}, the features ${features.values.cols}`);
  for (const shard of shards) {
    const outputs = await completedShardOutputs(ctx.store, 'decode', stageRequestOf(request), shard);
    if (!outputs) {
      fitProjections(ctx, setup, stageKeyOf(request));
      const parts = await predictUnits(ctx, setup, features, source, shard, () => undefined);
      parts.forEach((part, ti) => placeColumns(predictions[ti]!, part, shard.start));
      continue;
    }
    for (const [ti, name] of setup.testNames.entries()) {
      const ref = outputs[partName(name)];
      if (!ref) throw new DataError('decode', `shard ${shard.index} of ${layer} has no output for ${name}`);
      placeColumns(predictions[ti]!, decodeLabelledMatrix(await ctx.readBytes(ref), ref.uri).values, shard.start);
    }
  }
  return predictions;
}

/**
 * The decode stage's merge: every layer's decoded features and accuracy from its shards, written
 * under the stage's own key with the same names and bytes as the unsharded stage writes.
 */
export function decodeMerge(request: MergeRequest<DecodeConfig>): Promise<StageResult<DecodeResults>> {
  return runStage('decode', stageRequestOf(request), async (ctx) => {
    const setup = await prepareDecode(ctx);
    const accuracy: LayerAccuracy[] = [];
    try {
      for (const [li, layer] of setup.layers.entries()) {
        const { features, source } = await readLayerFeatures(ctx, layer);
        const predictions = await assembleLayer(ctx, request, setup, layer, features, source);
        accuracy.push(...(await writeDecodedLayer(ctx, setup, layer, features, source, predictions)));
        ctx.progress((li + 1) / setup.layers.length, `merged ${layer}`);
      }
    } finally {
      setup.dispose();
    }
    await ctx.writeTable('accuracy', accuracyTable(accuracy, false));
    return { results: { accuracy } };
  });
}
