// Argument checks done before anything reaches C++.
import { NativeArgumentError } from './errors/native-argument-error';

/** An integer in [min, max] (a safe integer), else NativeArgumentError naming `argument`. */
export function checkInteger(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new NativeArgumentError(argument, `${describe(value)} is not an integer`, `pass an integer from ${min} to ${max}`);
  }
  if (value < min || value > max) {
    throw new NativeArgumentError(argument, `${value} is out of range`, `pass an integer from ${min} to ${max}`);
  }
  return value;
}

/** A bigint in [min, max] or a safe integer number in that range, as a bigint. */
export function checkBigInt(argument: string, value: unknown, min: bigint, max: bigint): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else {
    const what = typeof value === 'number' && Number.isInteger(value) ? 'is beyond 2^53 - 1, not a safe integer' : 'is not an integer';
    throw new NativeArgumentError(argument, `${describe(value)} ${what}`, `pass a bigint or a safe integer from ${min} to ${max}`);
  }
  if (v < min || v > max) {
    throw new NativeArgumentError(argument, `${v} is out of range`, `pass an integer from ${min} to ${max}`);
  }
  return v;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return String(value);
}

/** The bytes of an ArrayBuffer or a view of one, as a Uint8Array over the same memory. */
export function bytesOf(argument: string, data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new NativeArgumentError(
    argument,
    `${describe(data)} is not binary data`,
    'pass a typed array (Uint8Array, Uint16Array for bf16/fp16, Float32Array, ...), a DataView or an ArrayBuffer',
  );
}
