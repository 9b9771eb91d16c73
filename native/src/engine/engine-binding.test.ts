import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import { STANDIN_KERNELS } from './__fixtures__/engine-kernels';
import { bindEngineLaunch, engineLaunchInts, engineSortedLength, knownEngineParams, type EngineGemmCall, type EngineLaunchPlan } from './engine-binding';
import type { EngineKernelInfo } from './engine-info';
import { UnknownEngineParamError } from './errors/unknown-engine-param-error';

const H200 = { backend: 'cuda', arch: 'sm_90', warpSize: 32 } as const;
const cfg = (BLOCK_SIZE_M: number, BLOCK_SIZE_N: number, BLOCK_SIZE_K = 64): TileConfig => ({
  BLOCK_SIZE_M,
  BLOCK_SIZE_N,
  BLOCK_SIZE_K,
  GROUP_SIZE_M: 1,
  num_warps: 4,
  num_stages: 3,
});

function call(info: EngineKernelInfo, o: Partial<EngineGemmCall> & { config: TileConfig }): EngineGemmCall {
  const base = { gemm: 'up' as const, mode: 'bf16' as const, blockShape: null, tokens: 37, layerTopk: 4, E: 32, N: 512, K: 512, target: H200, outType: 'bf16' as const };
  const merged = { ...base, ...o };
  return { ...merged, sortedLength: o.sortedLength ?? engineSortedLength(info.engine, merged.tokens * merged.layerTopk, merged.E, o.config.BLOCK_SIZE_M) };
}

const argOf = (p: EngineLaunchPlan, name: string) => p.args.find((a) => a.name === name)?.arg;

describe('engineSortedLength (each engine alignment op allocation)', () => {
  it('SGLang: numel + (E + 1) * (BLOCK_SIZE_M - 1), one block per pair below E + 1 pairs', () => {
    // 148 pairs, 32 experts, BLOCK_SIZE_M 16: 148 + 33 * 15 = 643.
    expect(engineSortedLength('sglang', 148, 32, 16)).toBe(643);
    // 8 pairs < 33: 8 * 64 = 512.
    expect(engineSortedLength('sglang', 8, 32, 64)).toBe(512);
  });
  it('vLLM: numel + E * (BLOCK_SIZE_M - 1), capped at numel * BLOCK_SIZE_M below E pairs', () => {
    expect(engineSortedLength('vllm', 148, 32, 16)).toBe(148 + 32 * 15);
    expect(engineSortedLength('vllm', 24, 64, 16)).toBe(384);
  });
});

describe('bindEngineLaunch: every parameter of the three stand-in kernels binds, in every mode', () => {
  for (const [name, info] of Object.entries(STANDIN_KERNELS)) {
    for (const mode of ['bf16', 'fp16', 'fp8_w8a8', 'fp8_w8a8_block'] as const) {
      for (const gemm of ['up', 'down'] as const) {
        it(`${name} ${mode} ${gemm}`, () => {
          const p = bindEngineLaunch(info, call(info, { gemm, mode, blockShape: mode === 'fp8_w8a8_block' ? [128, 128] : null, config: cfg(32, 128), outType: mode === 'fp16' ? 'fp16' : 'bf16' }));
          const runtime = info.params.filter((q) => !q.constexpr).map((q) => q.name);
          const constexpr = info.params.filter((q) => q.constexpr).map((q) => q.name);
          expect(p.args.map((a) => a.name)).toEqual(runtime);
          expect(Object.keys(p.constexprs).sort()).toEqual([...constexpr].sort());
          // Absent pointers (None) are compiled in as constexpr null, as Triton's JIT does.
          for (const { name: n, arg } of p.args) if ('none' in arg) expect(p.request.constexprs![n]).toBeNull();
        });
      }
    }
  }
});

describe('bindEngineLaunch: launch rules worked out from the engines launch functions', () => {
  const sg = STANDIN_KERNELS['sglang-0.5.16']!;
  const sg10 = STANDIN_KERNELS['sglang-0.5.10']!;
  const vl = STANDIN_KERNELS['vllm-9aaf83e']!;

  it('SGLang up GEMM, bf16, M=37 top-4 of 32 experts, BLOCK 16x64: EM 643, grid cdiv(643,16) * cdiv(512,64) = 41 * 8', () => {
    const p = bindEngineLaunch(sg, call(sg, { config: cfg(16, 64) }));
    expect(p.EM).toBe(643);
    expect(p.grid).toEqual([328, 1, 1]);
    expect(argOf(p, 'EM')).toEqual({ int: 643 });
    expect(argOf(p, 'num_valid_tokens')).toEqual({ int: 148 });
    expect(argOf(p, 'stride_be')).toEqual({ int: 512 * 512 });
    expect(argOf(p, 'a_desc')).toEqual({ none: true });
    expect(argOf(p, 'add_mask_ptr')).toEqual({ none: true });
    expect(argOf(p, 'a_scale_ptr')).toEqual({ none: true });
    expect(p.constexprs.top_k).toBe(4);
    expect(p.constexprs.MUL_ROUTED_WEIGHT).toBe(false);
    expect(p.constexprs.compute_type).toBe('tl.bfloat16');
    expect(p.constexprs.swap_ab).toBe(false);
    expect(p.constexprs.even_Ks).toBe(true);
    // Triton's integer specialisation: 1 -> constant, multiples of 16 -> divisibility, else none.
    expect(p.request.specialization).toMatchObject({ stride_ak: 'one', stride_cn: 'one', N: 'div16', EM: 'none', num_valid_tokens: 'none', stride_bias_e: 'div16' });
    expect(p.request.types).toMatchObject({ a_ptr: '*bf16', b_ptr: '*bf16', c_ptr: '*bf16', topk_weights_ptr: '*fp32', sorted_token_ids_ptr: '*i32' });
  });

  it('SGLang down GEMM: top_k 1 over the pairs, with the routing weights', () => {
    const p = bindEngineLaunch(sg, call(sg, { gemm: 'down', N: 512, K: 256, config: cfg(16, 64) }));
    expect(p.constexprs.top_k).toBe(1);
    expect(p.constexprs.MUL_ROUTED_WEIGHT).toBe(true);
    expect(argOf(p, 'num_valid_tokens')).toEqual({ int: 148 });
    expect(argOf(p, 'stride_am')).toEqual({ int: 256 });
  });

  it('SGLang fp8 swap_ab: on sm_90 with BLOCK_SIZE_M < 64 and BLOCK_SIZE_N >= 64 only', () => {
    const fp8 = (c: TileConfig, target = H200 as EngineGemmCall['target']) => bindEngineLaunch(sg, call(sg, { mode: 'fp8_w8a8', config: c, target })).constexprs.swap_ab;
    expect(fp8(cfg(16, 64))).toBe(true);
    expect(fp8(cfg(32, 256))).toBe(true);
    expect(fp8(cfg(16, 32))).toBe(false);
    expect(fp8(cfg(64, 128))).toBe(false);
    expect(fp8(cfg(16, 64), { backend: 'cuda', arch: 'sm_80', warpSize: 32 })).toBe(false);
    expect(fp8(cfg(16, 64), { backend: 'cuda', arch: 'sm_100', warpSize: 32 })).toBe(true);
    expect(bindEngineLaunch(sg, call(sg, { config: cfg(16, 64) })).constexprs.swap_ab).toBe(false);
  });

  it('SGLang even_Ks follows K % BLOCK_SIZE_K (K = 200 with BLOCK_SIZE_K 64: false)', () => {
    expect(bindEngineLaunch(sg10, call(sg10, { K: 200, config: cfg(16, 64, 64) })).constexprs.even_Ks).toBe(false);
  });

  it('fp8 block [128, 128] scale strides: activations [rows, K/128], weights [E, N/128, K/128]', () => {
    // K = 512 -> 4 k-tiles; N = 512 -> 4 n-tiles.
    const p = bindEngineLaunch(sg, call(sg, { mode: 'fp8_w8a8_block', blockShape: [128, 128], config: cfg(64, 128, 128) }));
    expect(argOf(p, 'stride_asm')).toEqual({ int: 4 });
    expect(argOf(p, 'stride_ask')).toEqual({ int: 1 });
    expect(argOf(p, 'stride_bse')).toEqual({ int: 16 });
    expect(argOf(p, 'stride_bsn')).toEqual({ int: 4 });
    expect(argOf(p, 'stride_bsk')).toEqual({ int: 1 });
    expect(p.constexprs.group_n).toBe(128);
    expect(p.request.types).toMatchObject({ a_ptr: '*fp8e4nv', b_ptr: '*fp8e4nv', a_scale_ptr: '*fp32', b_scale_ptr: '*fp32', c_ptr: '*bf16' });
  });

  it('vLLM naive block assignment at 8 pairs of 32 experts (8 * 4 <= 32): no sorted ids, expert ids = topk ids, EM = 8 * BLOCK_SIZE_M', () => {
    const p = bindEngineLaunch(vl, call(vl, { tokens: 2, config: cfg(16, 64) }));
    expect(p.naive).toBe(true);
    expect(p.constexprs.naive_block_assignment).toBe(true);
    expect(argOf(p, 'sorted_token_ids_ptr')).toEqual({ none: true });
    expect(argOf(p, 'expert_ids_ptr')).toEqual({ role: 'topk_ids' });
    expect(argOf(p, 'num_tokens_post_padded_ptr')).toEqual({ role: 'naive_ntpp' });
    expect(p.EM).toBe(128);
    expect(p.grid).toEqual([(128 / 16) * (512 / 64), 1, 1]);
    // 9 tokens of top-4: 36 pairs, 36 * 4 > 32: aligned.
    expect(bindEngineLaunch(vl, call(vl, { tokens: 9, config: cfg(16, 64) })).naive).toBe(false);
  });

  it('vLLM trims EM below BLOCK_SIZE_M rows to rows * top_k * BLOCK_SIZE_M', () => {
    // A given longer sorted list (1000) is trimmed: 3 tokens x top-4 x 64 = 768.
    const p = bindEngineLaunch(vl, call(vl, { tokens: 3, E: 8, sortedLength: 1000, config: cfg(64, 64) }));
    expect(p.naive).toBe(false);
    expect(p.EM).toBe(768);
    expect(argOf(p, 'EM')).toEqual({ int: 768 });
    expect(p.grid[0]).toBe((768 / 64) * (512 / 64));
  });

  it('vLLM: SPLIT_K 1, no bias, and BLOCK_SIZE_K capped at the fp8 block for block-wise', () => {
    const p = bindEngineLaunch(vl, call(vl, { mode: 'fp8_w8a8_block', blockShape: [128, 128], config: cfg(64, 128, 256) }));
    expect(p.constexprs.BLOCK_SIZE_K).toBe(128);
    expect(p.constexprs.SPLIT_K).toBe(1);
    expect(p.constexprs.HAS_BIAS).toBe(false);
    expect(argOf(p, 'b_bias_ptr')).toEqual({ none: true });
  });
});

describe('engineLaunchInts: the batch-dependent integers of the launch, without binding it', () => {
  it('SGLang 0.5.16 at LFM2-8B-A1B TP1: EM is a multiple of 16 up to 32 pairs, odd from 33 (E + 1 = 33 padded blocks)', () => {
    // M = 8: 32 pairs < 33 -> 32 x 16 = 512; M = 16: 64 + 33 x 15 = 559, not a multiple of 16 (another binary).
    expect(engineLaunchInts('sglang', 'up', 8, 4, 32, 16)).toEqual({ EM: 512, numValidTokens: 32 });
    expect(engineLaunchInts('sglang', 'up', 16, 4, 32, 16)).toEqual({ EM: 559, numValidTokens: 64 });
  });
  it('vLLM: naive at numel x 4 <= E, trimmed below BLOCK_SIZE_M rows', () => {
    // 2 tokens x 4 = 8 pairs, 8 x 4 <= 32: naive, EM = 8 x 16.
    expect(engineLaunchInts('vllm', 'up', 2, 4, 32, 16).EM).toBe(128);
    // 9 tokens (36 pairs) < BLOCK_SIZE_M 64 rows: min(36 + 32 x 63, 9 x 4 x 64) = 2052.
    expect(engineLaunchInts('vllm', 'up', 9, 4, 32, 64).EM).toBe(2052);
  });
  it('equals the EM bindEngineLaunch launches with, for every stand-in, GEMM, batch and BLOCK_SIZE_M', () => {
    for (const info of Object.values(STANDIN_KERNELS)) {
      for (const gemm of ['up', 'down'] as const) {
        for (const tokens of [1, 2, 3, 8, 9, 16, 33, 64, 4096]) {
          for (const bm of [16, 32, 64, 128, 256]) {
            const p = bindEngineLaunch(info, call(info, { gemm, tokens, config: cfg(bm, 64) }));
            expect(engineLaunchInts(info.engine, gemm, tokens, 4, 32, bm).EM, `${info.engine} ${info.version} ${gemm} ${tokens} ${bm}`).toBe(p.EM);
          }
        }
      }
    }
  });
});

describe('bindEngineLaunch refuses what it does not know', () => {
  const sg = STANDIN_KERNELS['sglang-0.5.16']!;
  it('an unknown kernel parameter: names the engine version, the parameter and the kernel file', () => {
    const info: EngineKernelInfo = { ...sg, params: [...sg.params.slice(0, 5), { name: 'lora_a_ptr', constexpr: false }, ...sg.params.slice(5)] };
    let error: unknown;
    try {
      bindEngineLaunch(info, call(info, { config: cfg(16, 64) }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownEngineParamError);
    const m = (error as Error).message;
    expect(m).toContain('sglang 0.5.16');
    expect(m).toContain("'lora_a_ptr'");
    expect(m).toContain(sg.path);
    expect((error as UnknownEngineParamError).code).toBe('MOE_UNKNOWN_ENGINE_PARAM');
  });
  it("a parameter of the other engine (vLLM's naive_block_assignment in an SGLang kernel)", () => {
    const info: EngineKernelInfo = { ...sg, params: [...sg.params, { name: 'naive_block_assignment', constexpr: true }] };
    expect(() => bindEngineLaunch(info, call(info, { config: cfg(16, 64) }))).toThrow(/'naive_block_assignment'/);
  });
  it('a known parameter whose constexpr mark changed', () => {
    const info: EngineKernelInfo = { ...sg, params: sg.params.map((p) => (p.name === 'EM' ? { ...p, constexpr: true } : p)) };
    expect(() => bindEngineLaunch(info, call(info, { config: cfg(16, 64) }))).toThrow(UnknownEngineParamError);
  });
  it('knownEngineParams covers each stand-in exactly', () => {
    for (const info of Object.values(STANDIN_KERNELS)) {
      const known = new Set(knownEngineParams(info.engine));
      expect(info.params.filter((p) => !known.has(p.name))).toEqual([]);
    }
  });
});
