import { promises as fs } from 'node:fs';
import { ConfigError } from './config-error';

/** Largest experiment or sweep file read: far above any real one, and parsed in well under a second. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Offset of the first byte that is not part of well-formed UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three- and four-byte forms, surrogates and code points above U+10FFFF.
    const c1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * The text of a config file, refused with the file's name when it is too large or not UTF-8 (a
 * stray Latin-1 byte would otherwise become U+FFFD in a name or path without a word).
 */
export async function readConfigText(file: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(file, [{ path: '', message: `the file is ${stat.size} bytes; the limit for an experiment or sweep file is ${MAX_CONFIG_BYTES} bytes (1 MiB)` }]);
    }
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(file, [{ path: '', message: `cannot read file (${(error as NodeJS.ErrnoException).code ?? String(error)})` }]);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = bytes.subarray(0, bad);
    const line = before.filter((b) => b === 0x0a).length + 1;
    const column = bad - (before.lastIndexOf(0x0a) + 1) + 1;
    const hex = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    throw new ConfigError(file, [{ path: '', line, message: `byte 0x${hex} at column ${column} is not UTF-8; save the file as UTF-8` }]);
  }
  return new TextDecoder('utf-8').decode(bytes);
}
