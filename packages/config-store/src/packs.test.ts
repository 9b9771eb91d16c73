import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSourceFiles, installConfigs } from './install';
import { lookupConfig } from './lookup';
import { buildPack, discoverPacks, packSource, readPack } from './packs';
import { fakeSglangSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';
import { SGLANG_CORPUS } from './__fixtures__/reference';

const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';
const DOWN = 'triton_3_5_1/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128]_down.json';

function source(): string {
  const src = tempDir();
  for (const f of [LFM2, DOWN]) {
    mkdirSync(path.join(src, path.dirname(f)), { recursive: true });
    cpSync(path.join(SGLANG_CORPUS, f), path.join(src, f));
  }
  writeFileSync(
    path.join(src, 'pack-input.json'),
    JSON.stringify({
      kernelSourceHash: 'sha256:abc',
      toolVersion: 'moe-kit 0.1.0',
      files: {
        'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json': {
          serves: [{ model: 'LiquidAI/LFM2-8B-A1B', tp: 1 }],
          measurements: { '16': { tunedUs: 21.5, defaultUs: 30.25, date: '2026-11-27' } },
        },
      },
    }),
  );
  return src;
}

describe('config packs', () => {
  it('builds a package with SGLang-layout files, vLLM copies and a manifest', () => {
    const out = path.join(tempDir(), 'pack');
    const built = buildPack(source(), { name: 'h100', out });
    const m = built.manifest;
    expect(m.name).toBe('@moe/configs-h100');
    expect(m.deviceNames).toEqual(['NVIDIA_H100_80GB_HBM3', 'NVIDIA_H20']);
    expect(m.gpuArch).toBe('sm_90');
    expect(m.tritonVersion).toBe('3.5.1');
    expect(m.kernelSourceHash).toBe('sha256:abc');
    expect(m.files.map((f) => [f.path, f.vllmName])).toEqual([
      // vLLM has no down files.
      [`configs/${DOWN}`, null],
      [`configs/${LFM2}`, 'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json'],
    ]);
    expect(m.files[1]?.serves).toEqual([{ model: 'LiquidAI/LFM2-8B-A1B', tp: 1, ep: 1 }]);
    expect(m.files[0]?.serves).toEqual([]);
    expect(m.files[1]?.measurements['16']).toEqual({ tunedUs: 21.5, defaultUs: 30.25, date: '2026-11-27' });
    // The SGLang file is byte-identical to the (canonical) source; the vLLM copy carries triton_version.
    expect(readFileSync(path.join(out, 'configs', LFM2))).toEqual(readFileSync(path.join(SGLANG_CORPUS, LFM2)));
    expect(readFileSync(path.join(out, 'vllm/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json'), 'utf8')).toMatch(/^\{\n {4}"triton_version": "3.5.1",/);
    expect(JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8'))).toMatchObject({ name: '@moe/configs-h100', version: '0.1.0' });
    expect(readPack(out).manifest).toEqual(m);
  });

  it('refuses to build from a folder with a config file linked from outside it (instead of leaving it out)', () => {
    const src = source();
    const outside = tempDir();
    writeTree(outside, { 'x.json': readFileSync(path.join(SGLANG_CORPUS, LFM2), 'utf8') });
    symlinkSync(path.join(outside, 'x.json'), path.join(src, 'triton_3_5_1/E=64,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json'));
    expect(() => buildPack(src, { name: 'h100', out: path.join(tempDir(), 'pack') })).toThrow(/is a symlink to .*outside the folder; a pack is built only from files inside/);
  });

  it('-o that is a file, or under one, is a usage error, not a crash', () => {
    const file = path.join(tempDir(), 'f');
    writeFileSync(file, '');
    expect(() => buildPack(source(), { name: 'h100', out: file })).toThrow(/is a file, not a folder; pass a new folder for the pack/);
    expect(() => buildPack(source(), { name: 'h100', out: path.join(file, 'sub') })).toThrow(/is a file, not a folder/);
  });

  it('refuses tampered or malformed packs', () => {
    const out = path.join(tempDir(), 'pack');
    buildPack(source(), { name: 'h100', out });
    writeFileSync(path.join(out, 'configs', LFM2), '{}\n');
    expect(() => readPack(out)).toThrow(/does not match its sha256/);
    const bad = tempDir();
    writeTree(bad, { 'manifest.json': JSON.stringify({ schema: 1, name: '@moe/configs-x', deviceNames: ['X'], gpuArch: null, tritonVersion: null, kernelSourceHash: null, toolVersion: null, vllm: { derive: 'rename', dir: 'vllm' }, files: [{ path: '../../etc/passwd', sha256: '0'.repeat(64), vllmName: null }] }) });
    expect(() => readPack(bad)).toThrow(/files\.0\.path must be a relative path/);
    const deep = tempDir();
    writeTree(deep, { 'manifest.json': `${'['.repeat(50000)}${']'.repeat(50000)}` });
    expect(() => readPack(deep)).toThrow(/nesting deeper/);
  });

  it('discovers installed packs in node_modules/@moe/configs-* above a folder, and lookup searches them', () => {
    const project = tempDir();
    buildPack(source(), { name: 'h100', out: path.join(project, 'node_modules/@moe/configs-h100') });
    writeTree(project, { 'node_modules/@moe/configs-broken/manifest.json': '{}', 'src/app/.keep': '' });
    // A pack installed under another name than its manifest says.
    buildPack(source(), { name: 'a100', out: path.join(project, 'node_modules/@moe/configs-h200') });
    const { packs, problems } = discoverPacks(path.join(project, 'src/app'));
    expect(packs.map((p) => p.name)).toEqual(['@moe/configs-h100']);
    expect(problems.map((p) => path.basename(p.dir))).toEqual(['configs-broken', 'configs-h200']);
    expect(problems[1]?.message).toMatch(/manifest.json names @moe\/configs-a100, but it is installed as @moe\/configs-h200/);
    const key = { E: 32, N: 1792, deviceName: 'NVIDIA H100 80GB HBM3', dtype: null, blockShape: null, perChannelQuant: false };
    const s = lookupConfig({ engine: 'sglang', key, ms: [16], tritonVersion: '3.5.1' }, packSource(packs[0]!, 'sglang'));
    expect(s.results[0]).toMatchObject({ source: 'file', file: `@moe/configs-h100/configs/${LFM2}`, key: 16 });
    const v = lookupConfig({ engine: 'vllm', key, ms: [16] }, packSource(packs[0]!, 'vllm'));
    expect(v.results[0]).toMatchObject({ source: 'file', file: '@moe/configs-h100/vllm/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json', key: 16 });
  });
});

describe('packs whose manifest lies', () => {
  const VLLM_LFM2 = 'vllm/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';
  const built = () => {
    const out = path.join(tempDir(), 'pack');
    buildPack(source(), { name: 'h100', out });
    return out;
  };

  it('refuses a vLLM copy whose configs differ from the SGLang file it claims to copy', () => {
    const out = built();
    const file = path.join(out, VLLM_LFM2);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"BLOCK_SIZE_M": 16', '"BLOCK_SIZE_M": 128'));
    expect(() => readPack(out)).toThrow(/vllm\/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json is not a copy of configs\/triton_3_5_1/);
  });

  it('refuses a missing or misnamed vLLM copy', () => {
    const out = built();
    renameSync(path.join(out, VLLM_LFM2), path.join(out, 'vllm/E=32,N=1792,device_name=NVIDIA_H200.json'));
    expect(() => readPack(out)).toThrow(/vllm\/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json is listed in manifest.json but missing/);
  });

  it('refuses config files the manifest does not list (lookup and install read the folders)', () => {
    const out = built();
    writeTree(out, { 'configs/triton_3_5_1/E=8,N=64,device_name=NVIDIA_H100_80GB_HBM3.json': '{}\n' });
    expect(() => readPack(out)).toThrow(/configs\/triton_3_5_1\/E=8,N=64,device_name=NVIDIA_H100_80GB_HBM3.json is not listed in manifest.json/);
    const out2 = built();
    writeTree(out2, { 'vllm/E=8,N=64,device_name=NVIDIA_H100_80GB_HBM3.json': '{}\n' });
    expect(() => readPack(out2)).toThrow(/vllm\/E=8,N=64,device_name=NVIDIA_H100_80GB_HBM3.json is not listed/);
  });

  it('refuses a manifest whose device names or Triton version do not match its files', () => {
    for (const [field, value, message] of [
      ['deviceNames', ['NVIDIA_H100_80GB_HBM3'], /is for NVIDIA_H20, which deviceNames \(NVIDIA_H100_80GB_HBM3\) does not list/],
      ['tritonVersion', '3.6.0', /is in a Triton 3.5.1 folder but tritonVersion says 3.6.0/],
    ] as const) {
      const out = built();
      const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
      manifest[field] = value;
      writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest));
      expect(() => readPack(out)).toThrow(message);
    }
  });

  it('install checks a pack before copying anything from it', () => {
    const out = built();
    writeFileSync(path.join(out, 'configs', LFM2), readFileSync(path.join(out, 'configs', LFM2), 'utf8').replace('"BLOCK_SIZE_M": 16', '"BLOCK_SIZE_M": 128'));
    const site = fakeSglangSitePackages('new');
    expect(() => installConfigs(collectSourceFiles([out]), { engine: 'sglang', into: site })).toThrow(/does not match its sha256/);
    expect(existsSync(path.join(site, 'sglang/srt/layers/moe/moe_runner/triton_utils/configs', LFM2))).toBe(false);
    // An intact pack installs exactly the files its manifest lists.
    const good = built();
    expect(collectSourceFiles([good]).map((f) => path.relative(good, f.abs)).sort()).toEqual([`configs/${DOWN}`, `configs/${LFM2}`]);
  });
});
