import type { NativeFunction, NativeModule } from './binding';
import type { ContextGuard } from './device-buffer';
import { NativeArgumentError } from './errors/native-argument-error';
import { ResourceReleasedError } from './errors/resource-released-error';
import { nativeCall } from './native-call';
import type { FunctionAttributes, KernelFunction, Module } from './types';
import { checkInteger, describe } from './validate';

/** What a kernel function needs from its context beyond the guard: the device's limits. */
export interface FunctionOwner extends ContextGuard {
  readonly sharedMemoryLimit: number;
}

export class KernelFunctionImpl implements KernelFunction {
  /** The dynamic shared memory limit raised so far (the driver's default until raised). */
  private raisedTo = 0;
  /** Whether the L1/shared split was set to prefer shared memory (done once, before the first launch above 48 KiB). */
  private preferred = false;

  /** @internal */
  constructor(
    readonly native: NativeFunction,
    readonly module: ModuleImpl,
    readonly owner: FunctionOwner,
  ) {}

  get name(): string {
    return this.native.name;
  }

  /** @internal */
  live(operation: string): void {
    if (this.module.unloaded) throw new ResourceReleasedError(operation, 'module');
    this.owner.guard(operation);
  }

  get attributes(): FunctionAttributes {
    this.live('KernelFunction.attributes');
    return nativeCall('KernelFunction.attributes', () => this.native.attributes());
  }

  setMaxDynamicSharedMemory(bytes: number): void {
    const op = 'KernelFunction.setMaxDynamicSharedMemory';
    checkInteger(`${op}(bytes)`, bytes, 0, this.owner.sharedMemoryLimit);
    this.live(op);
    nativeCall(op, () => this.native.setMaxDynamicSharedMemory(bytes));
    this.raisedTo = bytes;
  }

  /**
   * @internal Before a launch that needs more than 48 KiB of dynamic shared memory, set the
   * function up as Triton's own launcher does (its loadBinary): prefer shared memory in the
   * L1/shared split (CU_FUNC_CACHE_PREFER_SHARED) and raise the dynamic limit to the opt-in
   * limit minus the static shared memory. Without the first, the driver may choose a split that
   * fits fewer blocks per SM: measured 2-3% slower than the engine's own launch at M=1024 (PERF.md).
   */
  ensureDynamicShared(bytes: number): void {
    if (bytes <= 48 * 1024 || bytes <= this.raisedTo) return;
    const op = 'KernelFunction.launch';
    this.live(op);
    if (!this.preferred) {
      nativeCall(op, () => this.native.preferSharedMemory());
      this.preferred = true;
    }
    const staticBytes = this.attributes.sharedSizeBytes;
    this.setMaxDynamicSharedMemory(Math.max(bytes, this.owner.sharedMemoryLimit - staticBytes));
  }
}

export class ModuleImpl implements Module {
  unloaded = false;

  /** @internal */
  constructor(
    readonly native: NativeModule,
    readonly owner: FunctionOwner,
  ) {}

  getFunction(name: string): KernelFunction {
    const op = 'Module.getFunction';
    if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
      throw new NativeArgumentError(`${op}(name)`, `${describe(name)} is not a kernel name`, 'pass the kernel\'s name (Triton: metadata.name)');
    }
    if (this.unloaded) throw new ResourceReleasedError(op, 'module');
    this.owner.guard(op);
    const fn = nativeCall(op, () => this.native.getFunction(name));
    return new KernelFunctionImpl(fn, this, this.owner);
  }

  unload(): void {
    // Refused (ModuleInUseError) while graphs captured from its kernels are alive.
    nativeCall('Module.unload', () => this.native.unload());
    this.unloaded = true;
  }
}
