import type { NativeBuffer } from './binding';
import { NativeArgumentError } from './errors/native-argument-error';
import { ResourceReleasedError } from './errors/resource-released-error';
import { nativeCall, nativeCallAsync } from './native-call';
import type { DeviceBuffer } from './types';
import { bytesOf, checkInteger, describe } from './validate';

/** What a resource needs from its context: the check that it is still open and alive. */
export interface ContextGuard {
  guard(operation: string): void;
}

export class DeviceBufferImpl implements DeviceBuffer {
  /** @internal */
  constructor(
    readonly native: NativeBuffer,
    readonly owner: ContextGuard,
  ) {}

  get ptr(): bigint {
    return this.native.ptr;
  }

  get bytes(): number {
    return this.native.bytes;
  }

  get freed(): boolean {
    return this.native.freed;
  }

  private live(operation: string): void {
    if (this.native.freed) throw new ResourceReleasedError(operation, 'device buffer');
    this.owner.guard(operation);
  }

  private range(operation: string, offset: unknown, bytes: unknown, defaultBytes: number): [number, number] {
    const off = checkInteger(`${operation}(offsetBytes)`, offset, 0, this.bytes);
    const len = checkInteger(`${operation}(bytes)`, bytes ?? defaultBytes - off, 0, this.bytes);
    if (off + len > this.bytes) {
      throw new NativeArgumentError(
        `${operation}(range)`,
        `${len} bytes at offset ${off} run past the end of the ${this.bytes}-byte buffer`,
        'use a smaller range or a larger buffer',
      );
    }
    return [off, len];
  }

  upload(data: ArrayBufferView | ArrayBuffer, offsetBytes = 0): void {
    const op = 'DeviceBuffer.upload';
    const bytes = bytesOf(`${op}(data)`, data);
    const [off] = this.range(op, offsetBytes, bytes.byteLength, this.bytes);
    this.live(op);
    nativeCall(op, () => this.native.upload(bytes, off));
  }

  download(range: { offsetBytes?: number; bytes?: number } = {}): Promise<Uint8Array> {
    const op = 'DeviceBuffer.download';
    try {
      const [off, len] = this.range(op, range.offsetBytes ?? 0, range.bytes, this.bytes);
      this.live(op);
      // Allocated here: a host array too large for this process is a RangeError to report, where
      // the addon allocating it would abort the process.
      let out: Uint8Array;
      try {
        out = new Uint8Array(len);
      } catch (err) {
        throw new NativeArgumentError(
          `${op}(range)`,
          `${len} bytes cannot be allocated on the host (${(err as Error).message})`,
          'download a smaller range at a time',
        );
      }
      return nativeCallAsync(op, () => this.native.download(off, out));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  fill(value: number, elementBytes: 1 | 2 | 4 = 1): void {
    const op = 'DeviceBuffer.fill';
    if (elementBytes !== 1 && elementBytes !== 2 && elementBytes !== 4) {
      throw new NativeArgumentError(`${op}(elementBytes)`, `${describe(elementBytes)} is not 1, 2 or 4`, 'fill with 1-, 2- or 4-byte values');
    }
    checkInteger(`${op}(value)`, value, 0, 2 ** (8 * elementBytes) - 1);
    if (this.bytes % elementBytes !== 0) {
      throw new NativeArgumentError(
        `${op}(elementBytes)`,
        `the ${this.bytes}-byte buffer is not a whole number of ${elementBytes}-byte values`,
        'fill with a smaller element size',
      );
    }
    this.live(op);
    nativeCall(op, () => this.native.fill(value, elementBytes));
  }

  copyFrom(src: DeviceBuffer, range: { srcOffsetBytes?: number; dstOffsetBytes?: number; bytes?: number } = {}): void {
    const op = 'DeviceBuffer.copyFrom';
    if (!(src instanceof DeviceBufferImpl)) {
      throw new NativeArgumentError(`${op}(src)`, `${describe(src)} is not a device buffer`, 'pass a buffer from Context.alloc()');
    }
    const srcOff = checkInteger(`${op}(srcOffsetBytes)`, range.srcOffsetBytes ?? 0, 0, src.bytes);
    const dstOff = checkInteger(`${op}(dstOffsetBytes)`, range.dstOffsetBytes ?? 0, 0, this.bytes);
    const len = checkInteger(`${op}(bytes)`, range.bytes ?? Math.min(src.bytes - srcOff, this.bytes - dstOff), 0, Number.MAX_SAFE_INTEGER);
    if (srcOff + len > src.bytes || dstOff + len > this.bytes) {
      throw new NativeArgumentError(`${op}(range)`, `${len} bytes run past the end of the source or the destination`, 'copy fewer bytes');
    }
    if (src.freed) throw new ResourceReleasedError(op, 'device buffer');
    this.live(op);
    nativeCall(op, () => this.native.copyFrom(src.native, srcOff, dstOff, len));
  }

  free(): void {
    nativeCall('DeviceBuffer.free', () => this.native.free());
  }
}
