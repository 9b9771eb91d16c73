import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompilePool } from './compile-pool';
import { CompilePoolClosedError } from './errors/compile-pool-closed-error';
import { TritonUnavailableError } from './errors/triton-unavailable-error';
import { WorkerStartError } from './errors/worker-start-error';
import type { CompilePoolOptions, CompileRequest } from './types';

const here = path.dirname(fileURLToPath(import.meta.url));
const fakeWorker = path.join(here, '__fixtures__', 'fake_worker.py');
const target = { backend: 'cuda', arch: 'sm_90', warpSize: 32 } as const;

/** Actions understood by the fake worker (TOP_K). */
const OK = 0;
const CRASH = 1;
const COMPILE_ERROR = 2;
const OUT_OF_RESOURCES = 3;
const HANG = 4;
const MALFORMED = 5;
const MACHINE_ERROR = 6;

function req(action: number, sleepMs: number, extra: Record<string, number> = {}): CompileRequest {
  return {
    kernel: 'moe_sum',
    constexprs: { TOP_K: action, BLOCK_K: sleepMs, ...extra },
    num_warps: 4,
    num_stages: 1,
    target,
  };
}

interface LogLine {
  pid: number;
  seq: number;
  start: number;
  end: number;
}

let dir: string;
let logFile: string;
const pools: CompilePool[] = [];

function readLog(): LogLine[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, seq, start, end] = line.split(' ');
      return { pid: Number(pid), seq: Number(seq), start: Number(start), end: Number(end) };
    });
}

async function startFake(options: CompilePoolOptions = {}, mode = ''): Promise<CompilePool> {
  const pool = await CompilePool.start({
    python: 'python3',
    workerArgs: ['-u', fakeWorker],
    cacheDir: path.join(dir, 'cache'),
    env: { FAKE_WORKER_LOG: logFile, FAKE_WORKER_MODE: mode },
    ...options,
  });
  pools.push(pool);
  return pool;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'moe-pool-'));
  logFile = path.join(dir, 'requests.log');
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close(1000)));
  rmSync(dir, { recursive: true, force: true });
});

describe('CompilePool with a fake worker', () => {
  it('reports the worker hello and starts further workers only when the queue needs them', async () => {
    const pool = await startFake({ workers: 4 });
    expect(pool.hello.triton).toBe('3.6.0-fake');
    expect(pool.stats().workers).toBe(1);
    const result = await pool.compile(req(OK, 0));
    expect(result.ok).toBe(true);
    expect(pool.stats().workers).toBe(1);
  });

  it('runs a queue on at most `workers` processes at once and answers each request with its own result', async () => {
    const pool = await startFake({ workers: 3, cacheDir: null });
    // 12 x 500 ms of work: time enough for the other two workers to start even on a loaded machine.
    const requests = Array.from({ length: 12 }, (_, i) => req(OK, 500, { K: 1000 + i }));
    const results = await Promise.all(requests.map((r) => pool.compile(r)));
    for (const [i, result] of results.entries()) {
      expect(result.ok).toBe(true);
      if (result.ok) {
        // The fake reports the constexpr K as metadata.shared: each promise got its own answer.
        expect(result.metadata.shared).toBe(1000 + i);
        expect(new TextDecoder().decode(result.binary)).toContain(`"K": ${1000 + i}`);
      }
    }
    const log = readLog();
    expect(log).toHaveLength(12);
    // Workers start on demand: all three are asked for at once, but under load the third may
    // still be starting when the other two have drained the queue.
    const pids = new Set(log.map((l) => l.pid)).size;
    expect(pids).toBeGreaterThanOrEqual(2);
    expect(pids).toBeLessThanOrEqual(3);
    // Never more than 3 compiles at once: count the compiles running when each one starts.
    for (const a of log) {
      const running = log.filter((b) => b.start <= a.start && a.start < b.end);
      expect(running.length).toBeLessThanOrEqual(3);
    }
    // And they did run side by side.
    const most = Math.max(...log.map((a) => log.filter((b) => b.start <= a.start && a.start < b.end).length));
    expect(most).toBeGreaterThan(1);
  });

  it('serves a queue in submission order (one worker)', async () => {
    const pool = await startFake({ workers: 1, cacheDir: null });
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => pool.compile(req(OK, 20, { K: i }))));
    const order = results.map((r) => (r.ok ? (r.metadata as Record<string, unknown>).seq : -1));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.ok ? r.metadata.shared : -1))).toEqual([0, 1, 2, 3, 4]);
  });

  it('reports a worker that dies mid-request as worker_crash and replaces it', async () => {
    const pool = await startFake({ workers: 1, cacheDir: null });
    const crashed = await pool.compile(req(CRASH, 0));
    expect(crashed.ok).toBe(false);
    if (!crashed.ok) {
      expect(crashed.kind).toBe('worker_crash');
      expect(crashed.message).toContain('exited with status 3');
      expect(crashed.message).toContain('crashing on purpose');
    }
    const after = await pool.compile(req(OK, 0, { K: 7 }));
    expect(after.ok).toBe(true);
    expect(pool.stats().crashes).toBe(1);
    expect(pool.stats().workers).toBe(1);
  });

  it('reports a result that breaks the protocol as worker_crash, replaces that worker and keeps serving', async () => {
    const pool = await startFake({ workers: 1 });
    const bad = await pool.compile(req(MALFORMED, 0));
    expect(bad).toMatchObject({ ok: false, kind: 'worker_crash' });
    expect(bad.ok === false && bad.message).toMatch(/malformed result.*params/);
    const good = await pool.compile(req(OK, 0));
    expect(good.ok).toBe(true);
    const pids = readLog().map((l) => l.pid);
    expect(pids).toHaveLength(2);
    expect(pids[1]).not.toBe(pids[0]); // the worker that misspoke was replaced
    expect(pool.stats()).toMatchObject({ crashes: 1, compiled: 1 });
    // not cached: the next ask goes to a worker again
    const again = await pool.compile(req(MALFORMED, 0));
    expect(again).toMatchObject({ ok: false, kind: 'worker_crash', fromCache: false });
  });

  it('kills a worker past the timeout, reports timeout, and keeps serving', async () => {
    const pool = await startFake({ workers: 1, timeoutMs: 500, cacheDir: null });
    const started = Date.now();
    const hung = await pool.compile(req(HANG, 0));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hung.ok).toBe(false);
    if (!hung.ok) expect(hung.kind).toBe('timeout');
    const after = await pool.compile(req(OK, 0));
    expect(after.ok).toBe(true);
    expect(pool.stats().timeouts).toBe(1);
  });

  it('passes compiler failures through as results and caches them, but not crashes or timeouts', async () => {
    const pool = await startFake({ workers: 2, timeoutMs: 500 });
    const oor = await pool.compile(req(OUT_OF_RESOURCES, 0));
    expect(oor).toMatchObject({ ok: false, kind: 'out_of_resources', required: 294912, limit: 232448, fromCache: false });
    const err = await pool.compile(req(COMPILE_ERROR, 0));
    expect(err).toMatchObject({ ok: false, kind: 'compile_error', message: 'fake: MLIR pass failed' });
    const requestsSoFar = readLog().length;
    expect(await pool.compile(req(OUT_OF_RESOURCES, 0))).toMatchObject({ ok: false, kind: 'out_of_resources', fromCache: true });
    expect(await pool.compile(req(COMPILE_ERROR, 0))).toMatchObject({ ok: false, kind: 'compile_error', fromCache: true });
    expect(readLog().length).toBe(requestsSoFar);

    expect(await pool.compile(req(CRASH, 0))).toMatchObject({ ok: false, kind: 'worker_crash' });
    expect(await pool.compile(req(CRASH, 0))).toMatchObject({ ok: false, kind: 'worker_crash', fromCache: false });
    expect(await pool.compile(req(HANG, 0))).toMatchObject({ ok: false, kind: 'timeout', fromCache: false });
  });

  it('does not cache a failure the worker marks not cacheable (the machine failed, not the config)', async () => {
    const pool = await startFake({ workers: 1 });
    const first = await pool.compile(req(MACHINE_ERROR, 0));
    expect(first).toMatchObject({ ok: false, kind: 'compile_error', transient: true, fromCache: false });
    const second = await pool.compile(req(MACHINE_ERROR, 0));
    expect(second).toMatchObject({ ok: false, kind: 'compile_error', transient: true, fromCache: false });
    expect(readLog()).toHaveLength(2); // asked a worker both times
    expect(existsSync(pool.cache!.entryPath(first.cacheKey!))).toBe(false);
  });

  it('caches successes on disk: a second pool answers from the cache without compiling', async () => {
    const first = await startFake({ workers: 1 });
    const a = await first.compile(req(OK, 0, { K: 5 }));
    expect(a.ok && a.fromCache).toBe(false);
    await first.close();
    const second = await startFake({ workers: 1 });
    const b = await second.compile(req(OK, 0, { K: 5 }));
    expect(b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(b.fromCache).toBe(true);
      expect(b.cacheKey).toBe(a.cacheKey);
      expect(Buffer.from(b.binary).equals(Buffer.from(a.binary))).toBe(true);
      expect(b.binaryPath && existsSync(b.binaryPath)).toBe(true);
      expect(b.params).toEqual(a.params);
    }
    expect(readLog()).toHaveLength(1);
  });

  // docs/RELIABILITY.md: a stale or corrupt cache entry is rebuilt, and a cache that can't be
  // written costs a recompile, never the result.
  it('compiles again over a corrupt cache entry or binary, and rewrites it', async () => {
    const pool = await startFake({ workers: 1 });
    const a = await pool.compile(req(OK, 0, { K: 6 }));
    if (!a.ok) throw new Error('the fake worker failed');
    const entry = pool.cache!.entryPath(a.cacheKey);
    const corruptions: [string, () => void][] = [
      ['a truncated entry', () => writeFileSync(entry, readFileSync(entry).subarray(0, 40))],
      ['a truncated binary', () => writeFileSync(a.binaryPath!, a.binary.subarray(0, 1))],
      ['garbage in the entry', () => writeFileSync(entry, Buffer.from([0x00, 0xff, 0x7b, 0x22]))],
      ['an entry of another schema', () => writeFileSync(entry, readFileSync(entry, 'utf8').replace('"schema":1', '"schema":99'))],
    ];
    for (const [what, corrupt] of corruptions) {
      corrupt();
      const compiles = readLog().length;
      const again = await pool.compile(req(OK, 0, { K: 6 }));
      expect(again, what).toMatchObject({ ok: true, fromCache: false, cacheKey: a.cacheKey });
      expect(readLog().length, what).toBe(compiles + 1);
      const hit = await pool.compile(req(OK, 0, { K: 6 }));
      expect(hit, what).toMatchObject({ ok: true, fromCache: true });
      if (hit.ok) expect(Buffer.from(hit.binary).equals(Buffer.from(a.binary)), what).toBe(true);
    }
  });

  it('still answers when the cache folder cannot be written (a file in its way)', async () => {
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, 'not a folder');
    const pool = await startFake({ workers: 1, cacheDir: blocked });
    for (let i = 0; i < 2; i++) {
      expect(await pool.compile(req(OK, 0, { K: 7 }))).toMatchObject({ ok: true, fromCache: false, binaryPath: null });
    }
    expect(readLog()).toHaveLength(2);
    expect(readFileSync(blocked, 'utf8')).toBe('not a folder');
  });

  it('compiles two identical concurrent requests once', async () => {
    const pool = await startFake({ workers: 2, cacheDir: null });
    const [a, b] = await Promise.all([pool.compile(req(OK, 200, { K: 9 })), pool.compile(req(OK, 200, { K: 9 }))]);
    expect(a.ok && b.ok).toBe(true);
    expect(readLog()).toHaveLength(1);
  });

  it('answers a bad request without a worker', async () => {
    const pool = await startFake({ cacheDir: null });
    const bad = await pool.compile({ ...req(OK, 0), constexprs: { TOP_K: 0, BLOCK_K: 0, NOPE: 1 } });
    expect(bad).toMatchObject({ ok: false, kind: 'bad_request', cacheKey: null });
    if (!bad.ok) expect(bad.message).toContain('NOPE');
    // an untyped caller's garbage is a bad request too, not a TypeError
    const nothing = await pool.compile(null as unknown as CompileRequest);
    expect(nothing).toMatchObject({ ok: false, kind: 'bad_request' });
    if (!nothing.ok) expect(nothing.message).toBe('compile request: null is not a request; pass { kernel, constexprs, num_warps, num_stages, target }');
    expect(readLog()).toHaveLength(0);
  });

  it('fails a binary whose shared memory exceeds maxSharedBytes as out_of_resources', async () => {
    const pool = await startFake({ maxSharedBytes: 232448, cacheDir: null });
    const big = await pool.compile(req(OK, 0, { K: 262144 }));
    expect(big).toMatchObject({ ok: false, kind: 'out_of_resources', required: 262144, limit: 232448, resource: 'shared memory' });
    const fits = await pool.compile(req(OK, 0, { K: 232448 }));
    expect(fits.ok).toBe(true);
  });

  it('close() rejects queued requests, lets the running one finish and stops every worker', async () => {
    const pool = await startFake({ workers: 1, cacheDir: null });
    const running = pool.compile(req(OK, 300, { K: 1 }));
    const queued = pool.compile(req(OK, 0, { K: 2 }));
    await new Promise((r) => setTimeout(r, 50));
    const closing = pool.close();
    await expect(queued).rejects.toBeInstanceOf(CompilePoolClosedError);
    expect((await running).ok).toBe(true);
    await closing;
    await expect(pool.compile(req(OK, 0))).rejects.toMatchObject({ code: 'MOE_COMPILE_POOL_CLOSED' });
    const pids = readLog().map((l) => l.pid);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('rejects a request that was still looking in the cache when close() came, and starts no worker for it', async () => {
    const pool = await startFake({ workers: 2 });
    const late = pool.compile(req(OK, 0)); // reads the cache (a miss) after close() below
    const settled = late.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await pool.close();
    const outcome = await Promise.race([settled, new Promise((r) => setTimeout(() => r('still pending after 2 s'), 2000))]);
    expect(outcome).toBeInstanceOf(CompilePoolClosedError);
    expect(pool.stats()).toMatchObject({ workers: 0, queued: 0 });
    expect(readLog()).toEqual([]);
  });

  it('turns a hello without triton into TritonUnavailableError', async () => {
    await expect(startFake({}, 'no-triton')).rejects.toBeInstanceOf(TritonUnavailableError);
  });

  it('turns a worker that dies or misspeaks before its hello into WorkerStartError with its stderr', async () => {
    const died = startFake({}, 'die-before-hello');
    await expect(died).rejects.toBeInstanceOf(WorkerStartError);
    await expect(died).rejects.toThrow(/dying before hello/);
    await expect(startFake({}, 'garbage')).rejects.toThrow(/not a JSON line/);
  });

  it('refuses a worker of another protocol version, naming the kernels folder and the fix', async () => {
    const other = startFake({}, 'protocol-2');
    await expect(other).rejects.toBeInstanceOf(WorkerStartError);
    await expect(other).rejects.toThrow(/moe_kit_kernels speaks protocol 2, this @moe\/native speaks 1; use the kernels shipped with this package/);
  });
});
