import type { z } from 'zod';
import type { StimuliSchema } from '../configs/schema';
import { DataError } from '../lib/data/data-error';
import { imageFolderFingerprint, loadImageFolder } from '../lib/data/image-folder';
import { proceduralStimuli } from '../lib/data/procedural-stimuli';
import { encodeStimulusTable } from '../lib/formats/stimulus-table';
import type { StageRequest, StageResult } from '../workflows/contracts';
import { badInputFailure, beforeKey } from './bad-input';
import { runStage } from './stage-runner';

export type StimuliConfig = z.infer<typeof StimuliSchema>;

/**
 * Stage `stimuli`: the image sets every subject sees, as one Arrow table of PNGs — generated, or
 * read from a folder. For a folder, the folder's content fingerprint joins the cache key, so
 * editing an image recomputes everything that depends on it.
 */
export async function stimuliActivity(request: StageRequest<StimuliConfig>): Promise<StageResult<{ count: number }>> {
  const { config } = request;
  const folder = config.source === 'folder' ? config.path : undefined;
  if (config.source === 'folder' && !folder) throw badInputFailure('stimuli', new DataError('stimuli', 'source "folder" needs stimuli.path'));
  const policy = { allowSymlinksOutside: config.allowSymlinksOutside, allowKey: 'stimuli.allowSymlinksOutside', maxImageSide: config.maxImageSide };
  const keyed = folder ? { ...request, config: { ...config, fingerprint: await beforeKey('stimuli', () => imageFolderFingerprint(folder, policy)) } } : request;
  return runStage('stimuli', keyed, async (ctx) => {
    ctx.progress(0.1, folder ? `reading ${folder}` : 'drawing images');
    const stimuli = folder ? await loadImageFolder(folder, config.imageSize, policy) : proceduralStimuli(config);
    await ctx.write('stimuli', encodeStimulusTable(stimuli), 'arrow', [stimuli.ids.length]);
    return { results: { count: stimuli.ids.length } };
  });
}
