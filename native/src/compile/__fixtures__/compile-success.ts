// One fake compile result for the tests (the cache, the cache-writer process, the runner's
// recording compiler, packParams): what a worker returns for a CUDA sm_90 build with Triton
// 3.6.0, no scratch, one CTA. Callers set what their test is about.
import type { CompileSuccess, KernelMetadata } from '../types';

export type FakeCompileFields = Partial<Omit<CompileSuccess, 'ok' | 'metadata'>> & {
  readonly metadata?: Partial<KernelMetadata>;
};

export function fakeCompileSuccess(fields: FakeCompileFields = {}): CompileSuccess {
  const { metadata, ...rest } = fields;
  const kernel = rest.kernel ?? 'fused_moe_gemm';
  return {
    ok: true,
    cacheKey: 'fake-key',
    fromCache: false,
    kernel,
    binary: new Uint8Array(0),
    binaryPath: null,
    binaryFormat: 'cubin',
    params: [],
    specialization: {},
    compileSeconds: 0,
    ...rest,
    metadata: {
      name: kernel,
      shared: 0,
      num_warps: 4,
      num_ctas: 1,
      num_stages: 1,
      global_scratch_size: 0,
      global_scratch_align: 1,
      profile_scratch_size: 0,
      profile_scratch_align: 1,
      launch_cooperative_grid: false,
      launch_pdl: false,
      triton_version: '3.6.0',
      target: { backend: 'cuda', arch: 90, warp_size: 32 },
      ...metadata,
    },
  };
}
