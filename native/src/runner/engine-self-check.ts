// The engine's own launch, next to MoE Kit's launch of the same kernel (KERNEL.md's rule: never
// measure a kernel MoE Kit launches differently from the engine): the batch's inputs written as
// the engine's call site takes them, the self-check (engine_check) and the engine's own timing
// (engine_time), both run in the engine's Python by the compile service.
import { tileConfigKey, type TileConfig } from '@moe/engine-facts';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceBuffer } from '../addon/types';
import { compareEngineLaunch, type EngineLaunchRecord } from '../engine/engine-check';
import { EngineLaunchMismatchError } from '../engine/errors/engine-launch-mismatch-error';
import { bf16FromFloat } from '../reference/bf16';
import { dequantRow, matrixDims } from '../reference/dequant';
import { POISON_BYTE } from '../reference/poison';
import type { HostTensor } from '../reference/random-inputs';
import type { AlignState } from './align-state';
import { downGemmInput } from './batch-buffers';
import type { BatchParts } from './batch-parts';
import { engineArgs, engineGemmPlan } from './engine-args';
import { RunnerArgumentError } from './errors/runner-argument-error';
import { loadGemm } from './gemm-kernel';

/** What one engine self-check found (MoeBatch.engineCheck). */
export interface EngineCheckReport {
  /** The engine's launch equals MoE Kit's binding and the outputs are bit-identical. */
  readonly ok: boolean;
  readonly gemm: 'up' | 'down';
  readonly config: string;
  readonly M: number;
  readonly mode: string;
  readonly engine: string;
  /** Every way the engine's recorded launch differs from MoE Kit's binding (empty when equal). */
  readonly differences: readonly string[];
  readonly bitIdentical: boolean;
  readonly differingBytes: number;
  readonly outputBytes: number;
  /** Whether the cubin MoE Kit compiled is one Triton's JIT built for the engine's launch. */
  readonly binary: 'same' | 'different' | 'unknown';
  readonly naive: boolean;
  readonly EM: number;
  readonly record: EngineLaunchRecord;
}

type TensorFiles = Record<string, { path: string; dtype: string; shape: number[] }>;

/** bf16 bytes of a tensor's values as the kernel means them (fp8 times its scales). */
function dequantizedBf16(t: HostTensor): Uint8Array {
  const { rows, cols } = matrixDims(t);
  const mats = t.dims.length === 3 ? t.dims[0]! : 1;
  const out = new Uint16Array(mats * rows * cols);
  const row = new Float64Array(cols);
  for (let e = 0; e < mats; e++) {
    for (let r = 0; r < rows; r++) {
      dequantRow(t, e, r, row);
      for (let c = 0; c < cols; c++) out[(e * rows + r) * cols + c] = bf16FromFloat(row[c]!);
    }
  }
  return new Uint8Array(out.buffer);
}

/** Per layer, the folder its weight files are written to once (removed when the process exits). */
const weightFiles = new WeakMap<object, { dir: string; files: Map<string, string> }>();

function weightFile(layer: object, name: string, bytes: Uint8Array): string {
  let w = weightFiles.get(layer);
  if (!w) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-engine-weights-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    w = { dir, files: new Map() };
    weightFiles.set(layer, w);
  }
  let file = w.files.get(name);
  if (!file) {
    file = path.join(w.dir, `${name}.bin`);
    writeFileSync(file, bytes);
    w.files.set(name, file);
  }
  return file;
}

/**
 * Writes the inputs of GEMM `which` for BLOCK_SIZE_M al.blockM into `dir` as the engine's
 * call site takes them (raw little-endian files), after running MoE Kit's alignment.
 */
async function writeEngineInputs(
  p: BatchParts,
  which: 'up' | 'down',
  al: AlignState,
  dir: string,
): Promise<{ tensors: TensorFiles; call: Record<string, unknown>; output: { dtype: string; shape: number[] } }> {
  const engine = p.layer.engine!;
  const ctx = p.layer.ctx;
  const { M, topk, N, K, E, mode, blockShape } = p.problem;
  const pairs = M * topk;
  const fp8 = mode === 'fp8_w8a8' || mode === 'fp8_w8a8_block';
  p.buffers.ensureSets(1, false);
  p.aligns.enqueue(al, null);
  await ctx.synchronize();
  const [sorted, expertIds, ntpp] = await Promise.all([al.sorted.download(), al.expertIds.download({ bytes: al.numBlocks * 4 }), al.ntpp.download({ bytes: 4 })]);
  const aHost = which === 'up' ? p.inputs.a : downGemmInput(p.problem, p.layer.seed);
  const bHost = which === 'up' ? p.layer.hostWeights.w1 : p.layer.hostWeights.w2!;
  const rows = which === 'up' ? M : pairs;
  const nOut = which === 'up' ? 2 * N : K;
  const kIn = which === 'up' ? K : N;
  const outType = mode === 'fp16' ? 'fp16' : 'bf16';
  const tensors: TensorFiles = {};
  const put = (name: string, bytes: Uint8Array, dtype: string, shape: number[]) => {
    const file = path.join(dir, `${name}.bin`);
    writeFileSync(file, bytes);
    tensors[name] = { path: file, dtype, shape };
  };
  // SGLang quantises activations inside its launch function: it takes them in bf16.
  const engineQuantises = engine.engine === 'sglang' && fp8;
  if (engineQuantises) put('A', dequantizedBf16(aHost), 'bf16', [rows, kIn]);
  else put('A', aHost.bytes, fp8 ? 'fp8e4nv' : outType, [rows, kIn]);
  const scaleBytes = (t: HostTensor) => new Uint8Array(t.scales!.buffer, t.scales!.byteOffset, t.scales!.byteLength);
  if (fp8 && (mode === 'fp8_w8a8' || !engineQuantises)) {
    put('A_scale', scaleBytes(aHost), 'fp32', mode === 'fp8_w8a8' ? [1] : [rows, Math.ceil(kIn / blockShape![1])]);
  }
  // The weights (hundreds of MB) are the layer's: written once per layer, shared by its checks.
  const putWeight = (name: string, bytes: Uint8Array, dtype: string, shape: number[]) => {
    tensors[name] = { path: weightFile(p.layer, `${which}-${name}`, bytes), dtype, shape };
  };
  putWeight('B', bHost.bytes, fp8 ? 'fp8e4nv' : outType, [E, nOut, kIn]);
  if (fp8) putWeight('B_scale', scaleBytes(bHost), 'fp32', mode === 'fp8_w8a8' ? [E] : [E, Math.ceil(nOut / blockShape![0]), Math.ceil(kIn / blockShape![1])]);
  const r = p.routing;
  put('topk_weights', new Uint8Array(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength), 'fp32', [M, topk]);
  put('topk_ids', new Uint8Array(r.ids.buffer, r.ids.byteOffset, r.ids.byteLength), 'i32', [M, topk]);
  put('sorted_token_ids', sorted, 'i32', [al.EM]);
  put('expert_ids', expertIds, 'i32', [al.numBlocks]);
  put('num_tokens_post_padded', ntpp, 'i32', [1]);
  const call = {
    gemm: which,
    mode,
    block_shape: blockShape ?? null,
    tokens: M,
    layer_topk: topk,
    E,
    top_k: which === 'up' ? topk : 1,
    mul_routed_weight: which === 'down',
    out_dtype: outType,
  };
  return { tensors, call, output: { dtype: outType, shape: [pairs, nOut] } };
}

/**
 * The engine's own timing of its launches (engine_time, in the engine's Python): per config,
 * the engine's launch function runs once through Triton's JIT, then that kernel launch is
 * replayed from a CUDA graph (the same protocol as timeUpGemm with rotateInputs false).
 * Configs must share one BLOCK_SIZE_M (they share the alignment).
 */
export async function engineOwnTimes(
  p: BatchParts,
  which: 'up' | 'down',
  configs: readonly TileConfig[],
  options: { launchesPerGraph?: number; warmup?: number; repeats?: number } = {},
): Promise<({ ok: true; medianUs: number } | { ok: false; message: string })[]> {
  const svc = p.layer.compiler;
  if (!p.layer.engine || !svc.engineRequest) throw new RunnerArgumentError("engineOwnTimes: this layer runs MoE Kit's kernel; create it with kernel: 'engine'");
  if (configs.length === 0) return [];
  const bm = configs[0]!.BLOCK_SIZE_M;
  if (configs.some((c) => c.BLOCK_SIZE_M !== bm)) throw new RunnerArgumentError('engineOwnTimes: the configs must share one BLOCK_SIZE_M (they share the alignment); group them by BLOCK_SIZE_M');
  const al = await p.aligns.get(bm);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-engine-time-'));
  try {
    const { tensors, call, output } = await writeEngineInputs(p, which, al, dir);
    const res = await svc.engineRequest('engine_time', {
      tensors,
      output,
      call,
      configs,
      launches: options.launchesPerGraph ?? 10,
      warmup: options.warmup ?? 5,
      repeats: options.repeats ?? 20,
    });
    if (!res.ok) throw new EngineLaunchMismatchError(`engine_time: the engine's own launch failed: ${String(res.message)}`);
    return (res.results as Array<Record<string, unknown>>).map((r) =>
      r.ok ? { ok: true as const, medianUs: Number(r.median_us) } : { ok: false as const, message: String(r.message) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The self-check of the engine's kernel for one GEMM and config. Runs the alignment, writes
 * the inputs, has the engine's own launch function run in the engine's Python (recorded), then
 * launches MoE Kit's binding on the same inputs: the recorded launch must equal the binding
 * (every argument, constexpr, option and the grid) and the two outputs must be bit-identical.
 */
export async function engineCheck(p: BatchParts, which: 'up' | 'down', config: TileConfig): Promise<EngineCheckReport> {
  const engine = p.layer.engine;
  const svc = p.layer.compiler;
  if (!engine || !svc.engineRequest) throw new RunnerArgumentError("engineCheck: this layer runs MoE Kit's kernel; create it with kernel: 'engine' on a pool started with an engine");
  if (which === 'down' && !p.layer.hasDown) throw new RunnerArgumentError('engineCheck down: the layer was made with down: false; create it with down: true');
  const ctx = p.layer.ctx;
  const { M, topk, N, K, mode } = p.problem;
  const pairs = M * topk;
  const plan = engineGemmPlan(engine, p.problem, which, config, p.layer.target);
  const compiled = loadGemm(p.layer, p.problem, which, config, plan.EM);
  const al = await p.aligns.get(config.BLOCK_SIZE_M);
  const nOut = which === 'up' ? 2 * N : K;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-engine-check-'));
  const temp: DeviceBuffer[] = [];
  try {
    const { tensors, call, output } = await writeEngineInputs(p, which, al, dir);
    const res = await svc.engineRequest('engine_check', { out_dir: dir, tensors, output, call: { ...call, config } });
    const label = `${engine.engine} ${engine.version} ${which} GEMM, config ${tileConfigKey(config)}, M=${M}, ${mode}`;
    if (!res.ok) {
      throw new EngineLaunchMismatchError(`${label}: the engine's own launch (${engine.launchFunction} in ${engine.path}) failed: ${String(res.message)}; this engine version's launch is not understood by MoE Kit`);
    }
    const record = res.record as EngineLaunchRecord;
    const differences = compareEngineLaunch(plan, record);
    // MoE Kit's launch of its binding, on exactly the bytes the engine's kernel read.
    const upload = (bytes: Uint8Array) => {
      const b = ctx.alloc(Math.max(bytes.byteLength, 16));
      temp.push(b);
      b.upload(bytes);
      return b;
    };
    const derived = (res.derived ?? {}) as Record<string, { path: string }>;
    const fromFile = (name: string) => upload(new Uint8Array(readFileSync(tensors[name]!.path)));
    const aParam = plan.args.find((x) => 'role' in x.arg && x.arg.role === 'a')?.name;
    const sParam = plan.args.find((x) => 'role' in x.arg && x.arg.role === 'a_scale')?.name;
    const a = aParam && derived[aParam] ? upload(new Uint8Array(readFileSync(derived[aParam].path))) : fromFile('A');
    const aScale = sParam && derived[sParam] ? upload(new Uint8Array(readFileSync(derived[sParam].path))) : tensors.A_scale ? fromFile('A_scale') : null;
    const c = ctx.alloc(pairs * nOut * 2);
    temp.push(c);
    c.fill(POISON_BYTE, 1);
    const w = p.layer.replica(0);
    const g = await compiled;
    g.kernel.launch(
      plan.grid,
      engineArgs(plan, {
        a,
        a_scale: aScale,
        b: which === 'up' ? w.w1 : w.w2,
        b_scale: which === 'up' ? w.w1Scale : w.w2Scale,
        c,
        topk_weights: p.buffers.weights,
        topk_ids: p.buffers.ids,
        sorted_token_ids: al.sorted,
        expert_ids: al.expertIds,
        num_tokens_post_padded: al.ntpp,
        naive_ntpp: al.naiveNtpp,
      }),
    );
    await ctx.synchronize();
    const ours = await c.download();
    const theirs = new Uint8Array(readFileSync(String(res.output_path)));
    let differingBytes = ours.byteLength === theirs.byteLength ? 0 : Math.max(ours.byteLength, theirs.byteLength);
    if (differingBytes === 0) for (let i = 0; i < ours.byteLength; i++) if (ours[i] !== theirs[i]) differingBytes++;
    const sha = createHash('sha256').update(g.kernel.result.binary).digest('hex');
    const jit = Array.isArray(res.jit_binaries) ? (res.jit_binaries as string[]) : [];
    return {
      ok: differences.length === 0 && differingBytes === 0,
      gemm: which,
      config: tileConfigKey(config),
      M,
      mode,
      engine: `${engine.engine} ${engine.version}`,
      differences,
      bitIdentical: differingBytes === 0,
      differingBytes,
      outputBytes: ours.byteLength,
      binary: jit.length === 0 ? 'unknown' : jit.includes(sha) ? 'same' : 'different',
      naive: plan.naive,
      EM: plan.EM,
      record,
    };
  } finally {
    for (const b of temp) if (!b.freed) b.free();
    rmSync(dir, { recursive: true, force: true });
  }
}
