import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { bdataFiles } from '../configs/bdata-files';
import type { BDataSourceSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import type { TrialTable } from '../lib/data/trials';
import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import { encodeTrialTable } from '../lib/formats/trial-table';
import { bdataToTrials } from '../lib/ingest/bdata-to-trials';
import { readBData } from '../lib/ingest/read-bdata';
import { createMatrix } from '../lib/linalg/matrix';
import { sha256Hex } from '../lib/store/artifact-ref';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { beforeKey } from './bad-input';
import { runStage } from './stage-runner';

export type IngestConfig = z.infer<typeof BDataSourceSchema>;

/** Trials of several files as one table; runs are renumbered so they stay distinct across files. */
function concatTrials(parts: readonly TrialTable[], sources: readonly string[]): TrialTable {
  const first = parts[0]!;
  const cols = first.voxels.cols;
  const roiNames = Object.keys(first.roiMasks).sort();
  parts.forEach((p, i) => {
    if (p.voxels.cols !== cols) throw new DataError(sources[i]!, `has ${p.voxels.cols} voxels but ${sources[0]} has ${cols}`);
    const names = Object.keys(p.roiMasks).sort();
    if (names.join() !== roiNames.join()) throw new DataError(sources[i]!, `ROI masks ${names.join(', ')} differ from ${sources[0]}'s ${roiNames.join(', ')}`);
    for (const roi of roiNames) {
      if (p.roiMasks[roi]!.some((m, k) => m !== first.roiMasks[roi]![k])) throw new DataError(sources[i]!, `ROI mask "${roi}" differs from ${sources[0]}'s: the files are not from the same voxels`);
    }
  });
  const rows = parts.reduce((n, p) => n + p.voxels.rows, 0);
  const voxels = createMatrix(rows, cols);
  const runs = new Int32Array(rows);
  let at = 0;
  let runOffset = 0;
  for (const p of parts) {
    voxels.data.set(p.voxels.data, at * cols);
    let maxRun = 0;
    p.runs.forEach((r, i) => {
      runs[at + i] = r + runOffset;
      maxRun = Math.max(maxRun, r);
    });
    runOffset += maxRun;
    at += p.voxels.rows;
  }
  return {
    stimulusIds: parts.flatMap((p) => p.stimulusIds),
    sets: parts.flatMap((p) => p.sets),
    runs,
    blocks: Int32Array.from(parts.flatMap((p) => Array.from(p.blocks))),
    voxels,
    roiMasks: first.roiMasks,
  };
}

/**
 * Stage `ingest`: a real subject's BData HDF5 files become the same trials and voxel tables the
 * simulated subject produces. The files' contents join the cache key; every trial's stimulus
 * must be among the stimuli.
 */
export async function ingestActivity(request: StageRequest<IngestConfig>): Promise<StageResult<{ trials: number; voxels: number }>> {
  const entries = bdataFiles(request.config);
  const files = entries.map((e) => e.file);
  const contents = await beforeKey('ingest', () => Promise.all(
    files.map(async (file) => {
      try {
        return new Uint8Array(await fs.readFile(file));
      } catch (error) {
        throw new DataError(file, `cannot read the BData file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }),
  ));
  const keyed = { ...request, config: { ...request.config, sha256: contents.map(sha256Hex) } };
  return runStage('ingest', keyed, async (ctx) => {
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const { labelKey, labelColumn, keepZeroLabels, stimulusNames } = ctx.config;
    const parts: TrialTable[] = [];
    for (const [i, { file, set }] of entries.entries()) {
      ctx.progress(i / files.length, `reading ${file}`);
      const bdata = await readBData(contents[i]!, file);
      parts.push(bdataToTrials(bdata, file, { labelKey, keepZeroLabels, stimulusNames, ...(labelColumn !== undefined ? { labelColumn } : {}), ...(set ? { defaultSet: set } : {}) }));
    }
    const trials = concatTrials(parts, files);
    const known = new Set(stimuli.ids);
    const missing = [...new Set(trials.stimulusIds.filter((id) => !known.has(id)))];
    if (missing.length > 0) {
      throw new DataError(files.join(', '), `${missing.length} stimulus id(s) have no image among the stimuli: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
    }
    const bytes = encodeTrialTable(trials);
    await ctx.write('trials', bytes.trials, 'arrow', [trials.voxels.rows, trials.voxels.cols]);
    await ctx.write('voxels', bytes.voxels, 'arrow', [trials.voxels.cols]);
    return { results: { trials: trials.voxels.rows, voxels: trials.voxels.cols } };
  });
}
