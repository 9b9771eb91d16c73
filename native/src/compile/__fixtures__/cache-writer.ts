// Bundled by compile-cache.test.ts and run as a separate process: writes one key many times
// with this process's own binary, as a second tuner process sharing MOE_CACHE_DIR would.
import { CompileCache } from '../compile-cache';
import type { CompileSuccess } from '../types';

const [dir, key, byteText, sizeText, timesText] = process.argv.slice(2);
const byte = Number(byteText);
const size = Number(sizeText);
const cache = new CompileCache(dir);
const result: CompileSuccess = {
  ok: true,
  cacheKey: key!,
  fromCache: false,
  kernel: 'moe_sum',
  binary: new Uint8Array(size).fill(byte),
  binaryPath: null,
  binaryFormat: 'cubin',
  metadata: {
    name: `writer_${byte}`,
    shared: size,
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
  },
  params: [],
  specialization: {},
  compileSeconds: 0,
};
for (let i = 0; i < Number(timesText); i += 1) await cache.put(key!, result);
