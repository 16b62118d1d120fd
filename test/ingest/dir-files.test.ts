import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestActivity } from '../../activities/ingest';
import { bdataFiles } from '../../configs/bdata-files';
import { parseExperimentConfig } from '../../configs/load';
import type { SubjectConfig } from '../../configs/schema';
import { DataError } from '../../lib/data/data-error';
import { loadImageFolder } from '../../lib/data/image-folder';
import { encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { decodeTrialTable } from '../../lib/formats/trial-table';
import type { BData } from '../../lib/ingest/bdata-layout';
import { bdataToTrials } from '../../lib/ingest/bdata-to-trials';
import { imageNetFileStem, imageNetStimulusId, isImageNetStimulusId } from '../../lib/ingest/imagenet-stimulus-id';
import { readBData } from '../../lib/ingest/read-bdata';
import { getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { LocalStore } from '../../lib/store/local-store';
import { configRejection } from '../support/config-rejection';

// One subject's DIR file set in miniature, written by bdpy (test/fixtures/make-bdpy-dir.py).
const FIXTURES = path.join(__dirname, '../fixtures/bdpy-dir');
const DIR_FILES = {
  train: 'sub-01_perceptionNaturalImageTraining_original_VC.h5',
  natural: 'sub-01_perceptionNaturalImageTest_original_VC.h5',
  shapes: 'sub-01_perceptionArtificialImage_original_VC.h5',
  letters: 'sub-01_perceptionLetterImage_original_VC.h5',
  imagery: 'sub-01_imagery_original_VC.h5',
} as const;
type DirSet = keyof typeof DIR_FILES;

const TRAIN_IMAGES = ['n01518878_5958', 'n01440764_10026', 'n02084071_81'];
const NATURAL_IMAGES = ['n01443537_22563', 'n01621127_19020'];

async function dirFile(set: DirSet): Promise<BData> {
  return readBData(new Uint8Array(readFileSync(path.join(FIXTURES, DIR_FILES[set]))), DIR_FILES[set]);
}

function dataErrorOf(run: () => unknown): DataError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

describe('ImageNet stimulus ids (<WordNet offset>.<image number>)', () => {
  it('name the image file as the releases do: 1518878.005958 ↔ n01518878_5958', () => {
    expect(imageNetFileStem(1518878.005958)).toBe('n01518878_5958');
    expect(imageNetFileStem(2084071.000081)).toBe('n02084071_81');
    expect(imageNetFileStem(1440764.010026)).toBe('n01440764_10026');
    expect(imageNetStimulusId('n01518878_5958.JPEG')).toBe(1518878.005958);
    expect(imageNetStimulusId('n02084071_81')).toBe(2084071.000081);
    for (const v of [1518878.005958, 1440764.010026, 2084071.000081, 15075141.999999]) expect(imageNetStimulusId(imageNetFileStem(v))).toBe(v);
  });

  it('are told apart from image indices, codes, rest and NaN', () => {
    for (const v of [1518878.005958, 2084071.000081]) expect(isImageNetStimulusId(v)).toBe(true);
    for (const v of [0, 1, 1200, 11, -1518878.005958, NaN, Infinity, 1.5e-7, 1518878.0059581, 123456789.000001]) expect(isImageNetStimulusId(v)).toBe(false);
    expect(() => imageNetFileStem(12)).toThrow(/imageNetFileStem: 12 is not a <WordNet offset>\.<image number> stimulus id/);
    expect(imageNetStimulusId('colorExpStim01_red_square.tiff')).toBeUndefined();
  });
});

describe('a two-column Label as the DIR release writes it (bdpy files)', () => {
  it('takes the stimulus-id column by default, names trials by image file, and drops rest (label 0)', async () => {
    const b = await dirFile('train');
    expect(b.metadata.key).not.toContain('stimulus_id'); // no per-column key to pick by name
    const t = bdataToTrials(b, DIR_FILES.train, { defaultSet: 'train' });
    expect(t.stimulusIds).toEqual([...TRAIN_IMAGES, ...TRAIN_IMAGES]);
    expect(Array.from(t.runs)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(Array.from(t.blocks)).toEqual([2, 3, 4, 6, 7, 8]);
    // Trial 0 is dataset row 1 (row 0 is rest) of file 0: 0 * 1000 + 1 * 10 + k / 4 + 0.5.
    expect(Array.from(t.voxels.data.subarray(0, 8))).toEqual([10.5, 10.75, 11, 11.25, 11.5, 11.75, 12, 12.25]);
    expect(Object.keys(t.roiMasks).sort()).toEqual(['HVC', 'V1', 'VC']);
  });

  it('takes a column by position with labelColumn', async () => {
    const b = await dirFile('train');
    expect(bdataToTrials(b, DIR_FILES.train, { defaultSet: 'train', labelColumn: 0 }).stimulusIds).toEqual(['1', '2', '3', '1', '2', '3']);
    expect(bdataToTrials(b, DIR_FILES.train, { defaultSet: 'train', labelColumn: 1 }).stimulusIds).toEqual([...TRAIN_IMAGES, ...TRAIN_IMAGES]);
    const err = dataErrorOf(() => bdataToTrials(b, DIR_FILES.train, { defaultSet: 'train', labelColumn: 2 }));
    expect(err.message).toBe(`${DIR_FILES.train}: labelColumn 2 is out of range: "Label" marks 2 column(s), positions 0–1`);
  });

  it('keeps rest samples with keepZeroLabels', async () => {
    const t = bdataToTrials(await dirFile('natural'), DIR_FILES.natural, { defaultSet: 'natural', keepZeroLabels: true });
    expect(t.stimulusIds).toEqual(['0', ...NATURAL_IMAGES, '0', ...NATURAL_IMAGES]);
  });

  it('drops rest even where the vmap names 0 ("rest"), and keeps it on request', async () => {
    const b = await dirFile('letters');
    expect(b.vmap['Label']?.get(0)).toBe('rest');
    expect(bdataToTrials(b, DIR_FILES.letters, { defaultSet: 'letters', labelColumn: 1 }).stimulusIds).toEqual(['letter_A', 'letter_B']);
    expect(bdataToTrials(b, DIR_FILES.letters, { defaultSet: 'letters', labelColumn: 1, keepZeroLabels: true }).stimulusIds).toEqual(['rest', 'letter_A', 'letter_B']);
  });

  it('asks for labelColumn, with each column\'s values, when no column is recognisably the stimulus id', async () => {
    const shapes = await dirFile('shapes');
    const err = dataErrorOf(() => bdataToTrials(shapes, DIR_FILES.shapes, { defaultSet: 'shapes' }));
    expect(err.message).toBe(
      `${DIR_FILES.shapes}: "Label" marks 2 columns and none of them holds only <WordNet offset>.<image number> stimulus ids (e.g. 1518878.005958); ` +
        'set labelColumn to the stimulus column\'s position (0–1) (column 0: 1, 2; column 1: 11, 12)',
    );
    // Imagery mixes a natural image and a shape in one column: only a position can say which column.
    const imagery = await dirFile('imagery');
    expect(() => bdataToTrials(imagery, DIR_FILES.imagery, { defaultSet: 'imagery' })).toThrow(/set labelColumn/);
    expect(bdataToTrials(imagery, DIR_FILES.imagery, { defaultSet: 'imagery', labelColumn: 1 }).stimulusIds).toEqual(['n01443537_22563', '12']);
  });

  it('writes ImageNet ids as numbers with stimulusNames "as-written"', async () => {
    const t = bdataToTrials(await dirFile('natural'), DIR_FILES.natural, { defaultSet: 'natural', stimulusNames: 'as-written' });
    expect(t.stimulusIds.slice(0, 2)).toEqual(['1443537.022563', '1621127.01902']);
  });
});

/** The stanza a lab member writes for one DIR subject (docs/data-formats.md shows the same). */
function dirConfig(source: string): string {
  return `name: dir
stimuli: { source: folder, path: images }
subjects:
  - name: sub-01
    source:
${source}`;
}

const DIR_STANZA = `      type: bdata
      labelColumn: 1
      files:
        train: ${DIR_FILES.train}
        natural: ${DIR_FILES.natural}
        shapes: ${DIR_FILES.shapes}
        letters: ${DIR_FILES.letters}
        imagery: ${DIR_FILES.imagery}
`;

function bdataSource(subject: SubjectConfig | undefined): Extract<SubjectConfig['source'], { type: 'bdata' }> {
  if (subject?.source.type !== 'bdata') throw new Error('expected a bdata source');
  return subject.source;
}

describe('a DIR subject from one config stanza', () => {
  it('gives every file the set its key names, in the order written', () => {
    const source = bdataSource(parseExperimentConfig(dirConfig(DIR_STANZA), 'dir.yaml').subjects[0]);
    expect(source).toMatchObject({ labelKey: 'Label', labelColumn: 1, keepZeroLabels: false, stimulusNames: 'imagenet' });
    expect(bdataFiles(source)).toEqual(Object.entries(DIR_FILES).map(([set, file]) => ({ file, set })));
    // The list form keeps working, with sets beside it.
    const list = bdataSource(parseExperimentConfig(dirConfig('      type: bdata\n      files: [a.h5, b.h5]\n      sets: [train, natural]\n'), 'dir.yaml').subjects[0]);
    expect(bdataFiles(list)).toEqual([{ file: 'a.h5', set: 'train' }, { file: 'b.h5', set: 'natural' }]);
  });

  it('rejects a malformed stanza naming the file, line and key', () => {
    expect(configRejection(dirConfig(`${DIR_STANZA}      sets: [train]\n`))).toBe(
      "exp.yaml:14: subjects[0].source.sets: the keys of the files map already name each file's set; remove sets",
    );
    expect(configRejection(dirConfig('      type: bdata\n      files:\n        natural: b.h5\n'))).toBe(
      'exp.yaml:7: subjects[0].source.files: name the training file "train" (the decoders learn from set "train"); sets given: natural',
    );
    expect(configRejection(dirConfig('      type: bdata\n      files:\n        train: a.h5\n        natural test: b.h5\n'))).toBe(
      'exp.yaml:9: subjects[0].source.files.natural test: set name "natural test": use letters, digits, ".", "_" or "-" (max 64), e.g. train, natural, shapes',
    );
    expect(configRejection(dirConfig('      type: bdata\n      files: b.h5\n'))).toBe(
      'exp.yaml:7: subjects[0].source.files: give a list of BData files, or a map from set name to file (train: …, natural: …)',
    );
    expect(configRejection(dirConfig('      type: bdata\n      files: [a.h5]\n      labelColumn: -1\n'))).toMatch(/^exp\.yaml:8: subjects\[0\]\.source\.labelColumn: /);
    expect(configRejection(dirConfig('      type: bdata\n      files: [a.h5]\n      keepZeroLabel: true\n'))).toMatch(
      /^exp\.yaml:8: subjects\[0\]\.source\.keepZeroLabel: unknown key "keepZeroLabel" \(did you mean "keepZeroLabels"\?\)/,
    );
  });
});

describe('ingesting a DIR subject against images named as the release names them', () => {
  let root: string;
  let store: LocalStore;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-dir-'));
    store = new LocalStore(path.join(root, 'store'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** A tiny JPEG per stimulus, in <set>/<name>.<ext> as the image folder expects. */
  async function writeImages(names: Record<string, string[]>): Promise<string> {
    const folder = path.join(root, 'images');
    for (const [set, files] of Object.entries(names)) {
      await fs.mkdir(path.join(folder, set), { recursive: true });
      for (const [i, name] of files.entries()) {
        const rgba = Buffer.alloc(16 * 16 * 4, 40 * i + 20);
        await fs.writeFile(path.join(folder, set, name), encodeJpeg({ data: rgba, width: 16, height: 16 }, 90).data);
      }
    }
    return folder;
  }

  it('reads all five files of the stanza into one trial table', async () => {
    const folder = await writeImages({
      train: TRAIN_IMAGES.map((n) => `${n}.JPEG`),
      natural: NATURAL_IMAGES.map((n) => `${n}.JPEG`),
      shapes: ['11.jpg', '12.jpg'],
      letters: ['letter_A.jpg', 'letter_B.jpg'],
    });
    const stimuli = await loadImageFolder(folder, 16);
    const stimuliRef = await putArtifact(store, 'in/stimuli.arrow', encodeStimulusTable(stimuli), 'arrow');
    const config = parseExperimentConfig(dirConfig(DIR_STANZA), 'dir.yaml');
    const source = bdataSource(config.subjects[0]);
    const files = Object.fromEntries(Object.entries(DIR_FILES).map(([set, file]) => [set, path.join(FIXTURES, file)]));
    const result = await ingestActivity({
      store: { type: 'local', path: path.join(root, 'store') },
      backend: 'cpu',
      subject: 'sub-01',
      config: { ...source, files },
      inputs: { stimuli: stimuliRef },
      force: false,
    });
    expect(result.results).toEqual({ trials: 6 + 4 + 2 + 2 + 2, voxels: 8 });
    const trials = decodeTrialTable(
      await getArtifact(store, result.outputs['trials']!),
      'trials',
      await getArtifact(store, result.outputs['voxels']!),
      'voxels',
    );
    expect(trials.stimulusIds).toEqual([
      ...TRAIN_IMAGES, ...TRAIN_IMAGES, ...NATURAL_IMAGES, ...NATURAL_IMAGES, '11', '12', 'letter_A', 'letter_B', 'n01443537_22563', '12',
    ]);
    expect(trials.sets).toEqual([...Array<string>(6).fill('train'), ...Array<string>(4).fill('natural'), 'shapes', 'shapes', 'letters', 'letters', 'imagery', 'imagery']);
    // Runs stay distinct across files: train 1-2, natural 3-4, shapes 5, letters 6, imagery 7.
    expect(Array.from(trials.runs)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    // The first imagery trial is dataset row 1 of file 4: 4000 + 10 + 0.5.
    expect(trials.voxels.data[14 * 8]).toBe(4010.5);
  });

  it('names the stimuli that have no image, as ImageNet file stems', async () => {
    const folder = await writeImages({ train: TRAIN_IMAGES.slice(1).map((n) => `${n}.JPEG`) });
    const stimuliRef = await putArtifact(store, 'in/stimuli.arrow', encodeStimulusTable(await loadImageFolder(folder, 16)), 'arrow');
    const source = bdataSource(parseExperimentConfig(dirConfig(`      type: bdata\n      files: { train: ${path.join(FIXTURES, DIR_FILES.train)} }\n`), 'dir.yaml').subjects[0]);
    await expect(
      ingestActivity({ store: { type: 'local', path: path.join(root, 'store') }, backend: 'cpu', config: source, inputs: { stimuli: stimuliRef }, force: false }),
    ).rejects.toThrow(/1 stimulus id\(s\) have no image among the stimuli: n01518878_5958$/);
  });
});

describe('the DIR config in docs/data-formats.md', () => {
  /** The first yaml block after the DIR heading, as a lab member would copy it. */
  function documentedConfig(): string {
    const doc = readFileSync(path.join(__dirname, '../../docs/data-formats.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### A DIR subject'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section);
    if (!block) throw new Error('docs/data-formats.md: no yaml block under "### A DIR subject"');
    return block[1]!;
  }

  it('is valid, names the five DIR files by set, and reads the bdpy-written file set', async () => {
    const config = parseExperimentConfig(documentedConfig(), 'data-formats.md');
    expect(config.stimuli).toMatchObject({ source: 'folder', path: 'data/images' });
    const source = bdataSource(config.subjects[0]);
    const files = bdataFiles(source);
    expect(files.map((f) => [f.set, path.basename(f.file)])).toEqual(Object.entries(DIR_FILES));
    // The same options, on the miniature file set written by bdpy.
    const { labelKey, labelColumn, keepZeroLabels, stimulusNames } = source;
    const ids = await Promise.all(
      files.map(async ({ set }) => bdataToTrials(await dirFile(set as DirSet), set!, { labelKey, labelColumn, keepZeroLabels, stimulusNames, defaultSet: set }).stimulusIds),
    );
    expect(ids).toEqual([[...TRAIN_IMAGES, ...TRAIN_IMAGES], [...NATURAL_IMAGES, ...NATURAL_IMAGES], ['11', '12'], ['letter_A', 'letter_B'], ['n01443537_22563', '12']]);
  });
});
