#!/usr/bin/env node
/* global setTimeout */
// A fake GPU measure worker for tests: speaks measure-protocol.ts (JSON lines on stdin/stdout)
// without a GPU, so `moe tune`'s host side (scheduler, journal, resume, coupling, guard, output)
// is tested on any machine. Plain JavaScript with no imports but Node's: it starts in
// milliseconds and needs no build.
//
// Times: a synthetic roofline-shaped landscape per GEMM (up: 2N wide over K; down: K wide over
// N, top_k 1 over the pairs), with tile padding waste, a bowl over warps/stages/GROUP_SIZE_M whose
// optimum moves with M and differs between the GEMMs, and a per-config ripple; or, with
// MOE_FAKE_TABLE, the up times of a measured table (nearest recorded M) and the down times
// derived from them. Every sample is time x (1 + noise), the noise a function of (seed, gemm,
// config, M, repeat index) only: the same request gets the same numbers in any process, on any
// fake GPU, before or after a resume.
//
// Environment (all optional):
//   MOE_FAKE_SEED            noise seed (default 0)
//   MOE_FAKE_NOISE           noise in percent per sample (default 1)
//   MOE_FAKE_TABLE           a measured table (parseMeasuredTable's JSON) for the up times
//   MOE_FAKE_DEVICE_NAME     the device name in hello (default "NVIDIA H200")
//   MOE_FAKE_TRITON          the Triton version in ready (default 3.6.0)
//   MOE_FAKE_NO_GPU=1        hello with no device (as on a machine without a GPU)
//   MOE_FAKE_COMPILE_MS      milliseconds per compile (default 0)
//   MOE_FAKE_MEASURE_MS      milliseconds per measure (default 0)
//   MOE_FAKE_COMPILE_FAIL    comma-separated config keys (16/32/64/1/4/3) whose compile fails
//   MOE_FAKE_CHECK_FAIL      comma-separated config keys whose check fails
//   MOE_FAKE_SELF_CHECK_FAIL comma-separated BLOCK_SIZE_M values whose engine self-check fails
//   MOE_FAKE_UNPLANNED_M     a batch size whose measurements say their binary was compiled inside them
//   MOE_FAKE_FAULT_CONFIG    comma-separated config keys: measuring one kills the worker (exit 134,
//                            as an illegal address does)
//   MOE_FAKE_HANG_CONFIG     comma-separated config keys: measuring one never answers
//   MOE_FAKE_CRASH_AT=k      exit 1 at the k-th request (1-based) of this process; with
//   MOE_FAKE_STATE=<file>    only once per file (the file records that it happened)
//   MOE_FAKE_LOG=<file>      append one line per request answered: "<pid> <type> <gemm> <key> <M> <repeats>"
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const env = process.env;
const SEED = Number(env.MOE_FAKE_SEED ?? 0);
const NOISE = Number(env.MOE_FAKE_NOISE ?? 1) / 100;
const list = (v) => new Set((v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const COMPILE_FAIL = list(env.MOE_FAKE_COMPILE_FAIL);
const CHECK_FAIL = list(env.MOE_FAKE_CHECK_FAIL);
const FAULT = list(env.MOE_FAKE_FAULT_CONFIG);
const SELF_CHECK_FAIL = list(env.MOE_FAKE_SELF_CHECK_FAIL);
const HANG = list(env.MOE_FAKE_HANG_CONFIG);
const CRASH_AT = env.MOE_FAKE_CRASH_AT ? Number(env.MOE_FAKE_CRASH_AT) : null;
const deviceIndex = (() => {
  const i = process.argv.indexOf('--device');
  return i >= 0 ? Number(process.argv[i + 1]) : 0;
})();

const key = (c) => [c.BLOCK_SIZE_M, c.BLOCK_SIZE_N, c.BLOCK_SIZE_K, c.GROUP_SIZE_M, c.num_warps, c.num_stages].join('/');
const send = (m) => process.stdout.write(`${JSON.stringify(m)}\n`);
const sleep = (ms) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

/** 32-bit FNV-1a of a string, then mixed. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const uniform = (text) => (hash(text) + 0.5) / 4294967296;
/** Standard normal from two hashed uniforms (Box-Muller). */
const normal = (text) => Math.sqrt(-2 * Math.log(uniform(`${text}:u`))) * Math.cos(2 * Math.PI * uniform(`${text}:v`));

// Shared memory of one block (SEARCH.md's estimate, bf16, Hopper rule) against the H200's 227 KB.
function sharedBytes(c) {
  const buffers = c.BLOCK_SIZE_M >= 64 ? c.num_stages : c.num_stages - 1;
  return Math.max(buffers * (c.BLOCK_SIZE_M * c.BLOCK_SIZE_K * 2 + c.BLOCK_SIZE_K * c.BLOCK_SIZE_N * 2), c.BLOCK_SIZE_M * c.BLOCK_SIZE_N * 2);
}
const SMEM_LIMIT = 232448;

let table = null;
if (env.MOE_FAKE_TABLE) {
  const t = JSON.parse(readFileSync(env.MOE_FAKE_TABLE, 'utf8'));
  const index = new Map(t.space.map((c, i) => [key(c), i]));
  table = { index, failed: new Map(Object.entries(t.failed ?? {})), rows: t.rows.map((r) => ({ M: r.M, us: r.us })) };
}

/** The landscape: µs of one launch of `gemm` with config c at batch size M. */
function synthUs(shape, gemm, c, M) {
  const up = gemm === 'up';
  const pairs = M * shape.topk;
  const width = up ? 2 * shape.N : shape.K;
  const depth = up ? shape.K : shape.N;
  const hit = Math.min(shape.E, pairs);
  const perExpert = pairs / hit;
  const padded = hit * Math.ceil(perExpert / c.BLOCK_SIZE_M) * c.BLOCK_SIZE_M;
  const lm = Math.log2(Math.max(1, M));
  // Each GEMM has its own optimum: down prefers smaller N tiles and one stage fewer.
  const want = {
    n: Math.log2(up ? 64 : 32) + Math.min(2, lm / 5),
    k: Math.log2(128) - Math.min(1, lm / 12),
    w: (c.BLOCK_SIZE_M * c.BLOCK_SIZE_N) / (32 * 128) > 4 ? 8 : 4,
    s: Math.min(5, 2.6 + lm / 5 - (up ? 0 : 0.6)),
    g: lm > 9 ? 16 : 1,
  };
  const bowl =
    0.03 * (Math.log2(c.BLOCK_SIZE_N) - want.n) ** 2 +
    0.04 * (Math.log2(c.BLOCK_SIZE_K) - want.k) ** 2 +
    0.15 * (c.num_warps === want.w ? 0 : 1) +
    0.03 * (c.num_stages - want.s) ** 2 +
    0.01 * Math.abs(Math.log2(c.GROUP_SIZE_M) - Math.log2(want.g)) / 4;
  const ripple = 0.02 * (uniform(`ripple:${gemm}:${key(c)}:${Math.round(lm)}`) - 0.5);
  const bytes = hit * width * depth * 2 + pairs * (width + depth) * 2;
  const flops = 2 * padded * width * depth;
  // Small BLOCK_M tiles waste the tensor cores at large M; big ones waste padding at small M.
  const mma = c.BLOCK_SIZE_M >= 64 ? 1 : c.BLOCK_SIZE_M === 32 ? 0.8 : 0.6;
  const memUs = bytes / 4.8e6;
  const flopUs = flops / (790e6 * mma);
  return (3 + Math.max(memUs, flopUs)) * (1 + bowl) * (1 + ripple);
}

function tableUs(gemm, c, M) {
  const i = table.index.get(key(c));
  if (i === undefined) return null;
  let row = table.rows[0];
  for (const r of table.rows) if (Math.abs(Math.log2(r.M / M)) < Math.abs(Math.log2(row.M / M))) row = r;
  const us = row.us[String(i)];
  if (us === undefined) return null;
  const scaled = us * (M / row.M) ** 0.5;
  // Down: about half the work, and it likes deeper pipelines less.
  return gemm === 'up' ? scaled : scaled * 0.55 * (1 + 0.02 * (c.num_stages - 3)) * (1 + 0.01 * (uniform(`down:${key(c)}`) - 0.5));
}

function compileFailure(shape, c) {
  const k = key(c);
  if (COMPILE_FAIL.has(k)) return { kind: 'compile_error', message: `fake: compile of ${k} fails (MOE_FAKE_COMPILE_FAIL)` };
  if (table) {
    const i = table.index.get(k);
    if (i === undefined) return { kind: 'compile_error', message: `fake: ${k} is not in the table's space` };
    const reason = table.failed.get(String(i));
    if (reason !== undefined) return { kind: reason.startsWith('OutOfResources') ? 'out_of_resources' : 'compile_error', message: reason };
    return null;
  }
  const need = sharedBytes(c);
  if (need > SMEM_LIMIT) return { kind: 'out_of_resources', message: `OutOfResources: out of resource: shared memory, Required: ${need}, Hardware limit: ${SMEM_LIMIT}` };
  if (uniform(`mlir:${k}`) < 0.02) return { kind: 'compile_error', message: `RuntimeError: PassManager::run failed (fake ${k})` };
  return null;
}

let state = null;
let requests = 0;

function log(m) {
  if (!env.MOE_FAKE_LOG) return;
  appendFileSync(env.MOE_FAKE_LOG, `${process.pid} ${m.type} ${m.gemm ?? '-'} ${m.config ? key(m.config) : '-'} ${m.M ?? '-'} ${m.repeats ?? '-'}\n`);
}

function maybeCrash() {
  requests += 1;
  if (CRASH_AT === null || requests !== CRASH_AT) return;
  if (env.MOE_FAKE_STATE) {
    if (existsSync(env.MOE_FAKE_STATE)) return;
    writeFileSync(env.MOE_FAKE_STATE, `crashed at request ${requests} in ${process.pid}\n`);
  }
  process.stderr.write(`fake: crashing at request ${requests} (MOE_FAKE_CRASH_AT)\n`);
  process.exit(1);
}

async function handle(m) {
  if (m.type === 'shutdown') process.exit(0);
  maybeCrash();
  if (m.type === 'setup') {
    state = { shape: m.shape, seed: m.seed };
    log(m);
    return send({
      type: 'ready',
      id: m.id,
      ok: true,
      kernelSource: m.kernel === 'engine' ? 'fake engine kernel (fake-measure-worker.mjs)' : "MoE Kit's kernel (fake-measure-worker.mjs)",
      kernelSourceSha256: hash(`kernel:${m.kernel}`).toString(16).padStart(8, '0').repeat(8),
      engine: m.kernel === 'engine' ? { engine: 'sglang', version: '0.0.0-fake', path: '/fake/sglang' } : null,
      triton: env.MOE_FAKE_TRITON ?? '3.6.0',
    });
  }
  if (!state) return send({ type: 'ready', id: m.id, ok: false, message: `${m.type} before setup: send setup first` });
  const k = key(m.config);
  if (m.type === 'compile') {
    await sleep(Number(env.MOE_FAKE_COMPILE_MS ?? 0));
    const fail = compileFailure(state.shape, m.config);
    log(m.compileOnly ? { ...m, type: 'compile-ahead' } : m);
    return send(fail ? { type: 'compiled', id: m.id, ok: false, ...fail } : { type: 'compiled', id: m.id, ok: true, fromCache: false, seconds: 0 });
  }
  if (m.type === 'measure') {
    if (FAULT.has(k)) {
      process.stderr.write(`fake: illegal address measuring ${k} (MOE_FAKE_FAULT_CONFIG)\n`);
      process.exit(134);
    }
    if (HANG.has(k)) return new Promise(() => {});
    await sleep(Number(env.MOE_FAKE_MEASURE_MS ?? 0));
    const fail = compileFailure(state.shape, m.config);
    if (fail) return send({ type: 'measured', id: m.id, ok: false, kind: fail.kind, message: fail.message });
    const base = table ? tableUs(m.gemm, m.config, m.M) : synthUs(state.shape, m.gemm, m.config, m.M);
    if (base === null) return send({ type: 'measured', id: m.id, ok: false, kind: 'launch_error', message: `fake: no time for ${k} at M=${m.M}` });
    const offset = m.repeatOffset ?? 0;
    const us = [];
    for (let j = 0; j < Math.max(1, m.repeats); j++) {
      us.push(Number((base * (1 + NOISE * normal(`${SEED}:${m.gemm}:${k}:${m.M}:${offset + j}`))).toFixed(4)));
    }
    const sorted = [...us].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const medianUs = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    log(m);
    const unplanned = env.MOE_FAKE_UNPLANNED_M !== undefined && Number(env.MOE_FAKE_UNPLANNED_M) === m.M;
    return send({ type: 'measured', id: m.id, ok: true, us, medianUs, ...(unplanned ? { unplanned: true } : {}) });
  }
  if (m.type === 'check') {
    log({ ...m, type: m.engineSelfCheck ? (m.reference === false ? 'self-check' : 'check+self-check') : 'check' });
    const parts = [];
    let ok = true;
    if (m.reference !== false) {
      ok = !CHECK_FAIL.has(k);
      parts.push(ok ? `${m.gemm} vs float64 reference: fake, equal` : `${m.gemm} vs float64 reference: fake mismatch (MOE_FAKE_CHECK_FAIL)`);
    }
    if (m.engineSelfCheck) {
      const same = !SELF_CHECK_FAIL.has(String(m.config.BLOCK_SIZE_M));
      ok &&= same;
      parts.push(same ? 'engine self-check: fake, launch equal' : 'engine self-check FAILED: fake, grid differs (MOE_FAKE_SELF_CHECK_FAIL)');
    }
    return send({ type: 'checked', id: m.id, ok, summary: parts.join('; ') });
  }
  return undefined;
}

if (env.MOE_FAKE_NO_GPU === '1') {
  send({ type: 'hello', protocol: 1, pid: process.pid, device: null, error: `no GPU ${deviceIndex}: fake worker without a GPU (MOE_FAKE_NO_GPU)` });
  process.exit(1);
}
send({
  type: 'hello',
  protocol: 1,
  pid: process.pid,
  device: { index: deviceIndex, name: env.MOE_FAKE_DEVICE_NAME ?? 'NVIDIA H200', arch: 'sm_90', driver: '580.00-fake' },
  error: null,
});

// One request at a time, in order, except background compiles (answered when done).
let chain = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  let m;
  try {
    m = JSON.parse(line);
  } catch {
    return;
  }
  if (m.type === 'compile' && m.background) {
    void handle(m);
    return;
  }
  chain = chain.then(() => handle(m));
}).on('close', () => {
  void chain.then(() => process.exit(0));
});
