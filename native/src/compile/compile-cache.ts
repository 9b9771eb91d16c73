import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { binaryFileName, CACHED_FAILURE_KINDS, parseCacheEntry, type FailureEntry, type SuccessEntry } from './cache-entry';
import { CACHE_SCHEMA } from './cache-key';
import type { CompileResult } from './types';

/** MOE_CACHE_DIR, else ~/.cache/moe-kit. */
export function defaultCacheDir(): string {
  return process.env.MOE_CACHE_DIR || path.join(os.homedir(), '.cache', 'moe-kit');
}

/** Caps on what the cache reads: an entry is a few KB, a cubin or hsaco a few MB. */
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024;
export const MAX_BINARY_BYTES = 512 * 1024 * 1024;

/** What a lookup found: the result, or why there is none (no entry yet, or a stale one). */
export type CacheRead = { readonly result: CompileResult; readonly miss?: undefined } | { readonly result: null; readonly miss: string };

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The bytes of `file`, or why they can't be read: only a regular file within `cap` bytes is read
 * (opened without blocking, so a FIFO at its name can't hang the pool).
 */
async function readCapped(file: string, cap: number): Promise<{ bytes: Uint8Array } | { miss: string }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { miss: code === 'ENOENT' ? 'absent' : `unreadable (${code ?? String(error)})` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { miss: 'not a regular file' };
    if (st.size > cap) return { miss: `${st.size} bytes, over the ${cap}-byte cap` };
    const bytes = new Uint8Array(await handle.readFile());
    return bytes.byteLength > cap ? { miss: `grew past the ${cap}-byte cap` } : { bytes };
  } catch (error) {
    return { miss: `unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  } finally {
    await handle.close();
  }
}

/**
 * The on-disk content-addressed compile cache (PROTOCOL.md "Cache"). Safe for concurrent
 * processes: every file is written whole under a temp name and renamed; the binary's file
 * name carries its hash, and an entry is only trusted when it is well-formed and its binary
 * matches. A stale or corrupt entry is a miss, never an error: the next put rewrites it.
 */
export class CompileCache {
  readonly root: string;

  constructor(dir: string = defaultCacheDir()) {
    this.root = path.join(dir, 'compile', `v${CACHE_SCHEMA}`);
  }

  private folder(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new TypeError(`CompileCache: '${key}' is not a sha256 hex key`);
    return path.join(this.root, key.slice(0, 2));
  }

  entryPath(key: string): string {
    return path.join(this.folder(key), `${key}.json`);
  }

  /** The cached result, or null when there is none (or it is unreadable, torn or stale). */
  async get(key: string): Promise<CompileResult | null> {
    return (await this.read(key)).result;
  }

  /** The cached result, or why there is none: 'no entry', or what is wrong with the one found. */
  async read(key: string): Promise<CacheRead> {
    const file = await readCapped(this.entryPath(key), MAX_ENTRY_BYTES);
    if ('miss' in file) return { result: null, miss: file.miss === 'absent' ? 'no entry' : `the entry is ${file.miss}` };
    const parsed = parseCacheEntry(new TextDecoder().decode(file.bytes), key);
    if ('stale' in parsed) return { result: null, miss: parsed.stale };
    const entry = parsed.entry;
    if (!entry.ok) {
      const { schema: _schema, key: _key, ...rest } = entry;
      return { result: { ...rest, cacheKey: key, fromCache: true } };
    }
    const binaryPath = path.join(this.folder(key), entry.binaryFile);
    const bin = await readCapped(binaryPath, MAX_BINARY_BYTES);
    if ('miss' in bin) return { result: null, miss: bin.miss === 'absent' ? 'the binary is missing' : `the binary is ${bin.miss}` };
    if (sha256(bin.bytes) !== entry.binarySha256) return { result: null, miss: "the binary's sha256 does not match the entry (truncated or overwritten)" };
    const { schema: _schema, key: _key, binaryFile: _file, binarySha256: _sha, ...rest } = entry;
    return { result: { ...rest, cacheKey: key, fromCache: true, binary: bin.bytes, binaryPath } };
  }

  /** Stores a result (successes and cacheable failures); returns the binary's path for a success. */
  async put(key: string, result: CompileResult): Promise<string | null> {
    const folder = this.folder(key);
    if (!result.ok) {
      if (!CACHED_FAILURE_KINDS.has(result.kind) || result.transient) return null;
      const { cacheKey: _k, fromCache: _f, ...rest } = result;
      const entry: FailureEntry = { schema: CACHE_SCHEMA, key, ...rest };
      await writeFileAtomic(this.entryPath(key), `${JSON.stringify(entry)}\n`);
      return null;
    }
    const digest = sha256(result.binary);
    const binaryFile = binaryFileName(key, digest, result.binaryFormat);
    const binaryPath = path.join(folder, binaryFile);
    // The binary first: an entry is only ever visible after the binary it names.
    await writeFileAtomic(binaryPath, result.binary);
    const { cacheKey: _k, fromCache: _f, binary: _b, binaryPath: _p, ...rest } = result;
    const entry: SuccessEntry = { schema: CACHE_SCHEMA, key, ...rest, binaryFile, binarySha256: digest };
    await writeFileAtomic(this.entryPath(key), `${JSON.stringify(entry)}\n`);
    return binaryPath;
  }
}
