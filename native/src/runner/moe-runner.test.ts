import { describe, expect, it } from 'vitest';
import type { DeviceBuffer, KernelParam } from '../addon/types';
import { KERNEL_SIGNATURES } from '../compile/kernel-signatures';
import type { DtypeMode } from '../reference/moe-problem';
import { recordingContext, signatureCompiler, type RecordedLaunch } from './__fixtures__/recording-device';
import { MoeLayer } from './moe-layer';

const config = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };

/** The argument named `name` of a recorded launch, by the kernel's signature order minus folded params. */
function bufferArg(l: RecordedLaunch, names: readonly string[], name: string): DeviceBuffer {
  const i = names.indexOf(name);
  const p = l.params[i] as KernelParam & { type: 'ptr' };
  return p.value as DeviceBuffer;
}

describe('MoeBatch orchestration (recording device)', () => {
  for (const mode of ['bf16', 'fp16', 'fp8_w8a8', 'fp8_w8a8_block'] as DtypeMode[]) {
    it(`${mode}: the whole layer launches every kernel with every param packed`, async () => {
      const ctx = recordingContext();
      const compiler = signatureCompiler();
      // E=8, N=96 (2N=192), K=200, top-2, M=5.
      const layer = MoeLayer.create({ ctx, compiler, shape: { E: 8, N: 96, K: 200, topk: 2, mode, blockShape: [128, 128] }, replicaBudgetBytes: 0 });
      const batch = layer.batch(5, { kind: 'uniform', seed: 1 });
      const t = await batch.timeLayer(config, config, { launchesPerGraph: 3, repeats: 4, rotateInputs: false });
      // 3 launches per graph, replays of 1000..1003 us -> per launch 333.3..334.3, median 333.83.
      expect(t.medianUs).toBeCloseTo(1001.5 / 3, 6);
      const captured = ctx.launches.filter((l) => l.captured);
      const perLaunch = ['moe_align_count', 'moe_align_scan', 'moe_align_scatter', 'fused_moe_gemm', 'silu_and_mul'];
      if (mode === 'fp8_w8a8') perLaunch.push('fp8_quant_per_tensor');
      if (mode === 'fp8_w8a8_block') perLaunch.push('fp8_quant_per_token_group');
      perLaunch.push('fused_moe_gemm', 'moe_sum');
      expect(captured.map((l) => l.kernel)).toEqual([...perLaunch, ...perLaunch, ...perLaunch]);
      // Each launch carries its binary's params plus Triton's two scratch pointers.
      for (const l of captured) {
        const runtime = KERNEL_SIGNATURES[l.kernel as keyof typeof KERNEL_SIGNATURES].filter((p) => p.type !== 'constexpr');
        expect(l.params.length).toBeLessThanOrEqual(runtime.length + 2);
        expect(l.params.slice(-2)).toEqual([{ type: 'ptr', value: null }, { type: 'ptr', value: null }]);
        expect(l.block).toEqual([128, 1, 1]);
      }
      layer.dispose();
      expect(ctx.buffers.every((b) => b.freed)).toBe(true);
    });
  }

  it('up GEMM: grid and buffer sizes follow the shape (worst-case EM)', async () => {
    const ctx = recordingContext();
    const layer = MoeLayer.create({ ctx, compiler: signatureCompiler(), shape: { E: 8, N: 96, K: 200, topk: 2, mode: 'bf16' }, down: false });
    const batch = layer.batch(5, { kind: 'uniform', seed: 1 });
    await batch.timeUpGemm(config, { launchesPerGraph: 1, repeats: 1, rotateInputs: false });
    const gemm = ctx.launches.find((l) => l.kernel === 'fused_moe_gemm' && l.captured)!;
    // EM = 10 + 8 * 15 = 130 -> 9 row blocks; 2N = 192 -> 3 column blocks: 27 programs.
    expect(gemm.grid).toEqual([27, 1, 1]);
    // bf16 up GEMM params: a, b, c, (scales folded), (weights folded), sorted, expert_ids, ntpp, ...
    const names = ['a_ptr', 'b_ptr', 'c_ptr', 'sorted_token_ids_ptr', 'expert_ids_ptr', 'num_tokens_post_padded_ptr'];
    expect(bufferArg(gemm, names, 'a_ptr').bytes).toBe(5 * 200 * 2);
    expect(bufferArg(gemm, names, 'b_ptr').bytes).toBe(8 * 192 * 200 * 2);
    expect(bufferArg(gemm, names, 'c_ptr').bytes).toBe(10 * 192 * 2);
    expect(bufferArg(gemm, names, 'sorted_token_ids_ptr').bytes).toBe(130 * 4);
    expect(bufferArg(gemm, names, 'expert_ids_ptr').bytes).toBe(9 * 4);
  });

  it('tight EM at small M, rotation of input sets when a set fits in L2', async () => {
    const ctx = recordingContext();
    const layer = MoeLayer.create({ ctx, compiler: signatureCompiler(), shape: { E: 32, N: 64, K: 128, topk: 4, mode: 'bf16' }, down: false });
    const batch = layer.batch(1, { kind: 'uniform', seed: 2 }, { paddedLengthRule: 'tight' });
    const t = await batch.timeUpGemm(config, { launchesPerGraph: 4, repeats: 2 });
    // EM = min(4 + 32*15, 4*16) = 64 -> 4 row blocks x 2 column blocks (2N = 128 / 64).
    const gemms = ctx.launches.filter((l) => l.kernel === 'fused_moe_gemm' && l.captured);
    expect(gemms[0]!.grid).toEqual([8, 1, 1]);
    // One set is ~130 KB against a 50 MiB L2: 8 sets (the cap); the graph's 4 launches use 4 of them.
    expect(t.inputSets).toBe(8);
    const bs = new Set(gemms.map((l) => ((l.params[1] as { value: DeviceBuffer }).value).ptr));
    expect(bs.size).toBe(4);
  });

  it('refuses different BLOCK_SIZE_M for the up and down GEMMs', async () => {
    const layer = MoeLayer.create({ ctx: recordingContext(), compiler: signatureCompiler(), shape: { E: 4, N: 32, K: 64, topk: 1, mode: 'bf16' } });
    const batch = layer.batch(3, { kind: 'uniform', seed: 1 });
    await expect(batch.prepareLayer(config, { ...config, BLOCK_SIZE_M: 32 })).rejects.toThrow(/use the same BLOCK_SIZE_M/);
  });
});
