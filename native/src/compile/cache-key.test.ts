import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson } from './cache-key';
import { findKernelsDir, kernelSourceHash } from './kernels-dir';
import { gemmCompileRequest } from './requests';
import { resolveRequest } from './resolve-request';
import type { CompileRequest } from './types';

const ctx = { sourceHash: 'a'.repeat(64), tritonVersion: '3.6.0' };
const key = (r: CompileRequest, c = ctx) => cacheKey(resolveRequest(r), c);

// LFM2-8B-A1B TP1 up GEMM at M=64, top-4: E=32, 2N=3584, K=2048, BLOCK_SIZE_M=64 ->
// numel 256, EM = 256 + 32*63 = 2272.
const base = (): CompileRequest =>
  gemmCompileRequest({
    mode: 'bf16',
    config: { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 8, num_warps: 4, num_stages: 3 },
    topK: 4,
    mulRoutedWeight: false,
    ints: {
      N: 3584,
      K: 2048,
      EM: 2272,
      num_valid_tokens: 256,
      stride_am: 2048,
      stride_ak: 1,
      stride_be: 3584 * 2048,
      stride_bk: 1,
      stride_bn: 2048,
      stride_cm: 3584,
      stride_cn: 1,
    },
    target: { backend: 'cuda', arch: 'sm_90', warpSize: 32 },
  });

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });
});

describe('cacheKey', () => {
  it('is a sha256 hex string and does not depend on key order or written-out defaults', () => {
    const a = base();
    expect(key(a)).toMatch(/^[0-9a-f]{64}$/);
    const reordered: CompileRequest = {
      ...a,
      constexprs: Object.fromEntries(Object.entries(a.constexprs).reverse()),
      specialization: Object.fromEntries(Object.entries(a.specialization!).reverse()),
    };
    expect(key(reordered)).toBe(key(a));
    // Pointers default to div16 and keep their default types when left out.
    const explicit: CompileRequest = {
      ...a,
      types: { ...a.types, sorted_token_ids_ptr: '*i32', expert_ids_ptr: '*i32' },
      specialization: { ...a.specialization, a_ptr: 'div16', b_ptr: 'div16', num_tokens_post_padded_ptr: 'div16' },
    };
    expect(key(explicit)).toBe(key(a));
    expect(key({ ...a, options: {} })).toBe(key(a));
  });

  it('changes with every input that changes the binary', () => {
    const a = base();
    const k = key(a);
    const variants: CompileRequest[] = [
      { ...a, num_warps: 8 },
      { ...a, num_stages: 4 },
      { ...a, constexprs: { ...a.constexprs, BLOCK_SIZE_N: 64 } },
      { ...a, constexprs: { ...a.constexprs, GROUP_SIZE_M: 16 } },
      { ...a, constexprs: { ...a.constexprs, EVEN_K: false } },
      {
        ...a,
        constexprs: Object.fromEntries(
          Object.entries({ ...a.constexprs, MUL_ROUTED_WEIGHT: true }).filter(([name]) => name !== 'topk_weights_ptr'),
        ),
      },
      { ...a, target: { ...a.target, arch: 'sm_100' } },
      { ...a, types: { ...a.types, a_ptr: '*fp16', b_ptr: '*fp16', c_ptr: '*fp16' } },
      { ...a, specialization: { ...a.specialization, EM: 'none' } },
      { ...a, specialization: { ...a.specialization, a_ptr: 'none' } },
      { ...a, options: { maxnreg: 128 } },
    ];
    const keys = variants.map((v) => key(v));
    for (const other of keys) expect(other).not.toBe(k);
    expect(new Set(keys).size).toBe(keys.length);
    expect(key(a, { ...ctx, tritonVersion: '3.5.1' })).not.toBe(k);
    expect(key(a, { ...ctx, sourceHash: 'b'.repeat(64) })).not.toBe(k);
  });
});

describe('resolveRequest', () => {
  it('rejects unknown kernels and params, missing constexprs, and pointers specialised to one', () => {
    const a = base();
    expect(() => resolveRequest({ ...a, kernel: 'nope' as never })).toThrow(/unknown kernel 'nope'.*fused_moe_gemm/);
    expect(() => resolveRequest({ ...a, constexprs: { ...a.constexprs, BLOCK_SIZE_Q: 1 } })).toThrow(/constexprs\.BLOCK_SIZE_Q is not a param of fused_moe_gemm/);
    const { BLOCK_SIZE_K: _k, ...missing } = a.constexprs;
    expect(() => resolveRequest({ ...a, constexprs: missing })).toThrow(/constexprs\.BLOCK_SIZE_K is missing/);
    expect(() => resolveRequest({ ...a, specialization: { a_ptr: 'one' } })).toThrow(/a_ptr: a pointer cannot be 'one'/);
    expect(() => resolveRequest({ ...a, target: { backend: 'cuda', arch: 'gfx942', warpSize: 32 } })).toThrow(/not an NVIDIA arch/);
    expect(() => resolveRequest({ ...a, num_warps: 0 })).toThrow(/num_warps must be a positive integer/);
    expect(() => resolveRequest({ ...a, types: { BLOCK_SIZE_M: 'i32' } })).toThrow(/BLOCK_SIZE_M is a constexpr/);
  });

  it('compiles runtime params named in constexprs in as constants', () => {
    const r = resolveRequest(base());
    expect(r.constexprs.a_scale_ptr).toBeNull();
    expect(r.constexprs.stride_bsn).toBe(0);
    expect(r.types).not.toHaveProperty('a_scale_ptr');
    expect(r.specialization).not.toHaveProperty('topk_weights_ptr');
    expect(r.specialization.stride_ak).toBe('one');
    expect(r.specialization.EM).toBe('div16'); // 2272 = 16 * 142
    expect(r.specialization.num_valid_tokens).toBe('div16'); // 256
  });
});

describe('kernelSourceHash', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'moe-src-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('changes with any .py byte of the kernels and ignores caches and other files', () => {
    const copy = path.join(tmp, 'python');
    cpSync(findKernelsDir(), copy, { recursive: true });
    const h0 = kernelSourceHash(copy);
    expect(h0).toBe(kernelSourceHash(findKernelsDir()));
    mkdirSync(path.join(copy, 'moe_kit_kernels', '__pycache__'), { recursive: true });
    writeFileSync(path.join(copy, 'moe_kit_kernels', '__pycache__', 'gemm.cpython-312.pyc'), 'x');
    writeFileSync(path.join(copy, 'moe_kit_kernels', 'notes.txt'), 'x');
    expect(kernelSourceHash(copy)).toBe(h0);
    const gemm = path.join(copy, 'moe_kit_kernels', 'gemm.py');
    writeFileSync(gemm, `${readFileSync(gemm, 'utf8')}\n`);
    expect(kernelSourceHash(copy)).not.toBe(h0);
  });
});
