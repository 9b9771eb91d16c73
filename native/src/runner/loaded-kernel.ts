import type { Context, DeviceBuffer, Dim3, KernelFunction, KernelParam, Module, Stream } from '../addon/types';
import type { CompileResult, CompileSuccess } from '../compile/types';
import { KernelCompileError } from './errors/kernel-compile-error';
import { MissingKernelArgumentError } from './errors/missing-kernel-argument-error';
import { SpecializationMismatchError } from './errors/specialization-mismatch-error';

/** A launch argument by name: a buffer, a raw address, null, or a number. */
export type ArgValue = DeviceBuffer | bigint | null | number;

/** A compiled kernel loaded into a context, launched with arguments by name. */
export interface LoadedKernel {
  readonly result: CompileSuccess;
  readonly fn: KernelFunction;
  /** Packs `args` by the compile result's ordered params, appends Triton's scratch pointers, launches. */
  launch(grid: Dim3, args: Readonly<Record<string, ArgValue>>, stream?: Stream | null): void;
}

function gridCount(grid: Dim3): number {
  if (typeof grid === 'number') return grid;
  return (grid as readonly number[]).reduce((a, b) => a * b, 1);
}

function address(v: DeviceBuffer | bigint | null): bigint {
  if (v === null) return 0n;
  return typeof v === 'bigint' ? v : v.ptr;
}

/** Packs launch params in the binary's order and checks them against its specialisation. */
export function packParams(result: CompileSuccess, args: Readonly<Record<string, ArgValue>>): KernelParam[] {
  const out: KernelParam[] = [];
  for (const p of result.params) {
    if (!(p.name in args)) throw new MissingKernelArgumentError(result.metadata.name, p.name, Object.keys(args));
    const v = args[p.name]!;
    if (p.type === 'ptr') {
      if (typeof v === 'number') throw new MissingKernelArgumentError(result.metadata.name, `${p.name} (a pointer, given a number)`, Object.keys(args));
      if (p.specialization === 'div16' && address(v) % 16n !== 0n) {
        throw new SpecializationMismatchError(result.metadata.name, p.name, address(v), p.specialization);
      }
      out.push({ type: 'ptr', value: v });
      continue;
    }
    if (typeof v !== 'number' && typeof v !== 'bigint') {
      throw new MissingKernelArgumentError(result.metadata.name, `${p.name} (a number, given a pointer)`, Object.keys(args));
    }
    if (p.specialization === 'div16' && BigInt(v) % 16n !== 0n) {
      throw new SpecializationMismatchError(result.metadata.name, p.name, v, p.specialization);
    }
    if (p.type === 'f32') out.push({ type: 'f32', value: Number(v) });
    else if (p.type === 'i32') out.push({ type: 'i32', value: Number(v) });
    else out.push({ type: p.type, value: v });
  }
  return out;
}

/** Loads compile results into one context, once per cache key. */
export class KernelLoader {
  private readonly modules = new Map<string, { module: Module; kernel: LoadedKernel }>();
  private readonly scratch = new Map<string, DeviceBuffer>();

  constructor(private readonly ctx: Context) {}

  load(what: string, result: CompileResult): LoadedKernel {
    if (!result.ok) throw new KernelCompileError(what, result);
    const hit = this.modules.get(result.cacheKey);
    if (hit) return hit.kernel;
    const module = this.ctx.loadModule(result.binary);
    const fn = module.getFunction(result.metadata.name);
    const md = result.metadata;
    const block = md.num_warps * (md.target.warp_size ?? this.ctx.device.warpSize);
    const ctx = this.ctx;
    const scratch = this.scratch;
    // Scratch is sized per program; kept per grid size so a graph capture reuses what an eager launch allocated.
    const scratchFor = (kind: string, size: number, align: number, grid: Dim3): DeviceBuffer | null => {
      if (!size) return null;
      const key = `${result.cacheKey}:${kind}:${gridCount(grid)}`;
      let buf = scratch.get(key);
      if (!buf) {
        const per = Math.ceil(size / Math.max(align, 1)) * Math.max(align, 1);
        buf = ctx.alloc(per * gridCount(grid) * Math.max(md.num_ctas, 1));
        scratch.set(key, buf);
      }
      return buf;
    };
    const kernel: LoadedKernel = {
      result,
      fn,
      launch(grid, args, stream) {
        const params = packParams(result, args);
        params.push({ type: 'ptr', value: scratchFor('global', md.global_scratch_size, md.global_scratch_align, grid) });
        params.push({ type: 'ptr', value: scratchFor('profile', md.profile_scratch_size, md.profile_scratch_align, grid) });
        ctx.launch(fn, { grid, block: [block, 1, 1], sharedBytes: md.shared, stream: stream ?? null, params });
      },
    };
    this.modules.set(result.cacheKey, { module, kernel });
    return kernel;
  }

  dispose(): void {
    for (const b of this.scratch.values()) if (!b.freed) b.free();
    this.scratch.clear();
    for (const { module } of this.modules.values()) module.unload();
    this.modules.clear();
  }
}
