// @moe/tuner's GPU measure worker end to end on one GPU: setup on the SGLang 0.5.16 stand-in's
// kernel, then compile, measure and check one config of the LFM2-8B-A1B TP1 shape at M=64, up
// and down, over the JSON-lines protocol (packages/tuner/src/gpu/measure-protocol.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';

const here = path.dirname(new URL(import.meta.url).pathname);
const standins = process.env.MOE_ENGINE_STANDINS ?? path.resolve(here, '..', '..', '..', 'shared', 'reference', 'engines');
const standin = path.join(standins, 'sglang-0.5.16-a358374');

test('measure worker: setup, compile, measure, check (up and down) on the engine kernel', { skip: existsSync(standin) ? false : `no stand-in at ${standin}; set MOE_ENGINE_STANDINS` }, async () => {
  const child = spawn(process.execPath, [path.join(here, 'measure-worker.js'), '--device', '0'], {
    env: { ...process.env, PYTHONPATH: standin },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const queue: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  lines.on('line', (l) => {
    queue.push(JSON.parse(l) as Record<string, unknown>);
    wake?.();
  });
  const next = async (): Promise<Record<string, unknown>> => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift()!;
  };
  const ask = async (m: Record<string, unknown>) => {
    child.stdin!.write(`${JSON.stringify(m)}\n`);
    return next();
  };
  const hello = await next();
  assert.equal(hello.type, 'hello');
  assert.ok(hello.device, `no device: ${String(hello.error)}`);
  const ready = await ask({
    type: 'setup',
    id: 's',
    shape: { E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16', blockShape: null },
    routing: { kind: 'uniform', seed: 0 },
    kernel: 'engine',
    python: null,
    compileWorkers: 8,
    seed: 0,
  });
  assert.equal(ready.ok, true, String(ready.message));
  assert.match(String(ready.kernelSource), /sglang 0\.5\.16/);
  const config = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };
  for (const gemm of ['up', 'down']) {
    const c = await ask({ type: 'compile', id: `c-${gemm}`, gemm, M: 64, config });
    assert.equal(c.ok, true, JSON.stringify(c));
    const m = await ask({ type: 'measure', id: `m-${gemm}`, gemm, M: 64, config, repeats: 10 });
    assert.equal(m.ok, true, JSON.stringify(m));
    assert.equal((m.us as number[]).length, 10);
    console.log(`${gemm} M=64 ${JSON.stringify(config)}: ${Number(m.medianUs).toFixed(1)} us`);
    const k = await ask({ type: 'check', id: `k-${gemm}`, gemm, M: 64, config, engineSelfCheck: true });
    assert.equal(k.ok, true, String(k.summary));
    console.log(`${gemm} check: ${String(k.summary)}`);
  }
  const bad = await ask({ type: 'compile', id: 'bad', gemm: 'up', M: 64, config: { ...config, BLOCK_SIZE_M: 256, BLOCK_SIZE_K: 256, num_stages: 5 } });
  assert.equal(bad.ok, false);
  child.stdin!.write(`${JSON.stringify({ type: 'shutdown' })}\n`);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0);
});
