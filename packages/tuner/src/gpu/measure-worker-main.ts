// The GPU measure worker of `moe tune` (measure-protocol.ts): one process per GPU, started as
// `node <@moe/tuner>/dist/measure-worker.js --device <index>`. It owns one context on that
// device and a compile pool (on the engine environment's Python when the kernel is the
// engine's), keeps one MoeLayer for the shape and one MoeBatch per batch size, and answers one
// request at a time. Anything it prints besides the protocol goes to stderr.
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  CompilePool,
  KernelLoader,
  MoeLayer,
  defaultCacheDir,
  describeKernelSource,
  makeRandomWeights,
  engineKernelSource,
  openContext,
  probeDevices,
  siluAndMulRequest,
  type BatchReferenceStore,
  type Context,
  type MoeBatch,
} from '@moe/native';
import {
  MEASURE_PROTOCOL_VERSION,
  type CheckMessage,
  type CompileMessage,
  type HostMessage,
  type MeasureMessage,
  type SetupMessage,
  type WorkerMessage,
} from './measure-protocol';
import { CheckCache, type CheckKey, ReferenceFileStore } from './check-cache';

const protocolOut = process.stdout;
// Keep stdout for the protocol: library logging goes to stderr.
console.log = (...args: unknown[]) => console.error(...args);
console.info = console.log;

function send(msg: WorkerMessage): void {
  protocolOut.write(`${JSON.stringify(msg)}\n`);
}

function deviceIndex(): number {
  const i = process.argv.indexOf('--device');
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number(process.env.MOE_GPU_INDEX ?? 0);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface State {
  ctx: Context;
  pool: CompilePool;
  layer: MoeLayer;
  setup: SetupMessage;
  batches: Map<number, MoeBatch>;
  checks: CheckCache;
  /** The checks' reference rows, kept across runs (null: the cache is off). */
  references: ReferenceFileStore | null;
  /** Cache keys of the binaries compile requests produced. */
  compiled: Set<string>;
}

let state: State | null = null;

function batchFor(s: State, M: number): MoeBatch {
  let b = s.batches.get(M);
  if (!b) {
    const routing = s.setup.routing.kind === 'trace' ? { kind: 'uniform' as const, seed: s.setup.seed } : s.setup.routing;
    const seed = s.setup.seed + M;
    // How this batch's inputs are made: the weights from (shape, setup seed), the activations from
    // the batch seed, the routing from its spec (the routing's bytes are hashed into the key too).
    const references: BatchReferenceStore | undefined = s.references
      ? { store: s.references, inputs: JSON.stringify({ shape: s.setup.shape, seed: s.setup.seed, batchSeed: seed, routing, kernel: s.setup.kernel }) }
      : undefined;
    b = s.layer.batch(M, routing, { seed, ...(references ? { references } : {}) });
    s.batches.set(M, b);
  }
  return b;
}

async function setup(ctx: Context, m: SetupMessage): Promise<WorkerMessage> {
  if (m.routing.kind === 'trace') {
    return { type: 'ready', id: m.id, ok: false, message: 'setup: trace routing is not supported by this worker yet; use uniform or zipf:<s>' };
  }
  const starting = CompilePool.start({
    ...(m.python ? { python: m.python } : {}),
    workers: Math.max(1, m.compileWorkers),
    maxSharedBytes: ctx.device.sharedMemoryPerBlockOptin,
    ...(m.kernel === 'engine' ? { engine: 'auto' as const } : {}),
  });
  // The weights are made while the compile processes start (seconds each, side by side).
  const shape = { ...m.shape, blockShape: m.shape.blockShape ? ([m.shape.blockShape[0], m.shape.blockShape[1]] as [number, number]) : null };
  const weights = makeRandomWeights(shape, { seed: m.seed, down: true });
  const pool = await starting;
  const layer = MoeLayer.create({ ctx, compiler: pool, kernel: m.kernel, shape, seed: m.seed }, weights);
  state = { ctx, pool, layer, setup: m, batches: new Map(), compiled: new Set(), checks: new CheckCache(m.checkCache === null ? null : path.join(m.checkCache ?? defaultCacheDir(), 'checks')),
    references: m.checkCache === null ? null : new ReferenceFileStore(path.join(m.checkCache ?? defaultCacheDir(), 'references')),
  };
  const source = layer.engine ? engineKernelSource(layer.engine) : { kind: 'moe-kit' as const, sourceSha256: pool.sourceHash };
  return {
    type: 'ready',
    id: m.id,
    ok: true,
    kernelSource: describeKernelSource(source),
    kernelSourceSha256: source.sourceSha256,
    engine: layer.engine ? { engine: layer.engine.engine, version: layer.engine.version, path: layer.engine.path } : null,
    triton: pool.hello.triton ?? 'unknown',
  };
}

async function compile(s: State, m: CompileMessage): Promise<WorkerMessage> {
  const b = batchFor(s, m.M);
  const started = Date.now();
  try {
    if (m.compileOnly) s.compiled.add(await b.compileGemm(m.gemm, m.config));
    else {
      if (m.gemm === 'up') await b.prepareUpGemm(m.config);
      else await b.prepareDownGemm(m.config);
      s.compiled.add((await b.gemmInfo(m.gemm, m.config)).cacheKey);
    }
    return { type: 'compiled', id: m.id, ok: true, fromCache: false, seconds: (Date.now() - started) / 1000 };
  } catch (e) {
    const kind = (e as { failure?: { kind?: string } }).failure?.kind ?? 'compile_error';
    return { type: 'compiled', id: m.id, ok: false, kind, message: message(e) };
  }
}

/**
 * MOE_TUNE_INJECT_FAULT=<gemm>:<config key> (a reliability test on a real GPU, as the fake
 * worker's MOE_FAKE_FAULT_CONFIG): measuring that config first launches a kernel on an unmapped
 * address, so this context dies of an illegal address as a broken config's would.
 */
async function injectFault(s: State, m: MeasureMessage): Promise<void> {
  const k = m.config;
  if (process.env.MOE_TUNE_INJECT_FAULT !== `${m.gemm}:${k.BLOCK_SIZE_M}/${k.BLOCK_SIZE_N}/${k.BLOCK_SIZE_K}/${k.GROUP_SIZE_M}/${k.num_warps}/${k.num_stages}`) return;
  const { ctx } = s;
  const rows = 4096;
  const N = 4096;
  const launch = siluAndMulRequest({ rows, N, strideXRow: 2 * N, strideOutRow: N, target: { backend: ctx.device.backend, arch: ctx.device.arch, warpSize: ctx.device.warpSize } });
  const kernel = new KernelLoader(ctx).load('silu_and_mul (MOE_TUNE_INJECT_FAULT)', await s.pool.compile(launch.request));
  // 0x100000 is 16-byte aligned (the binary's pointer specialisation) and never mapped.
  kernel.launch(launch.grid, { x_ptr: 0x100000n, out_ptr: ctx.alloc(rows * N * 2), ...launch.ints });
  await ctx.synchronize();
}

async function measure(s: State, m: MeasureMessage): Promise<WorkerMessage> {
  const b = batchFor(s, m.M);
  try {
    await injectFault(s, m);
    const opts = { repeats: Math.max(1, m.repeats), ...(m.launchesPerGraph ? { launchesPerGraph: m.launchesPerGraph } : {}), ...(m.warmup !== undefined ? { warmup: m.warmup } : {}) };
    const t = m.gemm === 'up' ? await b.timeUpGemm(m.config, opts) : await b.timeDownGemm(m.config, opts);
    const h = t.hostMs;
    // A binary no compile request produced: the host's specialisation model missed it (it was
    // compiled inside this measurement).
    const binary = (await b.gemmInfo(m.gemm, m.config)).cacheKey;
    const unplanned = !s.compiled.has(binary);
    s.compiled.add(binary);
    return {
      type: 'measured',
      id: m.id,
      ok: true,
      us: t.samplesUs,
      medianUs: t.medianUs,
      ...(h ? { phases: [h.prepare, h.setup, h.eager, h.capture, h.replay].map((x) => Math.round(x * 10) / 10) } : {}),
      ...(unplanned ? { unplanned: true } : {}),
    };
  } catch (e) {
    const kind = (e as { failure?: { kind?: string } }).failure?.kind ?? 'launch_error';
    return { type: 'measured', id: m.id, ok: false, kind, message: message(e) };
  }
}

async function check(s: State, m: CheckMessage): Promise<WorkerMessage> {
  const b = batchFor(s, m.M);
  const cfg = m.config;
  const parts: string[] = [];
  let ok = true;
  try {
    const binary = (await b.gemmInfo(m.gemm, cfg)).cacheKey;
    const { shape, seed, routing, kernel } = s.setup;
    const context = { shape, seed, routing, kernel, moeKitKernels: s.pool.sourceHash, protocol: MEASURE_PROTOCOL_VERSION };
    // A check this binary passed on these inputs before (a warm run) is not run again.
    const cached = async (what: CheckKey['what'], run: () => Promise<{ ok: boolean; line: string }>) => {
      const key: CheckKey = { what, gemm: m.gemm, M: m.M, binary, context };
      const hit = s.checks.get(key);
      if (hit !== null) return { ok: true, line: `${hit} (passed before on the same binary and inputs: from the check cache)` };
      const r = await run();
      if (r.ok) s.checks.put(key, r.line);
      return r;
    };
    if (m.reference !== false) {
      const r = await cached('reference', async () => {
        const c = m.gemm === 'up' ? await b.checkUpGemm(cfg) : await b.checkDownGemm(cfg);
        return { ok: c.ok, line: `${m.gemm} vs float64 reference: rel error ${c.comparison.relError.toExponential(2)} (tolerance ${c.comparison.tolerance}), ${c.rowsChecked} rows${c.sampled ? ' sampled' : ''}, unwritten ${c.unwrittenCount}` };
      });
      ok &&= r.ok;
      parts.push(r.line);
    }
    if (m.engineSelfCheck && s.layer.engine) {
      const r = await cached('engine-self-check', async () => {
        const e = await b.engineCheck(m.gemm, cfg);
        return {
          ok: e.ok,
          line: e.ok
            ? `engine self-check: launch equal, output bit-identical (${e.outputBytes} bytes), binary ${e.binary}`
            : `engine self-check FAILED: ${e.differences.join('; ')} ${e.bitIdentical ? '' : `${e.differingBytes} bytes differ`}`,
        };
      });
      ok &&= r.ok;
      parts.push(r.line);
    }
  } catch (e) {
    ok = false;
    parts.push(message(e));
  }
  return { type: 'checked', id: m.id, ok, summary: parts.join('; ') };
}

async function main(): Promise<void> {
  const index = deviceIndex();
  const probe = probeDevices();
  const dev = probe.devices[index];
  if (!dev) {
    send({ type: 'hello', protocol: MEASURE_PROTOCOL_VERSION, pid: process.pid, device: null, error: `no GPU ${index}: ${probe.reason ?? `${probe.devices.length} devices`}` });
    process.exit(1);
  }
  const ctx = openContext(index);
  send({ type: 'hello', protocol: MEASURE_PROTOCOL_VERSION, pid: process.pid, device: { index, name: dev.name, arch: dev.arch, driver: dev.driverVersion }, error: null });
  const lines = createInterface({ input: process.stdin });
  // One request at a time, in order.
  let chain: Promise<void> = Promise.resolve();
  // Set when stdin closes (shutdown, or the host died: SIGKILL included): what is still queued is
  // dropped, the request running finishes, and the worker exits instead of outliving its host.
  let closing = false;
  const timed = async <T extends object>(work: Promise<T>, started: number): Promise<T & { ms: number }> => ({ ...(await work), ms: Math.round(performance.now() - started) });
  lines.on('line', (line) => {
    // A background compile runs beside the queue (the compile pool works while the GPU times
    // other configs) and answers when done; everything else is answered in order.
    try {
      const m = JSON.parse(line) as HostMessage;
      if (m.type === 'compile' && m.background && state) {
        const s = state;
        // Not answered once the context died (a failure of the context, not of the config): the
        // host sends compiles in flight again to the restarted worker.
        void timed(compile(s, m), performance.now()).then((a) => (ctx.dead ? undefined : send(a)));
        return;
      }
    } catch {
      // not JSON: ignored below like every other unreadable line
    }
    chain = chain.then(async () => {
      if (closing) return;
      let m: HostMessage;
      try {
        m = JSON.parse(line) as HostMessage;
      } catch {
        return;
      }
      if (m.type === 'shutdown') {
        lines.close();
        return;
      }
      if (m.type === 'setup') return send(await setup(ctx, m).catch((e: unknown) => ({ type: 'ready' as const, id: m.id, ok: false, message: message(e) })));
      if (!state) {
        const id = (m as { id: string }).id;
        return send({ type: 'ready', id, ok: false, message: `${m.type} before setup: send setup first` });
      }
      const started = performance.now();
      const answer =
        m.type === 'compile' ? await timed(compile(state, m), started) : m.type === 'measure' ? await timed(measure(state, m), started) : m.type === 'check' ? await timed(check(state, m), started) : null;
      if (!answer) return;
      if (!ctx.dead) return send(answer);
      // The context died (an illegal address, a trap): it can run nothing more. The request that
      // killed it is answered as a crash (the host skips its config), and the worker exits, to be
      // restarted on a fresh context.
      protocolOut.write(`${JSON.stringify({ ...answer, ok: false, kind: 'worker_crash', message: `the GPU context died: ${ctx.deadReason ?? 'unknown'}` })}\n`, () => process.exit(70));
      closing = true;
    });
  });
  lines.on('close', () => {
    closing = true;
    // Compiles still running in the pool must not keep an orphaned worker (and its GPU memory) alive.
    setTimeout(() => process.exit(0), 10_000).unref();
    void chain.then(async () => {
      if (state) {
        state.layer.dispose();
        await state.pool.close();
      }
      ctx.close();
      process.exit(0);
    });
  });
}

void main();
