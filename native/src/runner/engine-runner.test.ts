import { describe, expect, it } from 'vitest';
import type { DeviceBuffer, KernelParam } from '../addon/types';
import { STANDIN_KERNELS } from '../engine/__fixtures__/engine-kernels';
import { recordingContext, signatureCompiler } from './__fixtures__/recording-device';
import { RunnerArgumentError } from './errors/runner-argument-error';
import { MoeLayer } from './moe-layer';

const config = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };

describe("MoeBatch on the engine's kernel (recording device)", () => {
  it('SGLang 0.5.16 up GEMM: the engine kernel is compiled with its binding and launched on the right buffers', async () => {
    const ctx = recordingContext();
    const compiler = signatureCompiler(STANDIN_KERNELS['sglang-0.5.16']!);
    const layer = MoeLayer.create({ ctx, compiler, shape: { E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' }, down: false });
    expect(layer.engine?.version).toBe('0.5.16');
    const batch = layer.batch(5, { kind: 'uniform', seed: 1 });
    await batch.timeUpGemm(config, { launchesPerGraph: 1, repeats: 1, rotateInputs: false });
    const gemm = ctx.launches.find((l) => l.kernel === 'engine_fused_moe' && l.captured)!;
    // SGLang's alignment: 10 pairs >= E + 1 = 9 -> 10 + 9 * 15 = 145 ids -> 10 row blocks; 2N = 192 / 64 = 3.
    expect(gemm.grid).toEqual([30, 1, 1]);
    const req = compiler.requests.find((r) => r.kernel === 'engine_fused_moe')!;
    expect(req.constexprs).toMatchObject({ a_desc: null, b_desc: null, bias_ptr: null, a_scale_ptr: null, b_scale_ptr: null, add_mask_ptr: null, compute_type: 'tl.bfloat16', even_Ks: false });
    // Runtime params in order, minus Nones and 'one's: a, b, c, topk_weights, sorted, expert_ids, ntpp, N, K, EM, ...
    const ptrs = gemm.params.filter((p): p is KernelParam & { type: 'ptr' } => p.type === 'ptr' && p.value !== null).map((p) => (p.value as DeviceBuffer).bytes);
    // a [5, 200] bf16, W1 [8, 192, 200] bf16, C [10, 192] bf16, 10 fp32 weights, 145 sorted ids, 10 expert ids, ntpp.
    expect(ptrs).toEqual([5 * 200 * 2, 8 * 192 * 200 * 2, 10 * 192 * 2, 10 * 4, 145 * 4, 10 * 4, 16]);
    const ints = gemm.params.filter((p) => p.type === 'i32').map((p) => p.value);
    // N, K, EM, num_valid_tokens, stride_am, stride_be, stride_bn, stride_bias_e, stride_bias_n, stride_cm, then 5 scale strides of 0.
    expect(ints).toEqual([192, 200, 145, 10, 200, 192 * 200, 200, 0, 0, 192, 0, 0, 0, 0, 0]);
    layer.dispose();
    expect(ctx.buffers.every((b) => b.freed)).toBe(true);
  });

  it("vLLM at 2 tokens of top-2 among 8 experts (4 * 4 > 8: aligned) and 1 token of 8 experts top-2 (2 * 4 <= 8: naive)", async () => {
    const ctx = recordingContext();
    const compiler = signatureCompiler(STANDIN_KERNELS['vllm-9aaf83e']!);
    const layer = MoeLayer.create({ ctx, compiler, shape: { E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' }, down: false });
    await layer.batch(1, { kind: 'uniform', seed: 1 }).timeUpGemm(config, { launchesPerGraph: 1, repeats: 1, rotateInputs: false });
    const naive = ctx.launches.filter((l) => l.kernel === 'engine_fused_moe' && l.captured).at(-1)!;
    // naive: EM = 2 pairs * 16 = 32 -> 2 row blocks x 3.
    expect(naive.grid).toEqual([6, 1, 1]);
    const ptrs = naive.params.filter((p): p is KernelParam & { type: 'ptr' } => p.type === 'ptr' && p.value !== null).map((p) => (p.value as DeviceBuffer).bytes);
    // a, b, c, topk_weights, expert_ids = the topk ids (2 int32, 16-byte minimum), ntpp (16): no sorted ids.
    expect(ptrs).toEqual([200 * 2, 8 * 192 * 200 * 2, 2 * 192 * 2, 16, 16, 16]);
    layer.dispose();
  });

  it("kernel 'engine' without an engine compiler is refused with the fix", () => {
    const ctx = recordingContext();
    expect(() => MoeLayer.create({ ctx, compiler: signatureCompiler(), kernel: 'engine', shape: { E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' } })).toThrow(RunnerArgumentError);
    expect(() => MoeLayer.create({ ctx, compiler: signatureCompiler(), kernel: 'engine', shape: { E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' } })).toThrow(/engine: 'auto'/);
  });
});
