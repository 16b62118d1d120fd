import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createImageBatch } from '../images/image-batch';
import { DEFAULT_MAX_IMAGE_SIDE, declaredImageSize } from '../images/declared-size';
import { decodeJpeg } from '../images/jpeg';
import { decodePng } from '../images/png';
import { centreCropResize } from '../images/resize';
import { sha256Hex } from '../store/artifact-ref';
import { DataError } from './data-error';
import { checkLinkInside, type FolderPolicy } from './inside-folder';
import type { StimulusSet } from './trials';

const DECODERS: Record<string, (bytes: Uint8Array) => ReturnType<typeof decodePng>> = {
  '.png': decodePng,
  '.jpg': decodeJpeg,
  '.jpeg': decodeJpeg,
};

interface ImageFile {
  readonly set: string;
  readonly id: string;
  readonly file: string;
}

/** `<root>/<set>/<stimulus id>.<png|jpg|jpeg>`, sorted by set then id; anything else is an error. */
export async function listImageFolder(root: string, policy: FolderPolicy = {}): Promise<ImageFile[]> {
  let sets: string[];
  try {
    sets = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (error) {
    throw new DataError(root, `cannot read the stimulus folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (sets.length === 0) throw new DataError(root, 'no set folders (expected e.g. train/ and natural/ holding images named by stimulus id)');
  const files: ImageFile[] = [];
  const seen = new Map<string, string>();
  for (const set of sets) {
    for (const name of (await fs.readdir(path.join(root, set))).sort()) {
      const ext = path.extname(name).toLowerCase();
      if (!DECODERS[ext]) throw new DataError(path.join(root, set, name), `unsupported image type "${ext}" (use .png, .jpg or .jpeg)`);
      const id = path.basename(name, path.extname(name));
      const file = path.join(root, set, name);
      await checkLinkInside(root, file, policy);
      if (seen.has(id)) throw new DataError(file, `stimulus id "${id}" also appears as ${seen.get(id)}`);
      seen.set(id, file);
      files.push({ set, id, file });
    }
  }
  return files;
}

/** A content fingerprint of the folder: changes whenever an image, its name or its set changes. */
export async function imageFolderFingerprint(root: string, policy: FolderPolicy = {}): Promise<string> {
  const parts: string[] = [];
  for (const f of await listImageFolder(root, policy)) parts.push(`${f.set}/${f.id}:${sha256Hex(new Uint8Array(await fs.readFile(f.file)))}`);
  return sha256Hex(new TextEncoder().encode(parts.join('\n')));
}

/** How a stimulus folder is read: where its files may lead, and how large an image may declare itself. */
export interface ImageFolderOptions extends FolderPolicy {
  /** Largest width or height accepted, checked on the header before decoding (a small file may declare a huge image). */
  readonly maxImageSide?: number;
}

/** Loads every image, centre-cropped and resized to size × size. */
export async function loadImageFolder(root: string, size: number, options: ImageFolderOptions = {}): Promise<StimulusSet> {
  const files = await listImageFolder(root, options);
  const maxSide = options.maxImageSide ?? DEFAULT_MAX_IMAGE_SIDE;
  const images = createImageBatch(files.length, size, size);
  for (const [i, f] of files.entries()) {
    const decoder = DECODERS[path.extname(f.file).toLowerCase()]!;
    const bytes = new Uint8Array(await fs.readFile(f.file));
    const declared = declaredImageSize(bytes);
    if (declared && (declared.width > maxSide || declared.height > maxSide)) {
      throw new DataError(f.file, `declares ${declared.width}×${declared.height} px in ${bytes.length} bytes; the limit is ${maxSide} px a side (stimuli.maxImageSide)`);
    }
    let decoded;
    try {
      decoded = decoder(bytes);
    } catch (error) {
      throw new DataError(f.file, `not a readable image (${(error as Error).message})`);
    }
    images.data.set(centreCropResize(decoded, size), i * size * size * 3);
  }
  return { ids: files.map((f) => f.id), sets: files.map((f) => f.set), images };
}
