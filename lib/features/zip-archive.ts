import { inflateRawSync } from 'node:zlib';
import { DataError } from '../data/data-error';

/** One member of a zip archive: where its bytes are and how they are stored. */
interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated (the only two methods read here). */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

/**
 * A zip archive held in memory, read through its central directory. PyTorch writes its `.pt`
 * files as zips of stored (uncompressed) members, ZIP64 once they pass 4 GiB; deflated members
 * are read too, so an archive repacked by another tool still opens.
 */
export class ZipArchive {
  private readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The end record sits in the last 22 bytes plus a comment of at most 64 KiB.
    let eocd = -1;
    for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
      if (view.getUint32(i, true) === EOCD) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new DataError(source, 'not a zip archive (no end-of-central-directory record)');
    let count = view.getUint16(eocd + 10, true);
    let offset = view.getUint32(eocd + 16, true);
    if ((offset === MAX32 || count === 0xffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_EOCD_LOCATOR) {
      const record = Number(view.getBigUint64(eocd - 12, true));
      if (record + 56 > bytes.length || view.getUint32(record, true) !== ZIP64_EOCD) throw new DataError(source, 'zip archive: broken ZIP64 end record');
      count = Number(view.getBigUint64(record + 32, true));
      offset = Number(view.getBigUint64(record + 48, true));
    }
    const decoder = new TextDecoder();
    for (let i = 0, p = offset; i < count; i++) {
      if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw new DataError(source, `zip archive: central directory entry ${i} is damaged`);
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      let compressedSize = view.getUint32(p + 20, true);
      let size = view.getUint32(p + 24, true);
      let localHeaderOffset = view.getUint32(p + 42, true);
      const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
      // ZIP64 extra field (id 1): the 64-bit values, present only for the fields saturated above.
      for (let e = p + 46 + nameLength, end = e + extraLength; e + 4 <= end; ) {
        const id = view.getUint16(e, true);
        const length = view.getUint16(e + 2, true);
        if (id === 1) {
          let q = e + 4;
          const next = () => {
            const v = Number(view.getBigUint64(q, true));
            q += 8;
            return v;
          };
          if (size === MAX32) size = next();
          if (compressedSize === MAX32) compressedSize = next();
          if (localHeaderOffset === MAX32) localHeaderOffset = next();
        }
        e += 4 + length;
      }
      this.entries.set(name, { name, method: view.getUint16(p + 10, true), compressedSize, size, localHeaderOffset });
      p += 46 + nameLength + extraLength + commentLength;
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** A member's content; a stored member is a view into the archive, not a copy. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw new DataError(this.source, `zip archive has no member "${name}"`);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.bytes.length || view.getUint32(at, true) !== LOCAL) throw new DataError(this.source, `zip archive: local header of "${name}" is damaged`);
    // The local header's own name and extra lengths may differ from the central directory's.
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) throw new DataError(this.source, `zip archive: "${name}" runs past the end of the file (truncated?)`);
    const raw = this.bytes.subarray(start, end);
    if (entry.method === 0) return raw;
    if (entry.method === 8) return new Uint8Array(inflateRawSync(raw));
    throw new DataError(this.source, `zip archive: "${name}" uses compression method ${entry.method}; only stored and deflated members are read`);
  }
}
