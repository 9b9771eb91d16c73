import { bf16FromFloat, bf16ToFloat } from './bf16';
import { fp16FromFloat, fp16ToFloat } from './fp16';
import { fp8e4m3FromFloat, fp8e4m3ToFloat } from './fp8-e4m3';

/** Element types of device buffers the runner fills and reads. */
export type ElementType = 'bf16' | 'fp16' | 'fp32' | 'fp8e4m3' | 'int32';

export const ELEMENT_BYTES: Readonly<Record<ElementType, number>> = {
  bf16: 2,
  fp16: 2,
  fp32: 4,
  fp8e4m3: 1,
  int32: 4,
};

/** Encodes values (rounded to float32 first, then to the type) into little-endian bytes. */
export function encodeElements(values: ArrayLike<number>, type: ElementType): Uint8Array {
  const n = values.length;
  switch (type) {
    case 'bf16':
    case 'fp16': {
      const out = new Uint16Array(n);
      const f = type === 'bf16' ? bf16FromFloat : fp16FromFloat;
      for (let i = 0; i < n; i++) out[i] = f(values[i]!);
      return new Uint8Array(out.buffer);
    }
    case 'fp32':
      return new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
    case 'fp8e4m3': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = fp8e4m3FromFloat(values[i]!);
      return out;
    }
  }
}

/** Decodes little-endian bytes of a type into float64 values. */
export function decodeElements(bytes: Uint8Array, type: ElementType): Float64Array {
  const size = ELEMENT_BYTES[type];
  const n = Math.floor(bytes.byteLength / size);
  const out = new Float64Array(n);
  // Copy into an aligned buffer: a download may hand back any byteOffset.
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  switch (type) {
    case 'bf16':
    case 'fp16': {
      const v = new Uint16Array(aligned.buffer, aligned.byteOffset, n);
      const f = type === 'bf16' ? bf16ToFloat : fp16ToFloat;
      for (let i = 0; i < n; i++) out[i] = f(v[i]!);
      return out;
    }
    case 'fp32': {
      const v = new Float32Array(aligned.buffer, aligned.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = v[i]!;
      return out;
    }
    case 'int32': {
      const v = new Int32Array(aligned.buffer, aligned.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = v[i]!;
      return out;
    }
    case 'fp8e4m3':
      for (let i = 0; i < n; i++) out[i] = fp8e4m3ToFloat(aligned[i]!);
      return out;
  }
}

/** The value x becomes once stored in the type (what the device will read back). */
export function roundToElement(x: number, type: ElementType): number {
  switch (type) {
    case 'bf16':
      return bf16ToFloat(bf16FromFloat(x));
    case 'fp16':
      return fp16ToFloat(fp16FromFloat(x));
    case 'fp32':
      return Math.fround(x);
    case 'int32':
      return x | 0;
    case 'fp8e4m3':
      return fp8e4m3ToFloat(fp8e4m3FromFloat(x));
  }
}
