import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTree } from './__fixtures__/fake-engines';
import { readEngineTree } from './engine-tree';
import { UnsafePathError } from './errors/unsafe-path-error';
import { sglangDefaultConfig, vllmDefaultConfig } from './default-config';
import { EngineWouldFailError } from './errors/engine-would-fail-error';
import type { KernelConfig } from '@moe/engine-facts';
import type { LookupQuery } from './lookup';
import { lookupConfig, memorySource, sglangSearchOrder, treeSource } from './lookup';

// Every expectation below is worked out by hand from ../shared/design/ENGINES.md.

/** A config whose BLOCK_SIZE_N tags where it came from. */
const c = (tag: number, m = 16, extra: Partial<KernelConfig> = {}): KernelConfig => ({
  BLOCK_SIZE_M: m,
  BLOCK_SIZE_N: tag,
  BLOCK_SIZE_K: 64,
  GROUP_SIZE_M: 1,
  num_warps: 4,
  num_stages: 3,
  ...extra,
});
const file = (entries: [number, KernelConfig][]) => `${JSON.stringify(Object.fromEntries(entries.map(([k, v]) => [String(k), v])), null, 4)}\n`;
/** JSON text with keys in the order given (JSON.stringify would sort integer keys). */
const fileInOrder = (entries: [number, KernelConfig][]) => `{${entries.map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`;

const NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
const OLD_ONLY = 'E=16,N=1024,device_name=NVIDIA_H100_80GB_HBM3.json';
const sglangFiles = {
  [`triton_3_1_0/${NAME}`]: file([
    [1, c(32)],
    [64, c(32)],
  ]),
  [`triton_3_5_1/${NAME}`]: file([
    [1, c(128)],
    [8, c(128)],
    [32, c(128)],
    [48, c(128)],
  ]),
  [`triton_3_5_1/${NAME.replace('.json', '_down.json')}`]: file([
    [1, c(256, 64, { USE_TMA: true })],
    [4096, c(256, 128)],
  ]),
  [`triton_3_6_0/E=1,N=1,device_name=NVIDIA_H100_80GB_HBM3.json`]: file([[1, c(16)]]),
  [`triton_3_1_0/${OLD_ONLY}`]: file([[1, c(64)]]),
};
const h100 = { E: 8, N: 7168, deviceName: 'NVIDIA H100 80GB HBM3', dtype: null, blockShape: null, perChannelQuant: false };
const sg = (over: Partial<LookupQuery>, files: Record<string, string> = sglangFiles) =>
  lookupConfig({ engine: 'sglang', key: h100, ms: [1], ...over }, memorySource(files));

describe('SGLang file resolution (Triton folders)', () => {
  it.each([
    // running version, expected folder, why
    ['3.5.1', 'triton_3_5_1', 'the running version has the file'],
    ['3.1.0', 'triton_3_1_0', 'the running version has its own (older) file'],
    ['3.4.0', 'triton_3_5_1', 'no folder for 3.4.0: newest first, 3.6.0 lacks it, 3.5.1 has it (newer than running)'],
    ['3.7.0', 'triton_3_5_1', 'newer than every folder: newest having the file'],
    ['3.6.0', 'triton_3_5_1', '3.6.0 folder lacks it: the running folder is skipped, 3.5.1 next'],
  ])('Triton %s -> %s (%s)', (running, folder) => {
    const r = sg({ tritonVersion: running });
    expect(r.file).toBe(`${folder}/${NAME}`);
  });

  it('falls back unbounded to the oldest folder when only it has the file', () => {
    const r = sg({ tritonVersion: '3.6.0', key: { ...h100, E: 16, N: 1024 } });
    expect(r.file).toBe(`triton_3_1_0/${OLD_ONLY}`);
    expect(r.fallbackFrom).toBe('triton_3_1_0');
    expect(r.tried).toEqual([`triton_3_6_0/${OLD_ONLY}`, `triton_3_5_1/${OLD_ONLY}`, `triton_3_1_0/${OLD_ONLY}`]);
  });

  it('orders folders newest first by numeric version, running one first', () => {
    expect(sglangSearchOrder(['triton_3_10_0', 'triton_3_2_0', 'triton_3_9_1'], '3.2.0')).toEqual(['triton_3_2_0', 'triton_3_10_0', 'triton_3_9_1']);
    expect(() => sglangSearchOrder(['triton_3_5_1_post1'], null)).toThrow(EngineWouldFailError);
  });

  it('an empty file in the running folder means the default, without fallback', () => {
    const files = { ...sglangFiles, [`triton_3_6_0/${NAME}`]: '{}\n' };
    const r = sg({ tritonVersion: '3.6.0', ms: [4] }, files);
    expect(r.results[0]).toMatchObject({ source: 'default', file: null, key: null });
  });
});

describe('nearest batch key (both engines)', () => {
  it.each([
    [1, 1],
    [4, 1], // |4-1|=3 < |4-8|=4
    [5, 8], // |5-8|=3 < |5-1|=4
    [20, 8], // tie 12/12 -> the smaller
    [40, 32], // tie 8/8 -> the smaller
    [41, 48],
    [4096, 48], // above the largest -> the largest
  ])('M=%i -> key %i', (m, key) => {
    expect(sg({ tritonVersion: '3.5.1', ms: [m] }).results[0]).toMatchObject({ source: 'file', key, m });
    const v = lookupConfig(
      { engine: 'vllm', key: h100, ms: [m] },
      memorySource({ [NAME]: sglangFiles[`triton_3_5_1/${NAME}`] as string }),
    );
    expect(v.results[0]).toMatchObject({ source: 'file', key, file: NAME });
  });

  it('a tie goes to the key first in file order when the file is not sorted', () => {
    const files = { [`triton_3_5_1/${NAME}`]: fileInOrder([[64, c(64)], [16, c(16)]]) };
    expect(sg({ tritonVersion: '3.5.1', ms: [40] }, files).results[0]?.key).toBe(64);
  });
});

describe('SGLang down files', () => {
  it("forces the down entry's BLOCK_SIZE_M to the up entry's", () => {
    const r = sg({ tritonVersion: '3.5.1', down: true, ms: [1, 4096] });
    expect(r.file).toBe(`triton_3_5_1/${NAME.replace('.json', '_down.json')}`);
    // M=1: up key 1 has BLOCK_SIZE_M 16, down key 1 has 64 -> 16.
    expect(r.results[0]).toMatchObject({ key: 1, config: { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 256, USE_TMA: true } });
    // M=4096: up key 48 (BLOCK_SIZE_M 16), down key 4096 (BLOCK_SIZE_M 128) -> 16.
    expect(r.results[1]).toMatchObject({ key: 4096, config: { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 256 } });
  });

  it('uses the up config when there is no down file', () => {
    const r = sg({ tritonVersion: '3.1.0', down: true, ms: [1] }, { [`triton_3_1_0/${NAME}`]: sglangFiles[`triton_3_1_0/${NAME}`] as string });
    expect(r.results[0]).toMatchObject({ source: 'file', file: `triton_3_1_0/${NAME}`, key: 1, config: { BLOCK_SIZE_N: 32 } });
  });
});

describe('vLLM file resolution', () => {
  const H200 = 'E=64,N=640,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json';
  const key = { E: 64, N: 640, deviceName: 'NVIDIA H200 NVL', dtype: 'fp8_w8a8', blockShape: [128, 128] as [number, number], perChannelQuant: false };
  it('maps the H200 family to NVIDIA_H200, spells the block shape without a space, ignores triton_version', () => {
    const r = lookupConfig(
      { engine: 'vllm', key, ms: [3] },
      memorySource({ [H200]: JSON.stringify({ triton_version: '3.5.1', '2': c(64, 16, { BLOCK_SIZE_K: 128 }) }) }),
    );
    expect(r.fileName).toBe(H200);
    expect(r.results[0]).toMatchObject({ source: 'file', key: 2 });
  });

  it('reads VLLM_TUNED_CONFIG_FOLDER first', () => {
    const user = memorySource({ [H200]: file([[1, c(32, 16, { BLOCK_SIZE_K: 128 })]]) }, 'user/');
    const shipped = memorySource({ [H200]: file([[1, c(64, 16, { BLOCK_SIZE_K: 128 })]]) }, 'shipped/');
    const r = lookupConfig({ engine: 'vllm', key, ms: [1] }, [user, shipped]);
    expect(r.results[0]).toMatchObject({ file: `user/${H200}`, config: { BLOCK_SIZE_N: 32 } });
    const r2 = lookupConfig({ engine: 'vllm', key, ms: [1] }, [memorySource({}), shipped]);
    expect(r2.results[0]?.file).toBe(`shipped/${H200}`);
  });

  it('refuses to answer for a file the engine cannot load', () => {
    expect(() => lookupConfig({ engine: 'vllm', key, ms: [1] }, memorySource({ [H200]: '{"1": ' }))).toThrow(EngineWouldFailError);
  });
});

const pick = (k: KernelConfig) => [k.BLOCK_SIZE_M, k.BLOCK_SIZE_N, k.BLOCK_SIZE_K, k.GROUP_SIZE_M, k.num_warps, k.num_stages];

describe('default configs', () => {
  it.each([
    // m, e, dtype, block, platform, expected [BM, BN, BK, GM, warps, stages]
    [4, 8, null, null, 'cuda', [16, 32, 64, 1, 4, 3]], // M <= E; warps/stages are Triton's defaults
    [8, 8, null, null, 'cuda', [16, 32, 64, 1, 4, 3]],
    [16, 8, null, null, 'cuda', [64, 64, 32, 8, 4, 3]],
    [16, 8, null, null, 'rocm', [64, 64, 32, 8, 4, 2]],
    [4, 8, 'fp8_w8a8', null, 'cuda', [64, 128, 128, 1, 4, 4]],
    [64, 8, 'fp8_w8a8', null, 'cuda', [128, 256, 128, 32, 8, 4]],
    [64, 8, 'fp8_w8a8', null, 'rocm', [128, 256, 128, 32, 8, 2]],
    [64, 256, 'fp8_w8a8', [128, 128], 'cuda', [64, 128, 128, 32, 4, 3]],
    [4, 8, 'int8_w8a16', null, 'cuda', [16, 32, 64, 1, 4, 3]],
  ] as const)('SGLang M=%i E=%i %s %j %s', (m, e, dtype, block, platform, expected) => {
    const d = sglangDefaultConfig({ m, e, dtype, blockShape: block ? [...block] : null, platform });
    expect(pick(d.config)).toEqual(expected);
  });

  it.each([
    [1, 64, null, null, 'cuda', [16, 64, 128, 1, 4, 4]],
    [32, 64, null, null, 'cuda', [16, 64, 128, 1, 4, 4]],
    [33, 64, null, null, 'cuda', [32, 64, 128, 1, 4, 3]],
    [64, 64, null, null, 'cuda', [32, 64, 128, 1, 4, 3]],
    [65, 64, null, null, 'cuda', [32, 128, 64, 1, 4, 3]],
    [96, 64, null, null, 'cuda', [32, 128, 64, 1, 4, 3]],
    [97, 64, null, null, 'cuda', [64, 128, 64, 1, 4, 3]],
    [128, 64, null, null, 'cuda', [64, 128, 64, 1, 4, 3]],
    [129, 64, null, null, 'cuda', [64, 128, 64, 1, 8, 3]],
    [512, 64, null, null, 'cuda', [64, 128, 64, 1, 8, 3]],
    [513, 64, null, null, 'cuda', [128, 128, 64, 1, 8, 3]],
    [1032, 8, null, null, 'cuda', [128, 128, 64, 16, 8, 3]], // 1032 // 8 = 129 > 128
    [2048, 8, null, null, 'cuda', [128, 128, 64, 16, 8, 3]], // 2048 // 8 = 256 > 128
    [1024, 8, null, null, 'cuda', [128, 128, 64, 1, 8, 3]], // 1024 // 8 = 128, not > 128
    [100, 64, 'fp8_w8a8', null, 'cuda', [64, 128, 128, 1, 4, 3]], // fp8 keeps BLOCK_K 128
    [16, 64, null, null, 'rocm', [16, 64, 128, 1, 4, 2]],
    [16, 256, 'fp8_w8a8', [128, 128], 'cuda', [16, 128, 128, 1, 4, 3]],
    [17, 256, 'fp8_w8a8', [128, 128], 'cuda', [16, 128, 128, 32, 4, 3]],
    [65, 256, 'fp8_w8a8', [128, 128], 'cuda', [64, 128, 128, 32, 4, 3]],
    [65, 256, 'fp8_w8a8', [128, 128], 'rocm', [64, 128, 128, 32, 4, 2]],
  ] as const)('vLLM M=%i E=%i %s %j %s', (m, e, dtype, block, platform, expected) => {
    const d = vllmDefaultConfig({ m, e, dtype, blockShape: block ? [...block] : null, platform });
    expect(pick(d.config)).toEqual(expected);
    expect(d.config.SPLIT_K).toBe(1);
  });

  it('vLLM int4/int8 w*a16 with group quantization sets BLOCK_M 16/32/64 at M <= 20/40/more', () => {
    const at = (m: number) => vllmDefaultConfig({ m, e: 64, dtype: 'int8_w8a16', blockShape: [0, 128], platform: 'cuda' }).config;
    expect([at(1).BLOCK_SIZE_M, at(1).BLOCK_SIZE_N, at(1).BLOCK_SIZE_K]).toEqual([16, 32, 64]);
    expect([at(20).BLOCK_SIZE_M, at(21).BLOCK_SIZE_M, at(40).BLOCK_SIZE_M, at(41).BLOCK_SIZE_M]).toEqual([16, 32, 32, 64]);
    expect([at(41).BLOCK_SIZE_N, at(41).BLOCK_SIZE_K, at(41).GROUP_SIZE_M]).toEqual([64, 32, 1]);
    // int4 on CUDA with M*topk/E <= 6 uses the CUDA kernel: BLOCK_M = min(16, M), nothing else set.
    const cuda = vllmDefaultConfig({ m: 8, e: 64, dtype: 'int4_w4a16', blockShape: [0, 128], platform: 'cuda', topk: 8 });
    expect(cuda.engineDict).toEqual({ BLOCK_SIZE_M: 8, SPLIT_K: 1 });
  });

  it('notes every default rule used across the batch sizes (int4: CUDA kernel at M x topk / E <= 6, Triton above)', () => {
    const key = { ...h100, E: 8, dtype: 'int4_w4a16' };
    // M = 24: 24 x 2 / 8 = 6 -> CUDA kernel; M = 25: 6.25 -> Triton wna16.
    const r = lookupConfig({ engine: 'vllm', key, ms: [24, 25], groupSize: 128, topk: 2 }, memorySource({}));
    expect(r.results.map((x) => x.config.BLOCK_SIZE_M)).toEqual([16, 32]);
    expect(r.notes).toEqual(expect.arrayContaining([expect.stringMatching(/CUDA wna16 kernel/), expect.stringMatching(/Triton wna16 path/)]));
  });

  it('vLLM looks block-quantized int8_w8a8 up under the name without a dtype', () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3,block_shape=[128,128].json';
    const key = { ...h100, dtype: 'int8_w8a8', blockShape: [128, 128] as [number, number] };
    const r = lookupConfig({ engine: 'vllm', key, ms: [1] }, memorySource({ [name]: file([[1, c(128)]]) }));
    expect(r.fileName).toBe(name);
    expect(r.results[0]).toMatchObject({ source: 'file', file: name, key: 1 });
    expect(r.notes).toContain('vLLM names no int8_w8a8 files: it looks int8_w8a8 models up under the name without a dtype');
    // SGLang keeps the dtype.
    expect(sg({ key, tritonVersion: '3.5.1' }).fileName).toBe('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=int8_w8a8,block_shape=[128, 128].json');
  });

  it('lookup reports the default config when no file exists', () => {
    const r = lookupConfig({ engine: 'vllm', key: h100, ms: [1, 600] }, memorySource({}));
    expect(r.file).toBeNull();
    expect(r.results.map((x) => [x.source, x.file, x.key, x.config.BLOCK_SIZE_M])).toEqual([
      ['default', null, null, 16],
      ['default', null, null, 128],
    ]);
    const s = sg({ tritonVersion: '3.5.1', ms: [4], key: { ...h100, E: 99 } });
    expect(s.results[0]).toMatchObject({ source: 'default', config: { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1 } });
  });
});

describe('engine load failures', () => {
  it('both engines fail on a file whose top level is not an object (vLLM pops "triton_version" from it)', () => {
    for (const text of ['[1, 2]', '"x"', '7', 'null']) {
      expect(() => lookupConfig({ engine: 'vllm', key: h100, ms: [1] }, memorySource({ [NAME]: text }))).toThrow(EngineWouldFailError);
      expect(() => sg({ tritonVersion: '3.5.1' }, { [`triton_3_5_1/${NAME}`]: text })).toThrow(EngineWouldFailError);
    }
  });

  it('both engines fail on a batch key int() rejects', () => {
    const text = JSON.stringify({ '1': c(32), best: c(64) });
    expect(() => lookupConfig({ engine: 'vllm', key: h100, ms: [1] }, memorySource({ [NAME]: text }))).toThrow(/"best" is not an integer: vLLM/);
    expect(() => sg({ tritonVersion: '3.5.1' }, { [`triton_3_5_1/${NAME}`]: text })).toThrow(/"best" is not an integer: SGLang/);
  });

  it('SGLang fails when it must fall back and the configs folder does not exist', () => {
    const none = { tritonDirs: () => null, read: () => null };
    expect(() => lookupConfig({ engine: 'sglang', key: h100, ms: [1], tritonVersion: '3.5.1' }, none)).toThrow(/configs folder/);
  });

  it('an entry the engine picks but cannot launch is an error, other entries still answer', () => {
    const files = { [`triton_3_5_1/${NAME}`]: JSON.stringify({ '1': c(32), '64': { BLOCK_SIZE_M: 16 } }) };
    expect(sg({ tritonVersion: '3.5.1', ms: [2] }, files).results[0]?.key).toBe(1);
    expect(() => sg({ tritonVersion: '3.5.1', ms: [60] }, files)).toThrow(/picks entry "64"/);
  });
});

describe('links the walk does not follow', () => {
  const outside = () => {
    const dir = tempDir();
    writeTree(dir, { [NAME]: file([[1, c(64)]]) });
    return dir;
  };

  it('a file the engine would open through a link out of the folder is an error, not "default"', () => {
    const out = outside();
    const dir = tempDir();
    writeTree(dir, { 'triton_3_5_1/.keep': '' });
    symlinkSync(path.join(out, NAME), path.join(dir, 'triton_3_5_1', NAME));
    const src = treeSource(readEngineTree('sglang', dir));
    expect(() => lookupConfig({ engine: 'sglang', key: h100, ms: [1], tritonVersion: '3.5.1' }, src)).toThrow(UnsafePathError);
    const v = tempDir();
    symlinkSync(path.join(out, NAME), path.join(v, NAME));
    expect(() => lookupConfig({ engine: 'vllm', key: h100, ms: [1] }, treeSource(readEngineTree('vllm', v)))).toThrow(/symlink to .*outside the folder: the engine would read it/);
  });

  it('a Triton folder linked out of the tree is searched like SGLang does: an error only when the file is there', () => {
    const out = outside();
    const dir = tempDir();
    writeTree(dir, { [`triton_3_1_0/${OLD_ONLY}`]: file([[1, c(32)]]) });
    symlinkSync(out, path.join(dir, 'triton_3_6_0'));
    const src = treeSource(readEngineTree('sglang', dir));
    // 3.6.0 comes first in the fallback and holds NAME: SGLang would load it from the linked folder.
    expect(() => lookupConfig({ engine: 'sglang', key: h100, ms: [1], tritonVersion: '3.5.1' }, src)).toThrow(/triton_3_6_0 is a symlink/);
    // OLD_ONLY is not in the linked folder: SGLang goes on to triton_3_1_0.
    const r = lookupConfig({ engine: 'sglang', key: { ...h100, E: 16, N: 1024 }, ms: [1], tritonVersion: '3.5.1' }, src);
    expect(r.file).toBe(`triton_3_1_0/${OLD_ONLY}`);
    expect(r.tried).toEqual([`triton_3_5_1/${OLD_ONLY}`, `triton_3_6_0/${OLD_ONLY}`, `triton_3_1_0/${OLD_ONLY}`]);
  });

  it('a broken link is a missing file for the engine too', () => {
    const dir = tempDir();
    writeTree(dir, { 'triton_3_5_1/.keep': '' });
    symlinkSync(path.join(dir, 'nowhere.json'), path.join(dir, 'triton_3_5_1', NAME));
    const r = lookupConfig({ engine: 'sglang', key: h100, ms: [1], tritonVersion: '3.5.1' }, treeSource(readEngineTree('sglang', dir)));
    expect(r.results[0]?.source).toBe('default');
  });
});
