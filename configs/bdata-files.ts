import { NAME_PATTERN, NAME_RULE } from './name-rule';

/**
 * A BData source's `files` key, in either of its two forms: a list (with an optional `sets` list
 * beside it) or a map from set name to file, the way the DIR release splits a subject's data
 * into one file per set.
 */

/** The fields of a BData source this file reads (structural, so the schema can use it too). */
export interface BDataFilesSource {
  readonly files: readonly string[] | Readonly<Record<string, string>>;
  readonly sets?: readonly string[] | undefined;
}

/** One file to ingest and the set its samples belong to when the file has no `DataType`. */
export interface BDataFile {
  readonly file: string;
  readonly set?: string;
}

/** The set the decoders learn from; the pipeline's other sets are test sets. */
const TRAIN_SET = 'train';

/** The files in order, each with its set (from the map's keys, or the `sets` list). */
export function bdataFiles(source: BDataFilesSource): BDataFile[] {
  const { files, sets } = source;
  if (!isFileList(files)) return Object.entries(files).map(([set, file]) => ({ file, set }));
  return files.map((file, i) => {
    const set = sets === undefined ? undefined : sets.length === 1 ? sets[0] : sets[i];
    return set === undefined ? { file } : { file, set };
  });
}

/** The same `files` key with every path passed through `f` (e.g. resolved against a folder). */
export function mapBDataFiles<T extends BDataFilesSource>(source: T, f: (file: string) => string): T {
  const { files } = source;
  const mapped = isFileList(files) ? files.map(f) : Object.fromEntries(Object.entries(files).map(([set, file]) => [set, f(file)]));
  return { ...source, files: mapped };
}

/** Cross-field problems, each with its key path below the source, for the config validator. */
export function bdataFilesProblems(source: BDataFilesSource): { path: (string | number)[]; message: string }[] {
  const { files, sets } = source;
  if (isFileList(files)) {
    if (sets && sets.length !== 1 && sets.length !== files.length) {
      return [{ path: ['sets'], message: `give one set for all files or one per file (${files.length})` }];
    }
    return [];
  }
  const names = Object.keys(files);
  if (names.length === 0) return [{ path: ['files'], message: 'name at least one file (train: …)' }];
  const problems: { path: (string | number)[]; message: string }[] = [];
  // Set names become artifact and report names, so they follow the rule for names.
  for (const name of names.filter((n) => !NAME_PATTERN.test(n))) {
    problems.push({ path: ['files', name], message: `set name "${name}": ${NAME_RULE}, e.g. train, natural, shapes` });
  }
  if (sets) problems.push({ path: ['sets'], message: 'the keys of the files map already name each file\'s set; remove sets' });
  if (!names.includes(TRAIN_SET)) {
    problems.push({ path: ['files'], message: `name the training file "${TRAIN_SET}" (the decoders learn from set "${TRAIN_SET}"); sets given: ${names.join(', ')}` });
  }
  return problems;
}

function isFileList(files: BDataFilesSource['files']): files is readonly string[] {
  return Array.isArray(files);
}
