// Grid/block sizes and kernel parameters, checked and packed the way the addon launches them.
import { NativeArgumentError } from './errors/native-argument-error';
import type { Dim3, KernelParam } from './types';
import { checkBigInt, checkInteger, describe } from './validate';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const U32_MAX = 2 ** 32 - 1;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** Bytes per packed parameter: the driver reads each parameter from the start of its slot. */
export const PARAM_SLOT_BYTES = 8;

/** [x, y, z] of a Dim3, each an integer from 1 to its limit. */
export function toDim3(argument: string, dim: Dim3, limits: readonly [number, number, number]): [number, number, number] {
  const parts: unknown[] = typeof dim === 'number' ? [dim] : Array.isArray(dim) ? [...(dim as unknown[])] : [dim];
  if (parts.length < 1 || parts.length > 3) {
    throw new NativeArgumentError(argument, `${describe(dim)} has ${parts.length} sizes`, 'pass x, [x], [x, y] or [x, y, z]');
  }
  while (parts.length < 3) parts.push(1);
  return parts.map((p, i) => checkInteger(`${argument}[${i}]`, p, 1, limits[i] as number)) as [number, number, number];
}

/** Something with a device address: our DeviceBuffer. */
export interface HasDevicePointer {
  readonly ptr: bigint;
  readonly bytes: number;
  readonly freed: boolean;
}

function isBuffer(value: unknown): value is HasDevicePointer {
  return typeof value === 'object' && value !== null && typeof (value as HasDevicePointer).ptr === 'bigint';
}

/** Packs parameters into one 8-byte little-endian slot each, in order. */
export function packKernelParams(argument: string, params: readonly KernelParam[]): Uint8Array {
  if (!Array.isArray(params)) {
    throw new NativeArgumentError(argument, `${describe(params)} is not an array`, 'pass params as an array of { type, value } in the kernel\'s order');
  }
  const out = new Uint8Array(params.length * PARAM_SLOT_BYTES);
  const view = new DataView(out.buffer);
  // "f(options.params)" -> "f(options.params[3])", "f(options.params[3].value)"
  const closing = argument.endsWith(')') ? ')' : '';
  const base = closing ? argument.slice(0, -1) : argument;
  const at_ = (i: number, field = '') => `${base}[${i}]${field}${closing}`;
  params.forEach((param: KernelParam, i) => {
    const arg = at_(i);
    const at = i * PARAM_SLOT_BYTES;
    if (typeof param !== 'object' || param === null) {
      throw new NativeArgumentError(arg, `${describe(param)} is not a parameter`, 'pass { type, value } with type ptr, i32, u32, i64, u64 or f32');
    }
    switch (param.type) {
      case 'ptr': {
        const v = param.value;
        if (v === null) view.setBigUint64(at, 0n, true);
        else if (isBuffer(v)) {
          if (v.freed) throw new NativeArgumentError(at_(i, '.value'), 'the buffer was freed', 'pass a live buffer');
          view.setBigUint64(at, v.ptr, true);
        } else view.setBigUint64(at, checkBigInt(at_(i, '.value'), v, 0n, U64_MAX), true);
        break;
      }
      case 'i32':
        view.setInt32(at, checkInteger(at_(i, '.value'), param.value, I32_MIN, I32_MAX), true);
        break;
      case 'u32':
        view.setUint32(at, checkInteger(at_(i, '.value'), param.value, 0, U32_MAX), true);
        break;
      case 'i64':
        view.setBigInt64(at, checkBigInt(at_(i, '.value'), param.value, I64_MIN, I64_MAX), true);
        break;
      case 'u64':
        view.setBigUint64(at, checkBigInt(at_(i, '.value'), param.value, 0n, U64_MAX), true);
        break;
      case 'f32':
        if (typeof param.value !== 'number') {
          throw new NativeArgumentError(at_(i, '.value'), `${describe(param.value)} is not a number`, 'pass a number for an f32 parameter');
        }
        view.setFloat32(at, param.value, true);
        break;
      default:
        throw new NativeArgumentError(
          at_(i, '.type'),
          `${describe((param as { type: unknown }).type)} is not a parameter type`,
          'use ptr, i32, u32, i64, u64 or f32',
        );
    }
  });
  return out;
}
