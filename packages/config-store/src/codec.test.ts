import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConfigText, formatConfigTable } from './config-content';
import { configTableFrom } from './config-table';
import { codecFor, sglangCodec, vllmCodec } from './codec';
import { corpusFiles, SGLANG_CORPUS, VLLM_CORPUS } from './__fixtures__/reference';
import { NONCANONICAL_CORPUS } from './__fixtures__/noncanonical-corpus';

const REASON_TEXT: Record<string, string> = {
  crlf: 'CRLF line endings',
  'no-newline': 'no newline at the end',
  'extra-end': 'extra blank lines or spaces at the end',
  unsorted: 'batch keys not in ascending order',
  indent2: 'indented with 2 spaces instead of 4',
  whitespace: 'indentation or spacing differs from indent=4',
};

describe('codecs over the reference corpus', () => {
  for (const [engine, dir] of [
    ['sglang', SGLANG_CORPUS],
    ['vllm', VLLM_CORPUS],
  ] as const) {
    it(`${engine}: every file parses, canonical files re-format to the same bytes, the rest are the listed ones`, () => {
      const files = corpusFiles(dir);
      // MANIFEST.txt: 374 SGLang files of which 16 are other kernels' configs; 316 vLLM files.
      expect(files.length).toBe(engine === 'sglang' ? 358 : 316);
      const codec = codecFor(engine);
      const noncanonical: { file: string; reasons: string[] }[] = [];
      for (const rel of files) {
        const bytes = readFileSync(path.join(dir, rel));
        const name = path.basename(rel);
        expect(codec.parseFileName(name), name).not.toBeNull();
        const text = bytes.toString('utf8');
        const a = analyzeConfigText(text, { engine, key: codec.parseFileName(name)?.key });
        expect(a.content, rel).not.toBeNull();
        expect(a.loadable, rel).toBe(true);
        if (a.canonical) {
          expect(codec.formatContent(a.content!)).toBe(text);
          // The typed table writes the same bytes too, except where Triton's launch defaults were
          // filled in for missing num_warps/num_stages (one SGLang file).
          if (!a.issues.some((i) => i.code === 'missing-key')) expect(codec.formatTable(a.table, { tritonVersion: a.content!.tritonVersion })).toBe(text);
        } else {
          noncanonical.push({ file: rel, reasons: a.noncanonicalReasons });
        }
      }
      const expected = NONCANONICAL_CORPUS.filter((x) => x.engine === engine);
      expect(noncanonical.map((x) => x.file)).toEqual(expected.map((x) => x.file));
      for (const x of expected) {
        const got = noncanonical.find((n) => n.file === x.file)!;
        expect(got.reasons, x.file).toEqual(x.reasons.map((r) => REASON_TEXT[r]));
      }
    });
  }
});

describe('file names', () => {
  it('formats the block shape each engine\'s way and parses both', () => {
    const key = { E: 256, N: 128, deviceName: 'NVIDIA_H200', dtype: 'fp8_w8a8', blockShape: [128, 128] as [number, number], perChannelQuant: false, down: false };
    expect(sglangCodec.formatFileName(key)).toBe('E=256,N=128,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(vllmCodec.formatFileName(key)).toBe('E=256,N=128,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json');
    expect(sglangCodec.parseFileName('E=256,N=128,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json')).toEqual({ key, blockShapeSpelling: 'vllm' });
    expect(vllmCodec.parseFileName('E=256,N=128,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json')).toEqual({ key, blockShapeSpelling: 'sglang' });
  });

  it('writes no block shape unless both numbers are non-zero, no dtype for bf16', () => {
    const key = { E: 8, N: 7168, deviceName: 'NVIDIA_H100_80GB_HBM3', dtype: null, blockShape: [0, 128] as [number, number], perChannelQuant: false, down: false };
    expect(sglangCodec.formatFileName(key)).toBe('E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json');
  });

  it('reads SGLang down and per-channel names; vLLM refuses to write them', () => {
    const parsed = sglangCodec.parseFileName('E=192,N=192,device_name=NVIDIA_H20,dtype=fp8_w8a8,per_channel_quant=True_down.json');
    expect(parsed?.key).toMatchObject({ E: 192, N: 192, deviceName: 'NVIDIA_H20', dtype: 'fp8_w8a8', perChannelQuant: true, down: true });
    expect(sglangCodec.parseFileName('E=384,N=128,device_name=,dtype=int4_w4a16_down.json')?.key).toMatchObject({ deviceName: '', dtype: 'int4_w4a16', down: true });
    expect(sglangCodec.parseFileName('E=8,N=14336,device_name=NVIDIA_H100_down.json')?.key).toMatchObject({ deviceName: 'NVIDIA_H100', down: true });
    expect(() => vllmCodec.formatFileName({ ...parsed!.key })).toThrow(/MOE|vLLM has no _down/);
  });

  it('rejects names that are not config names or that carry path characters', () => {
    for (const bad of ['README.json', 'E=8,N=1,device_name=../x.json', 'E=8,N=1,device_name=a/b.json', 'E=8,N=1,device_name=a\\b.json', 'E=8,N=1\0.json', 'E=x,N=1,device_name=A.json']) {
      expect(sglangCodec.parseFileName(bad), bad).toBeNull();
    }
    expect(() => sglangCodec.formatFileName({ E: 8, N: 1, deviceName: '../etc', dtype: null, blockShape: null, perChannelQuant: false, down: false })).toThrow(/device name/);
  });

  it('normalises device names per engine (vLLM maps the H200 family and ROCm ids)', () => {
    expect(sglangCodec.normalizeDeviceName('NVIDIA H100 80GB HBM3')).toBe('NVIDIA_H100_80GB_HBM3');
    expect(sglangCodec.normalizeDeviceName('NVIDIA H200 NVL')).toBe('NVIDIA_H200_NVL');
    expect(vllmCodec.normalizeDeviceName('NVIDIA H200 NVL')).toBe('NVIDIA_H200');
    expect(vllmCodec.normalizeDeviceName('NVIDIA H200 141GB HBM3e')).toBe('NVIDIA_H200');
    expect(vllmCodec.normalizeDeviceName('NVIDIA GH200 480GB')).toBe('NVIDIA_GH200_480GB');
    expect(vllmCodec.normalizeDeviceName('0x74a1')).toBe('AMD_Instinct_MI300X');
    expect(vllmCodec.normalizeDeviceName('0x1586')).toBe('AMD_Radeon_8060S');
  });
});

describe('content', () => {
  it('formats a table like SGLang json.dumps(indent=4) plus a newline', () => {
    const table = configTableFrom({
      '2': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 },
      '1': { num_stages: 5, num_warps: 4, GROUP_SIZE_M: 64, BLOCK_SIZE_K: 128, BLOCK_SIZE_N: 128, BLOCK_SIZE_M: 16, USE_TMA: true },
    });
    expect(formatConfigTable('sglang', table)).toBe(
      '{\n    "1": {\n        "BLOCK_SIZE_M": 16,\n        "BLOCK_SIZE_N": 128,\n        "BLOCK_SIZE_K": 128,\n        "GROUP_SIZE_M": 64,\n        "num_warps": 4,\n        "num_stages": 5,\n        "USE_TMA": true\n    },\n    "2": {\n        "BLOCK_SIZE_M": 16,\n        "BLOCK_SIZE_N": 64,\n        "BLOCK_SIZE_K": 128,\n        "GROUP_SIZE_M": 1,\n        "num_warps": 4,\n        "num_stages": 3\n    }\n}\n',
    );
    expect(formatConfigTable('vllm', table, { tritonVersion: '3.5.1' }).startsWith('{\n    "triton_version": "3.5.1",\n    "1": {')).toBe(true);
    expect(formatConfigTable('sglang', table, { tritonVersion: '3.5.1' })).not.toContain('triton_version');
  });

  it('keeps unknown keys and triton_version when parsing', () => {
    const text = '{"triton_version": "3.4.0", "1": {"BLOCK_SIZE_M": 16, "BLOCK_SIZE_N": 32, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 2, "FOO": 3}}';
    const a = analyzeConfigText(text, { engine: 'vllm' });
    expect(a.content?.tritonVersion).toBe('3.4.0');
    expect(a.content?.entries[0]?.fields.map((f) => f[0])).toContain('FOO');
    expect(vllmCodec.formatContent(a.content!)).toContain('"FOO": 3');
    expect(a.issues.map((i) => i.code)).toContain('unknown-key');
    expect(() => sglangCodec.parseContent(text)).toThrow(/triton_version/);
  });

  it('refuses non-UTF-8 and deep nesting with clear errors', () => {
    expect(() => sglangCodec.parseContent(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(analyzeConfigText(deep, { engine: 'sglang' }).issues[0]?.code).toBe('too-deep');
  });
});
