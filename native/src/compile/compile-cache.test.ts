import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCompileSuccess } from './__fixtures__/compile-success';
import { CompileCache, MAX_ENTRY_BYTES } from './compile-cache';
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

/** A fixture bundled to one .mjs file, run as its own process. */
async function bundleFixture(name: string): Promise<string> {
  const outfile = path.join(dir, `${name}.mjs`);
  await build({
    entryPoints: [path.join(here, '__fixtures__', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
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
    const bundle = await bundleFixture('cache-writer');
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

// docs/RELIABILITY.md: a stale or corrupt entry is detected (a miss naming what is wrong, never
// an error) and the next put rebuilds it.
describe('CompileCache with stale or corrupt entries', () => {
  const BIN = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff);
  let n = 0;
  /** A fresh cache holding one good entry for KEY. */
  async function cacheWithEntry(): Promise<{ cache: CompileCache; entry: Record<string, unknown>; binaryPath: string }> {
    const cache = new CompileCache(path.join(dir, `stale-${n++}`));
    const binaryPath = (await cache.put(KEY, success(BIN)))!;
    return { cache, entry: JSON.parse(readFileSync(cache.entryPath(KEY), 'utf8')) as Record<string, unknown>, binaryPath };
  }
  const writeEntry = (cache: CompileCache, value: unknown) => writeFileSync(cache.entryPath(KEY), JSON.stringify(value));
  async function expectRebuilt(cache: CompileCache): Promise<void> {
    await cache.put(KEY, success(BIN));
    const hit = await cache.get(KEY);
    expect(hit?.ok).toBe(true);
    if (hit?.ok) expect(Buffer.from(hit.binary).equals(Buffer.from(BIN))).toBe(true);
  }

  it('an entry cut short at any length is a miss', async () => {
    const { cache } = await cacheWithEntry();
    const text = readFileSync(cache.entryPath(KEY));
    // The last byte is the newline after the JSON: every shorter prefix is an incomplete entry.
    for (let len = 0; len < text.length - 1; len++) {
      writeFileSync(cache.entryPath(KEY), text.subarray(0, len));
      const read = await cache.read(KEY);
      expect(read.result, `entry cut to ${len} bytes`).toBeNull();
      expect(read.miss).toMatch(/not JSON|not a JSON object/);
    }
    await expectRebuilt(cache);
  });

  it('a binary cut short, missing, replaced or not matching the sha in its entry is a miss', async () => {
    const { cache, entry, binaryPath } = await cacheWithEntry();
    for (const len of [0, 1, BIN.length / 2, BIN.length - 1]) {
      writeFileSync(binaryPath, BIN.subarray(0, len));
      expect(await cache.read(KEY)).toEqual({ result: null, miss: "the binary's sha256 does not match the entry (truncated or overwritten)" });
    }
    rmSync(binaryPath);
    expect(await cache.read(KEY)).toEqual({ result: null, miss: 'the binary is missing' });
    await expectRebuilt(cache);
    // The entry's sha (and the file it names) changed, the bytes there are the real binary's.
    const otherSha = 'c'.repeat(64);
    const otherFile = `${KEY}-${otherSha.slice(0, 16)}.cubin`;
    writeFileSync(path.join(path.dirname(binaryPath), otherFile), BIN);
    writeEntry(cache, { ...entry, binarySha256: otherSha, binaryFile: otherFile });
    expect((await cache.read(KEY)).miss).toMatch(/sha256 does not match/);
    await expectRebuilt(cache);
  });

  it('another schema, another key, or garbage is a miss', async () => {
    const { cache, entry } = await cacheWithEntry();
    const cases: [unknown, RegExp][] = [
      [{ ...entry, schema: 0 }, /schema 0, not 1/],
      [{ ...entry, schema: 2 }, /schema 2, not 1/],
      [{ ...entry, schema: '1' }, /schema "1"/],
      [{ ...entry, schema: undefined }, /schema undefined/],
      [{ ...entry, key: 'cd'.padEnd(64, '0') }, /another key's/],
      [null, /not a JSON object/],
      [[entry], /not a JSON object/],
      [5, /not a JSON object/],
      ['entry', /not a JSON object/],
      [{}, /schema/],
    ];
    for (const [value, reason] of cases) {
      writeEntry(cache, value);
      const read = await cache.read(KEY);
      expect(read.result, JSON.stringify(value)?.slice(0, 60)).toBeNull();
      expect(read.miss).toMatch(reason);
    }
    // Bytes that are no text at all, and text that is no JSON.
    const noise = Buffer.alloc(2000);
    for (let i = 0, x = 12345; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    for (const bytes of [noise, Buffer.from([0xff, 0xfe, 0x00, 0x7b]), Buffer.from('{"schema":1,"key":"ab'), Buffer.from('NaN')]) {
      writeFileSync(cache.entryPath(KEY), bytes);
      expect((await cache.read(KEY)).miss).toMatch(/not JSON/);
    }
    await expectRebuilt(cache);
  });

  it('an entry with a field the runner needs missing or of the wrong kind is a miss', async () => {
    const { cache, entry } = await cacheWithEntry();
    const meta = entry.metadata as Record<string, unknown>;
    const params = entry.params as Record<string, unknown>[];
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...entry, ok: undefined }, /no ok/],
      [{ ...entry, ok: 'true' }, /no ok/],
      [{ ...entry, kernel: 7 }, /no kernel/],
      [{ ...entry, binaryFormat: 'elf' }, /binaryFormat is "elf"/],
      [{ ...entry, binarySha256: 'abc' }, /no binarySha256/],
      // Never a path out of the key's folder, never another key's binary.
      [{ ...entry, binaryFile: '../../../../../etc/passwd' }, /is not this entry's name/],
      [{ ...entry, binaryFile: `${'cd'.padEnd(64, '0')}-${String(entry.binarySha256).slice(0, 16)}.cubin` }, /is not this entry's name/],
      [{ ...entry, metadata: undefined }, /metadata without name or shared/],
      [{ ...entry, metadata: { ...meta, shared: '73728' } }, /metadata without name or shared/],
      [{ ...entry, metadata: { ...meta, shared: -1 } }, /metadata without name or shared/],
      [{ ...entry, params: {} }, /no params/],
      [{ ...entry, params: [null] }, /params\[0\] is not an object/],
      [{ ...entry, params: [{ ...params[0], type: 'ptr64' }] }, /params\[0\]\.type is "ptr64"/],
      [{ ...entry, params: [{ ...params[0], specialization: 'div8' }] }, /params\[0\]\.specialization/],
      [{ ...entry, params: [{ ...params[0], tritonType: undefined }] }, /no name or tritonType/],
      [{ ...entry, specialization: { a_ptr: 'div32' } }, /no specialization/],
      [{ ...entry, compileSeconds: 'slow' }, /no compileSeconds/],
    ];
    for (const [value, reason] of cases) {
      writeEntry(cache, value);
      const read = await cache.read(KEY);
      expect(read.result).toBeNull();
      expect(read.miss).toMatch(reason);
    }
    const failure = { schema: 1, key: KEY, ok: false, kernel: 'fused_moe_gemm', kind: 'compile_error', message: 'm' };
    writeEntry(cache, failure);
    expect((await cache.read(KEY)).result).toMatchObject({ ok: false, kind: 'compile_error', fromCache: true });
    for (const [value, reason] of [
      [{ ...failure, kind: 'timeout' }, /kind "timeout" is never cached/],
      [{ ...failure, kind: 'worker_crash' }, /is never cached/],
      [{ ...failure, transient: true }, /transient failure is never cached/],
      [{ ...failure, message: undefined }, /no message/],
      [{ ...failure, required: 'lots' }, /required is not a count/],
    ] as [Record<string, unknown>, RegExp][]) {
      writeEntry(cache, value);
      expect((await cache.read(KEY)).miss).toMatch(reason);
    }
    await expectRebuilt(cache);
  });

  it('a folder, a FIFO or an oversized file at an entry or binary name is a miss at once', async () => {
    const { cache, binaryPath } = await cacheWithEntry();
    rmSync(binaryPath);
    mkdirSync(binaryPath);
    expect(await cache.read(KEY)).toEqual({ result: null, miss: 'the binary is not a regular file' });
    rmSync(binaryPath, { recursive: true });
    await expectRebuilt(cache);
    rmSync(cache.entryPath(KEY));
    mkdirSync(cache.entryPath(KEY));
    expect(await cache.read(KEY)).toEqual({ result: null, miss: 'the entry is not a regular file' });
    rmSync(cache.entryPath(KEY), { recursive: true });
    // Over the cap (a sparse file: no disk is spent).
    writeFileSync(cache.entryPath(KEY), '');
    truncateSync(cache.entryPath(KEY), MAX_ENTRY_BYTES + 1);
    expect((await cache.read(KEY)).miss).toMatch(/over the 16777216-byte cap/);
    await expectRebuilt(cache);
    // A FIFO would block a plain read forever; it is refused without being opened for reading.
    rmSync(cache.entryPath(KEY));
    try {
      execFileSync('mkfifo', [cache.entryPath(KEY)]);
    } catch {
      console.log('compile-cache.test: skipping the FIFO case: no mkfifo on this machine');
      return;
    }
    expect(await cache.read(KEY)).toEqual({ result: null, miss: 'the entry is not a regular file' });
    await expectRebuilt(cache);
  });

  it('two processes reading and writing the same keys at once never see a stale, torn or mixed entry', async () => {
    const bundle = await bundleFixture('cache-user');
    const cacheDir = path.join(dir, 'shared');
    const keys = Array.from({ length: 12 }, (_, i) => createHash('sha256').update(`key ${i}`).digest('hex'));
    const users = [0xaa, 0xbb].map((byte) => run(process.execPath, [bundle, cacheDir, String(byte), '12', keys.join(',')]));
    const reports = (await Promise.all(users)).map((r) => JSON.parse(r.stdout) as { hits: number; bad: string[] });
    for (const r of reports) {
      expect(r.bad).toEqual([]);
      // Each process read back at least its own earlier writes: the reads were checked.
      expect(r.hits).toBeGreaterThan(0);
    }
    const cache = new CompileCache(cacheDir);
    for (const key of keys) {
      const hit = await cache.read(key);
      expect(hit.miss).toBeUndefined();
      if (hit.result?.ok) expect(hit.result.binary.length).toBe(hit.result.binary[0] === 0xaa ? 64 * 1024 : 96 * 1024);
    }
    expect(allFiles(cacheDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // 288 puts of two fsynced files each between the two: slow on a loaded disk, hence the limit.
  }, 90_000);
});
