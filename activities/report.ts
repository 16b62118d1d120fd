import { decodeStimulusTable } from '../lib/formats/stimulus-table';
import type { StimulusSet } from '../lib/data/trials';
import { encodePng } from '../lib/images/png';
import { displayClip } from '../lib/report/display-clip';
import { imageById, imageGrid } from '../lib/report/image-grid';
import { labelledGridSvg } from '../lib/report/labelled-grid';
import { cganLossChart } from '../lib/report/cgan-training';
import { orderMethods } from '../lib/report/method-groups';
import { decodeTrainingTable } from '../lib/gan/training-table';
import { type CganTraining, decodingChart, identificationChart, type ReportGrid, reportHtml } from '../lib/report/report-html';
import type { LayerAccuracy, NetworkProvenance, Score, StageRequest, StageResult } from '../workflows/contracts';
import { runStage } from './stage-runner';

export interface ReportConfig {
  readonly experiment: string;
  readonly description?: string;
  readonly scores: readonly Score[];
  readonly decoding: readonly LayerAccuracy[];
  /** The feature and evaluation networks, as the evaluate stage recorded them. */
  readonly networks?: readonly NetworkProvenance[];
  /** Images per stimulus set shown in the reconstruction grids. */
  readonly examples: number;
}

const RECON_PREFIX = 'recon.';
/** `cgan.<subject>.training` (loss table) and `cgan.<subject>.samples-labelled` (sample grid SVG). */
const CGAN_PREFIX = 'cgan.';
/** Grid tiles are upscaled to about this many pixels so small images stay visible. */
const TILE_PIXELS = 96;
const MARGIN = 2;

/**
 * Stage `report`: `report.html` (self-contained) plus figures — per subject an identification bar
 * chart and a per-layer decoding chart (SVG), and per stimulus set a grid of true images above
 * each method's reconstructions (PNG, and SVG with row and column labels). Reconstructions are
 * shown clipped at their 2nd and 98th percentiles, as DIR displays them. Inputs are
 * `recon.<subject>.<method>.<set>` and `stimuli`, and where a cgan was trained its training record
 * (`cgan.<subject>.training`, `cgan.<subject>.samples-labelled`): a loss chart and the sample grid.
 */
export function reportActivity(request: StageRequest<ReportConfig>): Promise<StageResult<{ files: string[] }>> {
  return runStage('report', request, async (ctx) => {
    const stimuliRef = ctx.input('stimuli');
    const stimuli = decodeStimulusTable(await ctx.readBytes(stimuliRef), stimuliRef.uri);
    const recons = new Map<string, StimulusSet>();
    for (const name of Object.keys(ctx.inputs).filter((n) => n.startsWith(RECON_PREFIX)).sort()) {
      recons.set(name.slice(RECON_PREFIX.length), decodeStimulusTable(await ctx.readBytes(ctx.input(name)), ctx.input(name).uri));
    }
    const files: string[] = [];
    const grids: ReportGrid[] = [];
    const size = stimuli.images.height;
    const scale = Math.max(1, Math.round(TILE_PIXELS / size));
    const subjects = [...new Set([...recons.keys()].map((k) => k.split('.')[0]!))];
    for (const subject of subjects) {
      const keys = [...recons.keys()].filter((k) => k.startsWith(`${subject}.`));
      const sets = [...new Set(keys.map((k) => k.split('.')[2]!))];
      for (const set of sets) {
        const methods = orderMethods(keys.filter((k) => k.split('.')[2] === set).map((k) => k.split('.')[1]!));
        const first = recons.get(`${subject}.${methods[0]}.${set}`)!;
        const ids = first.ids.slice(0, ctx.config.examples);
        const reconstruction = (m: string, id: string) => {
          const r = recons.get(`${subject}.${m}.${set}`)!;
          const image = imageById(r.images, r.ids, id);
          return image && displayClip(image);
        };
        const rows = [ids.map((id) => imageById(stimuli.images, stimuli.ids, id)), ...methods.map((m) => ids.map((id) => reconstruction(m, id)))];
        const grid = imageGrid(rows, size, scale, MARGIN);
        const png = encodePng(grid.data, grid.height, grid.width);
        const name = `figures/reconstructions-${subject}-${set}`;
        await ctx.write(name, png, 'png', [grid.height, grid.width]);
        files.push(`${name}.png`);
        const labelled: ReportGrid = { subject, stimulusSet: set, rows: ['true image', ...methods], columns: ids, png, width: grid.width, height: grid.height, tile: size * scale, margin: MARGIN };
        await ctx.write(`${name}-labelled`, new TextEncoder().encode(labelledGridSvg(labelled)), 'svg');
        files.push(`${name}-labelled.svg`);
        grids.push(labelled);
      }
      for (const [name, svg] of [
        [`figures/identification-${subject}`, identificationChart(ctx.config.scores, subject)],
        [`figures/decoding-${subject}`, decodingChart(ctx.config.decoding, subject)],
      ] as const) {
        await ctx.write(name, new TextEncoder().encode(svg), 'svg');
        files.push(`${name}.svg`);
      }
      ctx.progress(subjects.indexOf(subject) / subjects.length, `figures of ${subject}`);
    }
    const cganTraining: CganTraining[] = [];
    for (const name of Object.keys(ctx.inputs).filter((n) => n.startsWith(CGAN_PREFIX) && n.endsWith('.training')).sort()) {
      const subject = name.slice(CGAN_PREFIX.length, -'.training'.length);
      const { history, embeddingDim } = decodeTrainingTable(await ctx.readBytes(ctx.input(name)), ctx.input(name).uri);
      const lossChart = cganLossChart(`cGAN losses — ${subject}`, history, embeddingDim);
      await ctx.write(`figures/cgan-losses-${subject}`, new TextEncoder().encode(lossChart), 'svg');
      files.push(`figures/cgan-losses-${subject}.svg`);
      const samplesRef = ctx.inputs[`${CGAN_PREFIX}${subject}.samples-labelled`];
      const samples = samplesRef ? new TextDecoder().decode(await ctx.readBytes(samplesRef)) : '';
      if (samplesRef) {
        await ctx.write(`figures/cgan-samples-${subject}`, new TextEncoder().encode(samples), 'svg');
        files.push(`figures/cgan-samples-${subject}.svg`);
      }
      cganTraining.push({ subject, lossChart, samples });
    }
    const html = reportHtml({
      experiment: ctx.config.experiment,
      ...(ctx.config.description ? { description: ctx.config.description } : {}),
      createdAt: new Date().toISOString(),
      scores: ctx.config.scores,
      decoding: ctx.config.decoding,
      grids,
      cganTraining,
      ...(ctx.config.networks ? { networks: ctx.config.networks } : {}),
    });
    await ctx.write('report', new TextEncoder().encode(html), 'html');
    files.push('report.html');
    return { results: { files } };
  });
}
