import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { DataError } from '../data/data-error';
import { readSafetensors } from './safetensors';
import { readTorchStateDict } from './torch-state-dict';
import type { WeightTensor } from './weight-tensor';

/**
 * Named tensors from a PyTorch `state_dict` file (`.pt`/`.pth`, a zip archive) or a safetensors
 * file. The format is told from the content, not the extension: a zip starts with "PK\x03\x04",
 * a safetensors file with its header length and then "{".
 */
export async function readWeightsFile(file: string): Promise<Map<string, WeightTensor>> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (error) {
    throw new DataError(file, `cannot read the weights (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return readTorchStateDict(bytes, file);
  if (bytes.length > 8 && bytes[8] === 0x7b) return readSafetensors(bytes, file);
  throw new DataError(file, 'neither a PyTorch state_dict file (zip) nor a safetensors file');
}

/**
 * SHA-256 of a weights file's content, streamed (VGG19 is about 550 MB), so that a cache key can
 * change when the file is replaced under the same path.
 */
export async function weightsFileFingerprint(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new DataError(file, `cannot read the weights (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return hash.digest('hex');
}
