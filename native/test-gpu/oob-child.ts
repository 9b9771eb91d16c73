// Child process of fault-isolation.test.ts: launches silu_and_mul on an unmapped device address,
// waits for the fault, and reports what its context says. Exits 3 once the fault is seen.
import { openContext } from '../src/addon';
import { CompilePool, siluAndMulRequest } from '../src/compile';
import { KernelLoader } from '../src/runner';

async function main(): Promise<void> {
  const ctx = openContext(0);
  const pool = await CompilePool.start({ workers: 1, cacheDir: process.env.MOE_CACHE_DIR ?? null });
  const target = { backend: ctx.device.backend, arch: ctx.device.arch, warpSize: ctx.device.warpSize };
  const rows = 4096;
  const N = 4096;
  const launch = siluAndMulRequest({ rows, N, strideXRow: 2 * N, strideOutRow: N, target });
  const result = await pool.compile(launch.request);
  await pool.close();
  const kernel = new KernelLoader(ctx).load('silu_and_mul', result);
  const out = ctx.alloc(rows * N * 2);
  // 0x100000 is 16-byte aligned (the binary's pointer specialisation) and never mapped.
  kernel.launch(launch.grid, { x_ptr: 0x100000n, out_ptr: out, ...launch.ints });
  let error = '';
  try {
    await ctx.synchronize();
  } catch (err) {
    error = (err as Error).message;
  }
  console.log(JSON.stringify({ dead: ctx.dead, deadReason: ctx.deadReason, error }));
  process.exit(error ? 3 : 0);
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ dead: null, error: `setup failed: ${(err as Error).stack ?? String(err)}` }));
  process.exit(4);
});
