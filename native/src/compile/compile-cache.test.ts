import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCompileSuccess } from './__fixtures__/compile-success';
import { CompileCache } from './compile-cache';
import type { CompileFailure, CompileSuccess } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const KEY = 'ab'.padEnd(64, '0');

function success(binary: Uint8Array): CompileSuccess {
  return fakeCompileSuccess({
    cacheKey: KEY,
    binary,
    metadata: { shared: 73728, num_stages: 3 },
    params: [{ name: 'a_ptr', type: 'ptr', tritonType: '*bf16', specialization: 'div16' }],
    specialization: { a_ptr: 'div16', stride_ak: 'one' },
    compileSeconds: 0.9,
  });
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moe-cache-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CompileCache', () => {
  it('round-trips a success: the binary in its own file, the entry without it', async () => {
    const cache = new CompileCache(path.join(dir, 'a'));
    expect(await cache.get(KEY)).toBeNull();
    const binary = new Uint8Array([1, 2, 3, 4, 5]);
    const binaryPath = await cache.put(KEY, success(binary));
    expect(binaryPath).toMatch(/ab0+-[0-9a-f]{16}\.cubin$/);
    const hit = await cache.get(KEY);
    expect(hit).toMatchObject({ ok: true, fromCache: true, cacheKey: KEY, binaryPath, compileSeconds: 0.9 });
    if (hit?.ok) {
      expect([...hit.binary]).toEqual([1, 2, 3, 4, 5]);
      expect(hit.params).toEqual(success(binary).params);
      expect(hit.metadata.shared).toBe(73728);
    }
    const entry = readFileSync(cache.entryPath(KEY), 'utf8');
    expect(entry).not.toContain('"binary"');
    expect(allFiles(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('treats torn, tampered or orphaned entries as misses', async () => {
    const cache = new CompileCache(path.join(dir, 'b'));
    const binaryPath = (await cache.put(KEY, success(new Uint8Array([9, 9, 9]))))!;
    writeFileSync(binaryPath, new Uint8Array([9, 9, 8]));
    expect(await cache.get(KEY)).toBeNull();
    rmSync(binaryPath);
    expect(await cache.get(KEY)).toBeNull();
    writeFileSync(cache.entryPath(KEY), '{"schema":1,"key":"ab0');
    expect(await cache.get(KEY)).toBeNull();
  });

  it('remembers compile_error and out_of_resources, not crashes or timeouts', async () => {
    const cache = new CompileCache(path.join(dir, 'c'));
    const failure = (kind: CompileFailure['kind']): CompileFailure => ({
      ok: false,
      cacheKey: KEY,
      fromCache: false,
      kernel: 'fused_moe_gemm',
      kind,
      message: `m ${kind}`,
      ...(kind === 'out_of_resources' ? { required: 294912, limit: 232448, resource: 'shared memory' } : {}),
    });
    for (const kind of ['worker_crash', 'timeout'] as const) {
      await cache.put(KEY, failure(kind));
      expect(await cache.get(KEY)).toBeNull();
    }
    await cache.put(KEY, failure('out_of_resources'));
    expect(await cache.get(KEY)).toEqual({ ...failure('out_of_resources'), fromCache: true });
    await cache.put(KEY, failure('compile_error'));
    expect(await cache.get(KEY)).toMatchObject({ kind: 'compile_error', message: 'm compile_error', fromCache: true });
  });

  it('two processes writing the same key never show a reader a partial or mixed entry', async () => {
    const bundle = path.join(dir, 'cache-writer.mjs');
    await build({
      entryPoints: [path.join(here, '__fixtures__', 'cache-writer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      logLevel: 'silent',
    });
    const cacheDir = path.join(dir, 'd');
    const cache = new CompileCache(cacheDir);
    // Writer A writes 64 KiB of 0xAA, writer B 96 KiB of 0xBB, 150 times each, at once.
    const writers = [
      run(process.execPath, [bundle, cacheDir, KEY, '170', String(64 * 1024), '150']),
      run(process.execPath, [bundle, cacheDir, KEY, '187', String(96 * 1024), '150']),
    ];
    let done = false;
    const all = Promise.all(writers).finally(() => {
      done = true;
    });
    let reads = 0;
    let hits = 0;
    while (!done) {
      const hit = await cache.get(KEY);
      reads += 1;
      // Once an entry is visible it stays visible: no reader ever meets a torn file.
      if (hits > 0) expect(hit).not.toBeNull();
      if (hit) {
        expect(hit.ok).toBe(true);
        if (hit.ok) {
          hits += 1;
          // Whole and consistent: the binary is one writer's, and the entry is that writer's.
          const byte = hit.binary[0];
          expect(byte === 0xaa || byte === 0xbb).toBe(true);
          expect(hit.binary.length).toBe(byte === 0xaa ? 64 * 1024 : 96 * 1024);
          expect(hit.binary.every((b) => b === byte)).toBe(true);
          expect(hit.metadata.name).toBe(`writer_${byte}`);
        }
      }
    }
    await all;
    expect(reads).toBeGreaterThan(0);
    expect(hits).toBeGreaterThan(0);
    const last = await cache.get(KEY);
    expect(last?.ok).toBe(true);
    expect(allFiles(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
