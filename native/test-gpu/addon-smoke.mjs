#!/usr/bin/env node
// GPU smoke check of the driver addon (run on the GPU host, from the built dist/ and build/):
//   nvcc -cubin -arch=sm_90 -o FX/addon-smoke.cubin test-gpu/fixtures/addon-smoke.cu
//   python3 test-gpu/fixtures/triton_add.py FX          (optional: the Triton launch check)
//   node test-gpu/addon-smoke.mjs FX [--json OUT.json]
// Lists devices; allocates, uploads, downloads, fills and copies buffers; loads the cubin and
// launches its kernels (parameter packing of every type, >48 KiB dynamic shared memory); captures
// and replays a graph with timings (with and without an L2 flush); records events; launches a
// Triton-compiled kernel with its scratch parameters; and faults in a child process (out-of-bounds
// write) to show the child's context is marked dead while this process carries on.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openContext, probeDevices, tritonScratchParams } from '../dist/index.js';

const fx = process.argv[2];
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
const cubin = () => readFileSync(path.join(fx, 'addon-smoke.cubin'));

if (process.argv.includes('--fault')) {
  // Child: an out-of-bounds write, then report what the addon says.
  const ctx = openContext(0);
  const fn = ctx.loadModule(cubin()).getFunction('oob_write');
  const buf = ctx.alloc(4);
  const out = {};
  try {
    ctx.launch(fn, { grid: 1, block: 1, params: [{ type: 'ptr', value: buf }, { type: 'i64', value: 1n << 40n }] });
    out.launched = true;
    await ctx.synchronize();
    out.synchronized = true;
  } catch (e) {
    out.error = { class: e.constructor.name, code: e.code, call: e.call, errorName: e.errorName, sticky: e.sticky, message: e.message };
  }
  out.dead = ctx.dead;
  out.deadReason = ctx.deadReason;
  try {
    ctx.alloc(16);
    out.allocAfter = 'ok';
  } catch (e) {
    out.allocAfter = e.code;
    out.allocAfterMessage = e.message;
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}

const results = [];
function report(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `  ${detail}` : ''}`);
}
async function step(name, fn) {
  try {
    const detail = await fn();
    report(name, true, detail ?? '');
  } catch (e) {
    report(name, false, e?.stack ?? String(e));
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f32 = (u8) => new Float32Array(u8.buffer, u8.byteOffset, u8.byteLength / 4);

const probe = probeDevices();
console.log(JSON.stringify(probe, null, 1));
await step('probeDevices', () => {
  assert(probe.devices.length >= 1, `no device: ${probe.reason}`);
  const d = probe.devices[0];
  assert(/^sm_\d+$/.test(d.arch) && d.backend === 'cuda' && d.smCount > 0 && d.totalMemoryBytes > 0, 'odd device facts');
  return `${d.name} ${d.arch} ${d.smCount} SMs ${(d.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB optin ${d.sharedMemoryPerBlockOptin} L2 ${d.l2CacheBytes} driver ${d.driverVersion}`;
});

const ctx = openContext(0);
const N = 1 << 20;
await step('memoryInfo', () => {
  const m = ctx.memoryInfo();
  assert(m.totalBytes > 0 && m.freeBytes > 0 && m.freeBytes <= m.totalBytes, JSON.stringify(m));
  return `free ${(m.freeBytes / 2 ** 30).toFixed(1)} GiB of ${(m.totalBytes / 2 ** 30).toFixed(1)}`;
});

await step('buffers: upload/download/range/fill/copyFrom', async () => {
  const a = ctx.alloc(N * 4);
  const host = new Float32Array(N).map((_, i) => (i % 1000) - 500);
  a.upload(host);
  const back = f32(await a.download());
  assert(back.every((v, i) => v === host[i]), 'round trip differs');
  const part = f32(await a.download({ offsetBytes: 4 * 1000, bytes: 4 * 10 }));
  assert(part.length === 10 && part[0] === host[1000] && part[9] === host[1009], 'range download differs');
  a.upload(new Float32Array([7, 8, 9]), 4 * 5);
  const patched = f32(await a.download({ offsetBytes: 16, bytes: 20 }));
  assert(patched[0] === host[4] && patched[1] === 7 && patched[3] === 9 && patched[4] === host[8], 'offset upload differs');
  a.fill(0x7fc0, 2);
  const u16 = new Uint16Array((await a.download()).buffer);
  assert(u16.every((v) => v === 0x7fc0), 'fill16 differs');
  a.fill(0xdeadbeef, 4);
  assert(new Uint32Array((await a.download()).buffer).every((v) => v === 0xdeadbeef), 'fill32 differs');
  a.fill(0xab, 1);
  assert((await a.download()).every((v) => v === 0xab), 'fill8 differs');
  const b = ctx.alloc(N * 4);
  b.upload(host);
  a.copyFrom(b, { srcOffsetBytes: 8, dstOffsetBytes: 0, bytes: 4 * 100 });
  const copied = f32(await a.download({ bytes: 400 }));
  assert(copied.every((v, i) => v === host[i + 2]), 'copyFrom differs');
  a.free();
  b.free();
  assert(a.freed, 'freed flag');
  let code;
  try {
    a.fill(0);
  } catch (e) {
    code = e.code;
  }
  assert(code === 'MOE_RESOURCE_RELEASED', `use after free gave ${code}`);
});

await step('download bandwidth (256 MiB, pageable)', async () => {
  const big = ctx.alloc(256 * 2 ** 20);
  big.fill(1);
  const t0 = performance.now();
  const u8 = await big.download();
  const ms = performance.now() - t0;
  assert(u8.byteLength === 256 * 2 ** 20 && u8[12345] === 1, 'content');
  big.free();
  return `${((256 * 2 ** 20) / (ms / 1000) / 1e9).toFixed(1)} GB/s in ${ms.toFixed(1)} ms`;
});

const mod = ctx.loadModule(cubin());
const axpy = mod.getFunction('axpy');
await step('loadModule + attributes', () => {
  const a = axpy.attributes;
  assert(a.maxThreadsPerBlock >= 256 && a.binaryVersion === 90, JSON.stringify(a));
  return JSON.stringify(a);
});

const x = ctx.alloc(N * 4);
const y = ctx.alloc(N * 4);
x.upload(new Float32Array(N).fill(1));
await step('launch axpy', async () => {
  y.upload(new Float32Array(N).map((_, i) => i % 4096));
  ctx.launch(axpy, { grid: N / 256, block: 256, params: [{ type: 'ptr', value: y }, { type: 'ptr', value: x }, { type: 'f32', value: 2 }, { type: 'i32', value: N }] });
  const out = f32(await y.download());
  assert(out.every((v, i) => v === (i % 4096) + 2), 'axpy result differs');
});

await step('launch params_echo (i32, i64, f32, u32, ptr, grid/block dims)', async () => {
  const echo = mod.getFunction('params_echo');
  const out = ctx.alloc(8 * 8);
  out.fill(0);
  const b = -(1n << 40n) + 3n;
  ctx.launch(echo, {
    grid: [2, 3, 4],
    block: [32, 2, 1],
    params: [
      { type: 'ptr', value: out },
      { type: 'i32', value: -5 },
      { type: 'i64', value: b },
      { type: 'f32', value: 1.5 },
      { type: 'u32', value: 4_000_000_000 },
      { type: 'ptr', value: 0x1234567890n },
      { type: 'i32', value: -1 },
    ],
  });
  const v = new BigUint64Array((await out.download()).buffer);
  const want = [BigInt.asUintN(64, -5n), BigInt.asUintN(64, b), 0x3fc00000n, 4_000_000_000n, 0x1234567890n, BigInt.asUintN(64, -1n), 2003004n, 32002001n];
  assert(want.every((w, i) => v[i] === w), `got ${[...v].map(String)} want ${want.map(String)}`);
  out.free();
});

await step('launch with 100 KiB dynamic shared memory', async () => {
  const fn = mod.getFunction('big_shared');
  const n = (100 * 1024) / 4;
  const out = ctx.alloc(4);
  out.fill(0);
  ctx.launch(fn, { grid: 1, block: 256, sharedBytes: 100 * 1024, params: [{ type: 'ptr', value: out }, { type: 'i32', value: n }] });
  const sum = f32(await out.download())[0];
  const want = (n * (n - 1)) / 2;
  assert(Math.abs(sum - want) / want < 1e-5, `sum ${sum} want ${want}`);
  assert(fn.attributes.maxDynamicSharedSizeBytes === 100 * 1024, `limit ${fn.attributes.maxDynamicSharedSizeBytes}`);
  out.free();
});

await step('graph capture, launch and timed replays (+ L2 flush)', async () => {
  const spin = mod.getFunction('spin');
  const scratch = ctx.alloc(1024 * 4);
  scratch.fill(0);
  y.fill(0);
  const launchAxpy = (stream) =>
    ctx.launch(axpy, { grid: N / 256, block: 256, stream, params: [{ type: 'ptr', value: y }, { type: 'ptr', value: x }, { type: 'f32', value: 2 }, { type: 'i32', value: N }] });
  const graph = ctx.captureGraph((stream) => {
    launchAxpy(stream);
    launchAxpy(stream);
    ctx.launch(spin, { grid: 1, block: 1024, stream, params: [{ type: 'ptr', value: scratch }, { type: 'i32', value: 20000 }] });
  });
  const stream = ctx.createStream();
  graph.launch(stream);
  await stream.synchronize();
  let out = f32(await y.download());
  assert(out.every((v) => v === 4), `after one replay y[0]=${out[0]}`);
  const plain = await ctx.replayTimes(graph, { warmup: 2, repeats: 20 });
  const flushed = await ctx.replayTimes(graph, { warmup: 3, repeats: 10, l2Flush: true });
  out = f32(await y.download());
  const replays = 1 + 2 + 20 + 3 + 10;
  assert(out.every((v) => v === 4 * replays), `after ${replays} replays y[0]=${out[0]}`);
  assert(plain.length === 20 && flushed.length === 10 && plain.every((t) => t > 0), 'times');
  scratch.free();
  graph.destroy();
  return `median ${median(plain).toFixed(1)} µs (min ${Math.min(...plain).toFixed(1)}, max ${Math.max(...plain).toFixed(1)}); with L2 flush median ${median(flushed).toFixed(1)} µs`;
});

await step('events on a stream', async () => {
  const spin = mod.getFunction('spin');
  const s = ctx.createStream();
  const scratch = ctx.alloc(1024 * 4);
  const e0 = ctx.createEvent();
  const e1 = ctx.createEvent();
  e0.record(s);
  ctx.launch(spin, { grid: 1, block: 1024, stream: s, params: [{ type: 'ptr', value: scratch }, { type: 'i32', value: 200000 }] });
  e1.record(s);
  await e1.synchronize();
  assert(e1.query(), 'query after sync');
  const us = e1.elapsedMicrosSince(e0);
  assert(us > 0, `elapsed ${us}`);
  scratch.free();
  return `spin(200000) took ${us.toFixed(1)} µs`;
});

await step('driver errors: bad image, unknown kernel (not sticky)', () => {
  let e1, e2;
  try {
    ctx.loadModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  } catch (e) {
    e1 = e;
  }
  try {
    mod.getFunction('no_such_kernel');
  } catch (e) {
    e2 = e;
  }
  assert(e1?.code === 'MOE_DRIVER_ERROR' && e1.call === 'cuModuleLoadData' && !e1.sticky, `bad image: ${e1?.message}`);
  assert(e2?.code === 'MOE_DRIVER_ERROR' && e2.errorName === 'CUDA_ERROR_NOT_FOUND', `unknown kernel: ${e2?.message}`);
  assert(!ctx.dead, 'context died');
  return `${e1.message} | ${e2.message}`;
});

const tritonCubin = path.join(fx, 'add.cubin');
if (existsSync(tritonCubin)) {
  await step('Triton kernel launch with scratch params (+ graph replay)', async () => {
    const meta = JSON.parse(readFileSync(path.join(fx, 'add.json'), 'utf8'));
    const fn = ctx.loadModule(readFileSync(tritonCubin)).getFunction(meta.name);
    const n = 5000;
    const a = ctx.alloc(n * 4);
    const b = ctx.alloc(n * 4);
    const c = ctx.alloc(n * 4);
    a.upload(new Float32Array(n).map((_, i) => i));
    b.upload(new Float32Array(n).map((_, i) => 0.5 * i));
    c.fill(0x7fc00000, 4);
    const grid = Math.ceil(n / 1024);
    const scratch = tritonScratchParams(ctx, meta, grid);
    const opts = (stream) => ({
      grid,
      block: 32 * meta.num_warps,
      sharedBytes: meta.shared,
      stream,
      params: [{ type: 'ptr', value: a }, { type: 'ptr', value: b }, { type: 'ptr', value: c }, { type: 'i32', value: n }, ...scratch.params],
    });
    ctx.launch(fn, opts(null));
    const out = f32(await c.download());
    assert(out.every((v, i) => v === 1.5 * i), `out[1]=${out[1]}`);
    const graph = ctx.captureGraph((s) => ctx.launch(fn, opts(s)));
    const times = await ctx.replayTimes(graph, { repeats: 20 });
    for (const buf of [a, b, c, ...scratch.buffers]) buf.free();
    return `triton ${meta.triton_version} ${meta.name} shared=${meta.shared} scratch=${meta.global_scratch_size}/${meta.profile_scratch_size}; graph replay median ${median(times).toFixed(2)} µs`;
  });
} else report('Triton kernel launch', false, `no ${tritonCubin} (triton_add.py failed?)`);

await step('fault isolation: out-of-bounds write in a child process', async () => {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), fx, '--fault'], { encoding: 'utf8', timeout: 120_000 });
  assert(child.status === 0, `child exit ${child.status} signal ${child.signal} stderr ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop());
  assert(r.error?.class === 'DriverError' && r.error.sticky === true, `child error ${JSON.stringify(r.error)}`);
  assert(['CUDA_ERROR_ILLEGAL_ADDRESS', 'CUDA_ERROR_LAUNCH_FAILED'].includes(r.error.errorName), r.error.errorName);
  assert(r.dead === true && r.allocAfter === 'MOE_CONTEXT_DEAD', `dead=${r.dead} allocAfter=${r.allocAfter}`);
  // This process's context still works.
  y.fill(0);
  ctx.launch(axpy, { grid: N / 256, block: 256, params: [{ type: 'ptr', value: y }, { type: 'ptr', value: x }, { type: 'f32', value: 3 }, { type: 'i32', value: N }] });
  const out = f32(await y.download());
  assert(out.every((v) => v === 3) && !ctx.dead, 'parent context broken');
  return `child: ${r.error.message} | then: ${r.allocAfterMessage}`;
});

await step('close', () => {
  ctx.close();
  let code;
  try {
    ctx.alloc(4);
  } catch (e) {
    code = e.code;
  }
  assert(code === 'MOE_CONTEXT_CLOSED', `after close: ${code}`);
});

const failed = results.filter((r) => !r.ok).length;
console.log(`\n${results.length - failed}/${results.length} passed`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ device: probe.devices[0] ?? null, results }, null, 1));
process.exitCode = failed ? 1 : 0;
