import type { TileConfig } from '@moe/engine-facts';
import { specializationFor, type GemmMode } from '../compile/requests';
import type { SignatureParam } from '../compile/kernel-signatures';
import type { CompileRequest, CompileTarget, ConstexprValue } from '../compile/types';
import type { EngineKernelInfo, EngineName } from './engine-info';
import { UnknownEngineParamError } from './errors/unknown-engine-param-error';

/** The compile-request kernel name under which a worker registers the engine's fused_moe_kernel. */
export const ENGINE_KERNEL = 'engine_fused_moe';

/**
 * Device buffers a launch of the engine's kernel reads or writes, by what they hold. `naive_ntpp`
 * is vLLM's one-int32 tensor of the naive block assignment (numel * BLOCK_SIZE_M).
 */
export type EngineBufferRole =
  | 'a'
  | 'b'
  | 'c'
  | 'a_scale'
  | 'b_scale'
  | 'topk_weights'
  | 'topk_ids'
  | 'sorted_token_ids'
  | 'expert_ids'
  | 'num_tokens_post_padded'
  | 'naive_ntpp';

/** One GEMM of the fused-MoE layer as MoE Kit's call site passes it to the engine's launch function. */
export interface EngineGemmCall {
  readonly gemm: 'up' | 'down';
  readonly mode: GemmMode;
  /** fp8_w8a8_block's [block_n, block_k]; null otherwise. */
  readonly blockShape: readonly [number, number] | null;
  /** Tokens M of the batch and the layer's top-k and (local) experts. */
  readonly tokens: number;
  readonly layerTopk: number;
  readonly E: number;
  /** Output columns (2N for up, K for down) and reduction length (K for up, N for down). */
  readonly N: number;
  readonly K: number;
  readonly config: TileConfig;
  /** Length of sorted_token_ids as this engine's alignment allocates it (engineSortedLength). */
  readonly sortedLength: number;
  readonly target: CompileTarget;
  readonly outType: 'bf16' | 'fp16';
}

/** How one kernel argument is filled: a buffer role, an integer, or an absent pointer (None). */
export type EngineArg = { readonly role: EngineBufferRole } | { readonly int: number } | { readonly none: true };

/** A launch of the engine's kernel exactly as that engine version's launch function makes it. */
export interface EngineLaunchPlan {
  readonly engine: EngineName;
  readonly version: string;
  readonly request: CompileRequest;
  /** Every parameter of the kernel that is not a tl.constexpr, by name, in order. */
  readonly args: readonly { readonly name: string; readonly arg: EngineArg }[];
  /** The value of every tl.constexpr parameter, compute_type as 'tl.bfloat16'/'tl.float16'. */
  readonly constexprs: Readonly<Record<string, ConstexprValue | string>>;
  readonly grid: [number, number, number];
  /** vLLM's naive block assignment (no sorted_token_ids: one program row per pair). */
  readonly naive: boolean;
  /** EM as passed to the kernel (vLLM trims it for small batches). */
  readonly EM: number;
}

/**
 * Length of sorted_token_ids as each engine's alignment op allocates it for numel = M * top-k
 * pairs: SGLang counts one more expert (the filtered id -1) and gives tiny batches one block per
 * pair; vLLM caps the worst case at numel * BLOCK_SIZE_M when there are fewer pairs than experts.
 */
export function engineSortedLength(engine: EngineName, numel: number, E: number, blockM: number): number {
  if (engine === 'sglang') return numel < E + 1 ? numel * blockM : numel + (E + 1) * (blockM - 1);
  const worst = numel + E * (blockM - 1);
  return numel < E ? Math.min(numel * blockM, worst) : worst;
}

/**
 * The integers of an engine's launch that change with the batch, as bindEngineLaunch computes
 * them: EM (the aligned length the grid covers, after vLLM's naive assignment and trimming) and
 * num_valid_tokens. Triton specialises both (== 1, multiple of 16, or neither), so they decide
 * which compiled binary a batch size needs.
 */
export function engineLaunchInts(engine: EngineName, gemm: 'up' | 'down', tokens: number, layerTopk: number, E: number, blockM: number): { EM: number; numValidTokens: number } {
  const numel = tokens * layerTopk;
  const sorted = engineSortedLength(engine, numel, E, blockM);
  if (engine !== 'vllm') return { EM: sorted, numValidTokens: numel };
  const rows = gemm === 'up' ? tokens : numel;
  const topK = gemm === 'up' ? layerTopk : 1;
  if (vllmNaiveAssignment(numel, E)) return { EM: numel * blockM, numValidTokens: numel };
  return { EM: rows < blockM ? Math.min(sorted, rows * topK * blockM) : sorted, numValidTokens: numel };
}

/** vLLM's choice of the naive block assignment: no expert map and numel * 4 <= experts (not wna16). */
export function vllmNaiveAssignment(numel: number, E: number): boolean {
  return numel * 4 <= E;
}

/** SGLang's swap_ab for fp8: on CUDA compute capability >= 9, BLOCK_SIZE_M < 64 and BLOCK_SIZE_N >= 64. */
export function sglangSwapAb(target: CompileTarget, config: TileConfig): boolean {
  if (target.backend !== 'cuda') return false;
  const major = Number(/^sm_(\d+)/.exec(target.arch)?.[1] ?? 0) / 10;
  return Math.floor(major) >= 9 && config.BLOCK_SIZE_M < 64 && config.BLOCK_SIZE_N >= 64;
}

type Ctx = {
  readonly call: EngineGemmCall;
  readonly engine: EngineName;
  readonly fp8: boolean;
  readonly block: boolean;
  readonly naive: boolean;
  readonly EM: number;
  readonly topK: number;
  readonly blockK: number;
  readonly kTiles: number;
  readonly nTiles: number;
};

type Rule = { readonly engines: readonly EngineName[]; readonly bind: (c: Ctx) => EngineArg | ConstexprValue | string };

const both: readonly EngineName[] = ['sglang', 'vllm'];
const sglang: readonly EngineName[] = ['sglang'];
const vllm: readonly EngineName[] = ['vllm'];
const role = (r: EngineBufferRole): EngineArg => ({ role: r });
const int = (v: number): EngineArg => ({ int: v });
const none: EngineArg = { none: true };

/**
 * What each engine's launch function passes for each kernel parameter, by name, for one GEMM
 * without expert parallelism, LoRA, bias, TMA or fused output tricks (what MoE Kit tunes). A
 * parameter of the installed kernel that is not here, or is here for the other engine only, is
 * refused by name: MoE Kit never guesses a launch.
 */
const RULES: Readonly<Record<string, Rule>> = {
  a_ptr: { engines: both, bind: () => role('a') },
  a_desc: { engines: sglang, bind: () => none },
  b_ptr: { engines: both, bind: () => role('b') },
  b_desc: { engines: sglang, bind: () => none },
  bias_ptr: { engines: sglang, bind: () => none },
  b_bias_ptr: { engines: vllm, bind: () => none },
  c_ptr: { engines: both, bind: () => role('c') },
  a_scale_ptr: { engines: both, bind: (c) => (c.fp8 ? role('a_scale') : none) },
  b_scale_ptr: { engines: both, bind: (c) => (c.fp8 ? role('b_scale') : none) },
  topk_weights_ptr: { engines: both, bind: () => role('topk_weights') },
  sorted_token_ids_ptr: { engines: both, bind: (c) => (c.naive ? none : role('sorted_token_ids')) },
  expert_ids_ptr: { engines: both, bind: (c) => (c.naive ? role('topk_ids') : role('expert_ids')) },
  num_tokens_post_padded_ptr: { engines: both, bind: (c) => (c.naive ? role('naive_ntpp') : role('num_tokens_post_padded')) },
  add_mask_ptr: { engines: sglang, bind: () => none },
  N: { engines: both, bind: (c) => int(c.call.N) },
  K: { engines: both, bind: (c) => int(c.call.K) },
  EM: { engines: both, bind: (c) => int(c.EM) },
  num_valid_tokens: { engines: both, bind: (c) => int(c.call.tokens * c.call.layerTopk) },
  stride_am: { engines: both, bind: (c) => int(c.call.K) },
  stride_ak: { engines: both, bind: () => int(1) },
  stride_be: { engines: both, bind: (c) => int(c.call.N * c.call.K) },
  stride_bk: { engines: both, bind: () => int(1) },
  stride_bn: { engines: both, bind: (c) => int(c.call.K) },
  stride_bias_e: { engines: sglang, bind: () => int(0) },
  stride_bias_n: { engines: sglang, bind: () => int(0) },
  stride_bbe: { engines: vllm, bind: () => int(0) },
  stride_bbn: { engines: vllm, bind: () => int(0) },
  stride_cm: { engines: both, bind: (c) => int(c.call.N) },
  stride_cn: { engines: both, bind: () => int(1) },
  // Scale strides: block-wise scales are 2-D (activations [rows, K/bk]) and 3-D (weights
  // [E, N/bn, K/bk]); per-tensor scales are 1-D, for which both engines pass 0.
  stride_asm: { engines: both, bind: (c) => int(c.block ? c.kTiles : 0) },
  stride_ask: { engines: both, bind: (c) => int(c.block ? 1 : 0) },
  stride_bse: { engines: both, bind: (c) => int(c.block ? c.nTiles * c.kTiles : 0) },
  stride_bsk: { engines: both, bind: (c) => int(c.block ? 1 : 0) },
  stride_bsn: { engines: both, bind: (c) => int(c.block ? c.kTiles : 0) },
  group_n: { engines: both, bind: (c) => (c.block ? c.call.blockShape![0] : 0) },
  group_k: { engines: both, bind: (c) => (c.block ? c.call.blockShape![1] : 0) },
  naive_block_assignment: { engines: vllm, bind: (c) => c.naive },
  BLOCK_SIZE_M: { engines: both, bind: (c) => c.call.config.BLOCK_SIZE_M },
  BLOCK_SIZE_N: { engines: both, bind: (c) => c.call.config.BLOCK_SIZE_N },
  BLOCK_SIZE_K: { engines: both, bind: (c) => c.blockK },
  GROUP_SIZE_M: { engines: both, bind: (c) => c.call.config.GROUP_SIZE_M },
  SPLIT_K: { engines: vllm, bind: () => 1 },
  MUL_ROUTED_WEIGHT: { engines: both, bind: (c) => c.call.gemm === 'down' },
  top_k: { engines: both, bind: (c) => c.topK },
  compute_type: { engines: both, bind: (c) => (c.call.outType === 'fp16' ? 'tl.float16' : 'tl.bfloat16') },
  use_fp8_w8a8: { engines: both, bind: (c) => c.fp8 },
  use_int8_w8a8: { engines: both, bind: () => false },
  use_int8_w8a16: { engines: both, bind: () => false },
  per_channel_quant: { engines: both, bind: () => false },
  HAS_BIAS: { engines: vllm, bind: () => false },
  even_Ks: { engines: sglang, bind: (c) => c.call.K % c.blockK === 0 },
  c_sorted: { engines: sglang, bind: () => false },
  filter_expert: { engines: sglang, bind: () => false },
  swap_ab: { engines: sglang, bind: (c) => c.fp8 && sglangSwapAb(c.call.target, c.call.config) },
  FUSE_ADD_TO_OUTPUT: { engines: sglang, bind: () => false },
  MASK_OUTPUT: { engines: sglang, bind: () => false },
  FUSE_SUM_ALL_REDUCE: { engines: sglang, bind: () => false },
  LORA_PRESERVE_BASE: { engines: sglang, bind: () => false },
  ROUTER_TOPK: { engines: sglang, bind: () => 1 },
};

/** The engine kernel's signature for resolveRequest: constexpr marks, no default runtime types. */
export function engineSignature(info: EngineKernelInfo): SignatureParam[] {
  return info.params.map((p) => ({ name: p.name, type: p.constexpr ? 'constexpr' : '' }));
}

/** The parameter names MoE Kit can bind for an engine (for docs and tests). */
export function knownEngineParams(engine: EngineName): string[] {
  return Object.entries(RULES)
    .filter(([, r]) => r.engines.includes(engine))
    .map(([name]) => name);
}

function pointerType(role: EngineBufferRole, call: EngineGemmCall): string {
  const fp8 = call.mode === 'fp8_w8a8' || call.mode === 'fp8_w8a8_block';
  const plain = call.outType === 'fp16' ? '*fp16' : '*bf16';
  switch (role) {
    case 'a':
    case 'b':
      return fp8 ? (call.target.backend === 'hip' ? '*fp8e4b8' : '*fp8e4nv') : plain;
    case 'c':
      return plain;
    case 'a_scale':
    case 'b_scale':
    case 'topk_weights':
      return '*fp32';
    default:
      return '*i32';
  }
}

function isArg(v: unknown): v is EngineArg {
  return typeof v === 'object' && v !== null && ('role' in v || 'int' in v || 'none' in v);
}

/**
 * Binds the installed engine kernel's parameters, by name, the way this engine's launch function
 * does for `call`, and builds the compile request for exactly that launch (constexprs, absent
 * pointers as None, Triton's integer specialisation of the values). Throws
 * UnknownEngineParamError naming the engine version, the parameter and the kernel file for a
 * parameter MoE Kit does not know.
 */
export function bindEngineLaunch(info: EngineKernelInfo, call: EngineGemmCall): EngineLaunchPlan {
  const engine = info.engine;
  const fp8 = call.mode === 'fp8_w8a8' || call.mode === 'fp8_w8a8_block';
  const block = call.mode === 'fp8_w8a8_block';
  if (block && !call.blockShape) throw new TypeError('bindEngineLaunch: fp8_w8a8_block needs blockShape');
  const numel = call.tokens * call.layerTopk;
  const rows = call.gemm === 'up' ? call.tokens : numel;
  const topK = call.gemm === 'up' ? call.layerTopk : 1;
  const bm = call.config.BLOCK_SIZE_M;
  const naive = engine === 'vllm' && vllmNaiveAssignment(numel, call.E);
  let EM = call.sortedLength;
  if (engine === 'vllm') {
    // vLLM's launch: no sorted ids -> numel * BLOCK_SIZE_M; fewer rows than BLOCK_SIZE_M -> trimmed.
    if (naive) EM = numel * bm;
    else if (rows < bm) EM = Math.min(call.sortedLength, rows * topK * bm);
  }
  let blockK = call.config.BLOCK_SIZE_K;
  if (engine === 'vllm' && block) blockK = Math.min(blockK, Math.min(call.blockShape![0], call.blockShape![1]));
  const kTiles = block ? Math.ceil(call.K / call.blockShape![1]) : 0;
  const nTiles = block ? Math.ceil(call.N / call.blockShape![0]) : 0;
  const ctx: Ctx = { call, engine, fp8, block, naive, EM, topK, blockK, kTiles, nTiles };

  const args: { name: string; arg: EngineArg }[] = [];
  const constexprs: Record<string, ConstexprValue | string> = {};
  const requestConstexprs: Record<string, ConstexprValue | string> = {};
  const types: Record<string, string> = {};
  const ints: Record<string, number> = {};
  for (const p of info.params) {
    const rule = RULES[p.name];
    if (!rule || !rule.engines.includes(engine)) {
      throw new UnknownEngineParamError(
        `${engine} ${info.version}: ${info.kernel} parameter '${p.name}' (${info.path}) is not known to MoE Kit's ${engine} launch rules, so MoE Kit cannot launch this kernel the way ${info.launchFunction} does; measure with --kernel moe-kit, or use an @moe/native that knows this ${engine} version`,
      );
    }
    const v = rule.bind(ctx);
    if (p.constexpr) {
      if (isArg(v)) throw new UnknownEngineParamError(`${engine} ${info.version}: ${info.kernel} parameter '${p.name}' (${info.path}) is a tl.constexpr here, but MoE Kit binds it as a runtime argument; this kernel's signature changed: use an @moe/native that knows this ${engine} version`);
      constexprs[p.name] = v;
      requestConstexprs[p.name] = v;
      continue;
    }
    if (!isArg(v)) throw new UnknownEngineParamError(`${engine} ${info.version}: ${info.kernel} parameter '${p.name}' (${info.path}) is a runtime argument here, but MoE Kit binds it as a tl.constexpr; this kernel's signature changed: use an @moe/native that knows this ${engine} version`);
    args.push({ name: p.name, arg: v });
    if ('none' in v) requestConstexprs[p.name] = null;
    else if ('role' in v) types[p.name] = pointerType(v.role, call);
    else {
      types[p.name] = 'i32';
      ints[p.name] = v.int;
    }
  }
  const grid: [number, number, number] = [Math.ceil(EM / bm) * Math.ceil(call.N / call.config.BLOCK_SIZE_N), 1, 1];
  return {
    engine,
    version: info.version,
    request: {
      kernel: ENGINE_KERNEL,
      constexprs: requestConstexprs as CompileRequest['constexprs'],
      types,
      num_warps: call.config.num_warps,
      num_stages: call.config.num_stages,
      target: call.target,
      specialization: specializationFor(ints),
    },
    args,
    constexprs,
    grid,
    naive,
    EM,
  };
}
