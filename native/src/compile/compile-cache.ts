import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { CACHE_SCHEMA } from './cache-key';
import type { CompileFailure, CompileResult, CompileSuccess } from './types';

/** MOE_CACHE_DIR, else ~/.cache/moe-kit. */
export function defaultCacheDir(): string {
  return process.env.MOE_CACHE_DIR || path.join(os.homedir(), '.cache', 'moe-kit');
}

type SuccessEntry = Omit<CompileSuccess, 'binary' | 'binaryPath' | 'fromCache' | 'cacheKey'> & {
  schema: number;
  key: string;
  binaryFile: string;
  binarySha256: string;
};
type FailureEntry = Omit<CompileFailure, 'fromCache' | 'cacheKey'> & { schema: number; key: string };

/** Failure kinds worth remembering: the same inputs fail the same way. */
export const CACHED_FAILURE_KINDS: ReadonlySet<CompileFailure['kind']> = new Set(['out_of_resources', 'compile_error']);

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The on-disk content-addressed compile cache (PROTOCOL.md "Cache"). Safe for concurrent
 * processes: every file is written whole under a temp name and renamed; the binary's file
 * name carries its hash, and an entry is only trusted when its binary matches.
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
    let text: string;
    try {
      text = await readFile(this.entryPath(key), 'utf8');
    } catch {
      return null;
    }
    let entry: SuccessEntry | FailureEntry;
    try {
      entry = JSON.parse(text) as SuccessEntry | FailureEntry;
    } catch {
      return null;
    }
    if (entry.schema !== CACHE_SCHEMA || entry.key !== key) return null;
    if (!entry.ok) {
      const { schema: _schema, key: _key, ...rest } = entry;
      return { ...rest, cacheKey: key, fromCache: true };
    }
    const binaryPath = path.join(this.folder(key), path.basename(entry.binaryFile));
    let binary: Uint8Array;
    try {
      binary = new Uint8Array(await readFile(binaryPath));
    } catch {
      return null;
    }
    if (sha256(binary) !== entry.binarySha256) return null;
    const { schema: _schema, key: _key, binaryFile: _file, binarySha256: _sha, ...rest } = entry;
    return { ...rest, cacheKey: key, fromCache: true, binary, binaryPath };
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
    const binaryFile = `${key}-${digest.slice(0, 16)}.${result.binaryFormat}`;
    const binaryPath = path.join(folder, binaryFile);
    // The binary first: an entry is only ever visible after the binary it names.
    await writeFileAtomic(binaryPath, result.binary);
    const { cacheKey: _k, fromCache: _f, binary: _b, binaryPath: _p, ...rest } = result;
    const entry: SuccessEntry = { schema: CACHE_SCHEMA, key, ...rest, binaryFile, binarySha256: digest };
    await writeFileAtomic(this.entryPath(key), `${JSON.stringify(entry)}\n`);
    return binaryPath;
  }
}
