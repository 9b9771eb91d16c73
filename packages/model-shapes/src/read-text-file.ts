import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { ModelNotFoundError } from './errors/model-not-found-error';

/** A config.json is a few KB (the largest on the hub, with long label maps, well under 1 MB). */
export const MAX_MODEL_CONFIG_BYTES = 16 * 1024 * 1024;

/** What a file that is not a regular file is, in words ("a FIFO (named pipe)"). */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const ERRNO_WORDS: Record<string, string> = {
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'a symlink loop',
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a folder',
  EIO: 'an I/O error of the disk',
};

/**
 * Reads a UTF-8 text file of at most `cap` bytes. The file is opened without blocking (a FIFO
 * with no writer would otherwise wait forever) and checked to be a regular file before a byte is
 * read, so FIFOs, devices (/dev/zero) and sockets are refused unread; the size is checked before
 * and while reading. Bytes that are not UTF-8 are refused, as Python's UTF-8 open does.
 */
export function readTextFile(file: string, label: string, cap = MAX_MODEL_CONFIG_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ModelNotFoundError(`${label}: cannot read it (${code}: ${ERRNO_WORDS[code] ?? (err as Error).message}); pass a readable config.json or its model folder`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      throw new ModelNotFoundError(`${label}: cannot read it (EISDIR: ${ERRNO_WORDS.EISDIR}); pass a readable config.json or its model folder`);
    }
    if (!st.isFile()) throw new ModelNotFoundError(`${label}: is ${fileKind(st)}, not a file; pass a config.json or its model folder`);
    const tooBig = (size: number) =>
      new InvalidModelConfigError(`${label}: ${size} bytes, over the ${cap}-byte cap for a config.json (real ones are a few KB); pass the model's config.json`);
    if (st.size > cap) throw tooBig(st.size);
    // Sized from fstat, grown (still capped) when the file grows while being read.
    let buf = Buffer.alloc(Math.min(st.size, cap) + 1);
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, total, buf.length - total, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new ModelNotFoundError(`${label}: cannot read it (${code}: ${ERRNO_WORDS[code] ?? (err as Error).message}); pass a readable config.json or its model folder`);
      }
      if (n === 0) break;
      total += n;
      if (total > cap) throw tooBig(total);
      if (total === buf.length) {
        const more = Buffer.alloc(Math.min(buf.length * 2, cap + 1));
        buf.copy(more);
        buf = more;
      }
    }
    return decode(buf.subarray(0, total), label);
  } finally {
    closeSync(fd);
  }
}

function decode(bytes: Buffer, label: string): string {
  try {
    // ignoreBOM keeps a byte order mark in the text, for the caller to refuse as json.loads does.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InvalidModelConfigError(
      `${label}: not UTF-8 text (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at}); pass the model's config.json as the hub serves it (UTF-8 JSON)`,
    );
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    if (i + len > bytes.length) return i;
    for (let k = 1; k < len; k += 1) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    // Overlong 3-byte, surrogates and past-U+10FFFF 4-byte forms.
    const c1 = bytes[i + 1] as number;
    if ((b === 0xe0 && c1 < 0xa0) || (b === 0xed && c1 > 0x9f) || (b === 0xf0 && c1 < 0x90) || (b === 0xf4 && c1 > 0x8f)) return i;
    i += len;
  }
  return bytes.length;
}
