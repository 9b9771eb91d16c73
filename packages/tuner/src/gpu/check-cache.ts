// Checks that passed, remembered across runs (under the compile cache: <MOE_CACHE_DIR>/checks/).
// A check's outcome is a function of the binary launched (its compile-cache key names the kernel
// source, Triton, the config and the specialisation), the launch (MoE Kit's binding: the tool
// version), the inputs (shape, seed, routing, M) and what was compared. With all of those equal
// the kernel computes the same bytes, so a warm run does not redo a check it passed. Failures are
// never cached: they run again, and say so. The checks' reference rows are kept beside them
// (<MOE_CACHE_DIR>/references/, ReferenceFileStore), so a warm run that checks a new config
// does not recompute its reference either.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@moe/config-store';
import type { ReferenceStore } from '@moe/native';

/** Bumped when what a check compares changes. */
export const CHECK_CACHE_VERSION = 1;

export interface CheckKey {
  readonly what: 'reference' | 'engine-self-check';
  readonly gemm: 'up' | 'down';
  readonly M: number;
  /** The compile-cache key of the binary checked. */
  readonly binary: string;
  /** Everything else the inputs and the launch depend on (shape, seed, routing, tool version). */
  readonly context: Readonly<Record<string, unknown>>;
}

export class CheckCache {
  /** `dir` null: remember nothing. */
  constructor(private readonly dir: string | null) {}

  private file(key: CheckKey): string | null {
    if (this.dir === null) return null;
    const h = createHash('sha256').update(JSON.stringify({ v: CHECK_CACHE_VERSION, ...key })).digest('hex');
    return path.join(this.dir, h.slice(0, 2), `${h}.json`);
  }

  /** The summary of a passed check with this key, or null. */
  get(key: CheckKey): string | null {
    const f = this.file(key);
    if (f === null || !existsSync(f)) return null;
    try {
      const v = JSON.parse(readFileSync(f, 'utf8')) as { ok?: unknown; summary?: unknown };
      return v.ok === true && typeof v.summary === 'string' ? v.summary : null;
    } catch {
      return null; // a damaged entry is a miss: the check runs again and rewrites it
    }
  }

  /** Remembers a passed check (best effort: a cache that cannot be written only costs time). */
  put(key: CheckKey, summary: string): void {
    const f = this.file(key);
    if (f === null) return;
    try {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileAtomic(f, JSON.stringify({ ok: true, summary, key }));
    } catch {
      // read-only or full cache folder: the next run checks again
    }
  }
}

/**
 * Reference rows kept across runs (under the compile cache: <MOE_CACHE_DIR>/references/), the
 * file side of @moe/native's ReferenceStore. A file holds the sha256 of its values, then the
 * values (float64, in the machine's byte order); a file whose digest does not match (truncated, damaged) is a
 * miss, so a damaged entry costs a recompute, never a wrong reference.
 */
export class ReferenceFileStore implements ReferenceStore {
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    const h = createHash('sha256').update(key).digest('hex');
    return path.join(this.dir, h.slice(0, 2), `${h}.bin`);
  }

  get(key: string): Float64Array | null {
    const f = this.file(key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      return null;
    }
    if (bytes.length < 32 || (bytes.length - 32) % 8 !== 0) return null;
    const payload = bytes.subarray(32);
    if (!createHash('sha256').update(payload).digest().equals(bytes.subarray(0, 32))) return null;
    // Copied into a fresh (aligned) buffer: a Buffer's offset need not be a multiple of 8.
    const values = new Float64Array(payload.length / 8);
    new Uint8Array(values.buffer).set(payload);
    return values;
  }

  put(key: string, values: Float64Array): void {
    const f = this.file(key);
    const payload = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    try {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileAtomic(f, Buffer.concat([createHash('sha256').update(payload).digest(), payload]));
    } catch {
      // read-only or full cache folder: the next run computes it again
    }
  }
}
