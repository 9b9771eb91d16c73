import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from './doctor';
import type { Finding } from './finding';
import { SGLANG_CORPUS, VLLM_CORPUS } from './__fixtures__/reference';
import { NONCANONICAL_CORPUS } from './__fixtures__/noncanonical-corpus';
import type { ExpectedFinding } from './__fixtures__/corpus-findings';
import { SGLANG_OTHER, SGLANG_SHADOWED, VLLM_OTHER } from './__fixtures__/corpus-findings';
import { fakeSglangSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';

const row = (f: Pick<Finding, 'file' | 'severity' | 'code'>) => `${f.severity} ${f.code} ${f.file}`;

function expectFindings(found: Finding[], expected: ExpectedFinding[]): void {
  expect(found.map(row).sort()).toEqual(expected.map(row).sort());
  for (const e of expected) {
    const match = found.filter((f) => row(f) === row(e)).some((f) => f.message.includes(e.says));
    expect(match, `${row(e)} says ${e.says}`).toBe(true);
  }
  for (const f of found) {
    expect(f.message.length, row(f)).toBeGreaterThan(10);
    expect(f.fix.length, row(f)).toBeGreaterThan(5);
  }
}

const noncanonical = (engine: 'sglang' | 'vllm'): ExpectedFinding[] =>
  NONCANONICAL_CORPUS.filter((x) => x.engine === engine).map((x) => ({ file: x.file, severity: 'info', code: 'noncanonical', says: 'not formatted as' }));

describe('doctor over the reference corpus (every finding checked by hand)', () => {
  it('SGLang', () => {
    const r = doctor(SGLANG_CORPUS, { engine: 'auto' });
    expect(r.engine).toBe('sglang');
    expect(r.checked).toBe(358);
    expectFindings(r.findings, [
      ...SGLANG_OTHER,
      ...noncanonical('sglang'),
      ...SGLANG_SHADOWED.map(([file, newest]): ExpectedFinding => ({ file, severity: 'info', code: 'shadowed', says: `loads ${newest}/` })),
    ]);
  });

  it('vLLM', () => {
    const r = doctor(VLLM_CORPUS, { engine: 'auto' });
    expect(r.engine).toBe('vllm');
    expect(r.checked).toBe(316);
    expectFindings(r.findings, [...VLLM_OTHER, ...noncanonical('vllm')]);
  });

  it('SGLang with --triton 3.5.1: the same copies are shadowed, now as warnings naming what 3.5.1 loads', () => {
    const r = doctor(SGLANG_CORPUS, { engine: 'sglang', tritonVersion: '3.5.1' });
    const shadowed = r.findings.filter((f) => f.code === 'shadowed');
    // Every name with copies has one in 3.5.1 or a newer folder except where the newest is
    // 3.6.0 / 3.4.0 / 3.3.1: under 3.5.1 the running folder wins when it has the file.
    expect(shadowed.every((f) => f.severity === 'warning')).toBe(true);
    const e128 = shadowed.find((f) => f.file === 'triton_3_2_0/E=128,N=768,device_name=NVIDIA_H200.json');
    // Not in triton_3_5_1: newest first -> triton_3_6_0.
    expect(e128?.message).toContain('loads triton_3_6_0/E=128,N=768,device_name=NVIDIA_H200.json');
    const b200 = shadowed.find((f) => f.file === 'triton_3_2_0/E=257,N=256,device_name=NVIDIA_B200,dtype=fp8_w8a8,block_shape=[128, 128].json');
    expect(b200?.message).toContain("loads triton_3_5_1/E=257,N=256,device_name=NVIDIA_B200,dtype=fp8_w8a8,block_shape=[128, 128].json instead (the running version's folder)");
  });
});

const GOOD = `${JSON.stringify({ '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } }, null, 4)}\n`;
const F = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';

describe('doctor on broken trees', () => {
  it('reports content errors, never-read folders and hostile files without crashing', () => {
    const dir = tempDir();
    writeTree(dir, {
      [`configs/triton_3_5_1/${F}`]: GOOD,
      [`configs/triton_3_5_1/E=8,N=1,device_name=NVIDIA_H100_80GB_HBM3.json`]: '{"1": {"BLOCK_SIZE_M": 16,}}',
      [`configs/triton_3_5_1/E=8,N=2,device_name=NVIDIA_H100_80GB_HBM3.json`]: '{"triton_version": "3.5.1"}',
      [`configs/triton_3_5_1/E=8,N=3,device_name=NVIDIA_H100_80GB_HBM3.json`]: `${'['.repeat(100000)}${']'.repeat(100000)}`,
      [`configs/triton_3_5_1/E=8,N=4,device_name=NVIDIA_H100_80GB_HBM3.json`]: ' '.repeat(2 * 1024 * 1024),
      [`configs/triton_3_5_1/E=8,N=6,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8,block_shape=[128,128].json`]: GOOD,
      [`configs/${F}`]: GOOD,
      'configs/triton_3_x_0/.keep': '',
    });
    writeFileSync(path.join(dir, 'configs/triton_3_5_1/E=8,N=5,device_name=NVIDIA_H100_80GB_HBM3.json'), Buffer.from([0x7b, 0xc3, 0x28, 0x7d]));
    const outside = tempDir();
    writeTree(outside, { [F]: GOOD });
    symlinkSync(path.join(outside, F), path.join(dir, 'configs/triton_3_5_1/E=9,N=9,device_name=NVIDIA_H100_80GB_HBM3.json'));
    symlinkSync(path.join(outside, 'gone.json'), path.join(dir, 'configs/triton_3_5_1/E=9,N=10,device_name=NVIDIA_H100_80GB_HBM3.json'));
    const r = doctor(dir, { engine: 'sglang' });
    const got = r.findings.map((f) => `${f.severity} ${f.code} ${f.file}`);
    expect(got).toEqual(
      expect.arrayContaining([
        `error not-in-triton-folder configs/${F}`,
        'error invalid-json configs/triton_3_5_1/E=8,N=1,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error triton-version-key configs/triton_3_5_1/E=8,N=2,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error too-deep configs/triton_3_5_1/E=8,N=3,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error file-too-large configs/triton_3_5_1/E=8,N=4,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error not-utf8 configs/triton_3_5_1/E=8,N=5,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error block-shape-spelling configs/triton_3_5_1/E=8,N=6,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8,block_shape=[128,128].json',
        'warning symlink-outside configs/triton_3_5_1/E=9,N=9,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error broken-symlink configs/triton_3_5_1/E=9,N=10,device_name=NVIDIA_H100_80GB_HBM3.json',
        'error triton-folder-name configs/triton_3_x_0',
      ]),
    );
    expect(got.filter((g) => g.endsWith(`triton_3_5_1/${F}`))).toEqual([]);
  });

  it('flags files left in the old SGLang folder after the April 2026 move', () => {
    const site = fakeSglangSitePackages('new', {
      [`srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/${F}`]: GOOD,
      [`srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json`]: GOOD,
    });
    const r = doctor(site, { engine: 'sglang' });
    expect(r.findings.map((f) => `${f.severity} ${f.code} ${f.file}`)).toEqual([
      'error unread-folder sglang/srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json',
    ]);
    expect(r.findings[0]?.fix).toContain('sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_X_Y_Z/');
    // The same files in an old-layout install are read: no findings.
    const old = fakeSglangSitePackages('old', { [`srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/${F}`]: GOOD });
    expect(doctor(old, { engine: 'sglang' }).findings).toEqual([]);
  });

  it('vLLM: subfolders are never read; SGLang-only names are flagged', () => {
    const dir = tempDir();
    writeTree(dir, {
      [`triton_3_4_0/${F}`]: GOOD,
      'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3_down.json': GOOD,
      'E=8,N=7168,device_name=NVIDIA_H200_NVL.json': GOOD,
    });
    const r = doctor(dir, { engine: 'vllm' });
    expect(r.findings.map((f) => `${f.severity} ${f.code} ${f.file}`)).toEqual([
      'error sglang-only-name E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3_down.json',
      'error device-never-requested E=8,N=7168,device_name=NVIDIA_H200_NVL.json',
      `error unread-subfolder triton_3_4_0/${F}`,
    ]);
  });
});
