import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEngineTree } from './engine-tree';
import { collectSourceFiles, installConfigs } from './install';
import { lookupConfig, treeSource } from './lookup';
import { fakeSglangSitePackages, fakeVllmSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';
import { SGLANG_CORPUS, VLLM_CORPUS } from './__fixtures__/reference';

const LFM2 = 'triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';
const BLOCK = 'triton_3_2_0/E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json';
const key = { E: 32, N: 1792, deviceName: 'NVIDIA H100 80GB HBM3', dtype: null, blockShape: null, perChannelQuant: false };

describe('install into fake SGLang site-packages', () => {
  it.each([
    ['new', 'sglang/srt/layers/moe/moe_runner/triton_utils/configs'],
    ['old', 'sglang/srt/layers/moe/fused_moe_triton/configs'],
  ] as const)('%s layout: puts the file where that version reads it', (layout, configs) => {
    const site = fakeSglangSitePackages(layout);
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: site });
    expect(report.configsRoot).toBe(configs);
    expect(report.actions.map((a) => [a.action, a.target])).toEqual([['write', `${configs}/${LFM2}`]]);
    expect(readFileSync(path.join(site, configs, LFM2))).toEqual(readFileSync(path.join(SGLANG_CORPUS, LFM2)));
    expect(report.findings).toEqual([]);
    // What SGLang running Triton 3.5.1 now loads:
    const r = lookupConfig({ engine: 'sglang', key, ms: [16], tritonVersion: '3.5.1' }, treeSource(readEngineTree('sglang', site)));
    expect(r.results[0]).toMatchObject({ source: 'file', file: `${configs}/${LFM2}`, key: 16 });
    // Nothing was put in the other layout's folder.
    const other = layout === 'new' ? 'sglang/srt/layers/moe/fused_moe_triton/configs' : 'sglang/srt/layers/moe/moe_runner/triton_utils/configs';
    expect(existsSync(path.join(site, other, LFM2))).toBe(false);
  });

  it('installs into --triton folder when given, and into <dir>/configs for a plain folder', () => {
    const dir = tempDir();
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir, tritonVersion: '3.6.0' });
    expect(report.actions[0]?.target).toBe('configs/triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json');
  });
});

describe('install into a folder named configs', () => {
  it('an empty configs folder is the configs folder: files go to configs/triton_X_Y_Z/, not configs/configs/', () => {
    const configs = path.join(tempDir(), 'configs');
    mkdirSync(configs);
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: configs });
    expect(report.configsRoot).toBe('');
    expect(report.actions.map((a) => [a.action, a.target])).toEqual([['write', LFM2]]);
    expect(existsSync(path.join(configs, LFM2))).toBe(true);
  });

  it('as SGLANG_MOE_CONFIG_DIR (sglangConfigDir), even a folder named configs is read as <dir>/configs/', () => {
    const configs = path.join(tempDir(), 'configs');
    mkdirSync(configs);
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: configs, sglangConfigDir: true });
    expect(report.actions.map((a) => [a.action, a.target])).toEqual([['write', `configs/${LFM2}`]]);
    expect(readEngineTree('sglang', configs, { sglangConfigDir: true }).files.map((f) => f.rel)).toEqual([`configs/${LFM2}`]);
  });

  it('a folder of loose config files is the configs folder: install writes beside them, where doctor says to move them', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json'), '{}\n');
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir, dryRun: true });
    expect(report.actions.map((a) => a.target)).toEqual([LFM2]);
    expect(readEngineTree('sglang', dir).unread.map((u) => u.reason)).toEqual(['not-in-triton-folder']);
  });
});

describe('install renaming between engines', () => {
  it('writes the vLLM spelling into a vLLM package', () => {
    const site = fakeVllmSitePackages();
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, BLOCK)]), { engine: 'vllm', into: site });
    expect(report.actions[0]).toMatchObject({
      action: 'write',
      target: 'vllm/model_executor/layers/fused_moe/configs/E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128,128].json',
      reason: 'renamed from E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json',
    });
  });

  it('skips what the target engine never reads (down files for vLLM)', () => {
    const dir = tempDir();
    const report = installConfigs(
      collectSourceFiles([path.join(SGLANG_CORPUS, 'triton_3_5_1/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128]_down.json')]),
      { engine: 'vllm', into: dir },
    );
    expect(report.actions[0]).toMatchObject({ action: 'skip', reason: 'vLLM has no _down files (one config drives both GEMMs)' });
  });

  it('int8_w8a8 for vLLM: block-quantized files lose the dtype (vLLM has no int8_w8a8 string), others would take the bf16 name and are skipped', () => {
    const cfg = { '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 128, BLOCK_SIZE_K: 128, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } };
    const src = tempDir();
    writeTree(src, {
      'triton_3_5_1/E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,dtype=int8_w8a8,block_shape=[128, 128].json': JSON.stringify(cfg),
      'triton_3_5_1/E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,dtype=int8_w8a8.json': JSON.stringify(cfg),
    });
    const report = installConfigs(collectSourceFiles([src]), { engine: 'vllm', into: tempDir() });
    expect(report.actions.map((a) => [a.action, a.target, a.action === 'skip' ? a.reason : null])).toEqual([
      ['write', 'E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,block_shape=[128,128].json', null],
      ['skip', '', 'vLLM looks int8_w8a8 models up under the bf16 name (no dtype): installing it there would replace the bf16 configs of this shape'],
    ]);
    // Doctor only notes that vLLM asks for this name for block-quantized int8_w8a8 models.
    expect(report.findings.map((f) => [f.severity, f.code])).toEqual([['info', 'block-shape-without-dtype']]);
  });

  it('drops triton_version for SGLang (it cannot load it) and keeps it for vLLM', () => {
    const src = tempDir();
    writeTree(src, { 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json': JSON.stringify({ triton_version: '3.5.1', '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } }) });
    const s = tempDir();
    installConfigs(collectSourceFiles([src]), { engine: 'sglang', into: s, tritonVersion: '3.5.1' });
    expect(readFileSync(path.join(s, 'configs/triton_3_5_1/E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json'), 'utf8')).not.toContain('triton_version');
    const v = tempDir();
    installConfigs(collectSourceFiles([src]), { engine: 'vllm', into: v });
    expect(readFileSync(path.join(v, 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json'), 'utf8')).toMatch(/^\{\n {4}"triton_version": "3.5.1",\n/);
  });
});

describe('install safety', () => {
  it('never overwrites a different file without force, and shows the per-batch differences', () => {
    const dir = tempDir();
    const target = path.join(dir, 'configs', LFM2);
    mkdirSync(path.dirname(target), { recursive: true });
    const shipped = JSON.parse(readFileSync(path.join(SGLANG_CORPUS, LFM2), 'utf8'));
    const original = JSON.parse(readFileSync(path.join(SGLANG_CORPUS, LFM2), 'utf8'));
    expect(shipped['16'].num_stages).not.toBe(2);
    original['16'].num_stages = 2;
    writeFileSync(target, JSON.stringify(original, null, 4));
    const sources = collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]);
    const blocked = installConfigs(sources, { engine: 'sglang', into: dir });
    expect(blocked.blocked).toBe(true);
    expect(blocked.actions[0]?.action).toBe('conflict');
    expect(blocked.actions[0]?.differences.map((d) => [d.m, d.before?.num_stages, d.after?.num_stages])).toEqual([[16, 2, shipped['16'].num_stages]]);
    expect(JSON.parse(readFileSync(target, 'utf8'))['16'].num_stages).toBe(2);
    const forced = installConfigs(sources, { engine: 'sglang', into: dir, force: true });
    expect(forced.actions[0]?.action).toBe('overwrite');
    expect(readFileSync(target)).toEqual(readFileSync(path.join(SGLANG_CORPUS, LFM2)));
    expect(installConfigs(sources, { engine: 'sglang', into: dir }).actions[0]?.action).toBe('unchanged');
  });

  it('a dry run writes nothing', () => {
    const dir = tempDir();
    const report = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir, dryRun: true });
    expect(report.actions[0]?.action).toBe('write');
    expect(existsSync(path.join(dir, 'configs'))).toBe(false);
  });

  it('an existing file that is not UTF-8 or over the cap is a conflict that --force replaces', () => {
    for (const junk of [Buffer.from([0x7b, 0xff, 0x7d]), Buffer.alloc(2 * 1024 * 1024, 0x20)]) {
      const dir = tempDir();
      const target = path.join(dir, 'configs', LFM2);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, junk);
      const sources = collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]);
      const blocked = installConfigs(sources, { engine: 'sglang', into: dir });
      expect(blocked.actions[0]).toMatchObject({ action: 'conflict', reason: expect.stringMatching(/^the existing file is (not UTF-8 text|over the size cap)$/) });
      expect(readFileSync(target).equals(junk)).toBe(true);
      expect(installConfigs(sources, { engine: 'sglang', into: dir, force: true }).actions[0]?.action).toBe('overwrite');
      expect(readFileSync(target)).toEqual(readFileSync(path.join(SGLANG_CORPUS, LFM2)));
    }
  });

  it('runs doctor under a local Triton build (3.5.0+git…) without failing, and will not invent a folder for one', () => {
    const dir = tempDir();
    const r = installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir, runningTriton: '3.5.0+git1a2b3c' });
    expect(r.actions[0]?.target).toBe(`configs/${LFM2}`);
    const flat = tempDir();
    writeTree(flat, { [path.basename(LFM2)]: readFileSync(path.join(SGLANG_CORPUS, LFM2), 'utf8') });
    expect(() => installConfigs(collectSourceFiles([flat]), { engine: 'sglang', into: tempDir(), runningTriton: '3.5.0+git1a2b3c' })).toThrow(
      /the installed Triton is 3.5.0\+git1a2b3c: .*pass `tritonVersion` X.Y.Z/,
    );
  });

  it('refuses to write through a symlink that leaves the target', () => {
    const dir = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(dir, 'configs'));
    symlinkSync(outside, path.join(dir, 'configs', 'triton_3_5_1'));
    expect(() => installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir })).toThrow(/outside/);
    expect(existsSync(path.join(outside, path.basename(LFM2)))).toBe(false);
  });

  it('checks every target before writing any: one refused target leaves nothing half-installed', () => {
    const dir = tempDir();
    const outside = tempDir();
    mkdirSync(path.join(dir, 'configs', 'triton_3_2_0'), { recursive: true });
    // LFM2 goes to triton_3_5_1 (fine); BLOCK goes to triton_3_2_0, where its name is a link out.
    const blockName = path.basename(BLOCK);
    symlinkSync(path.join(outside, 'victim.json'), path.join(dir, 'configs', 'triton_3_2_0', blockName));
    const sources = collectSourceFiles([path.join(SGLANG_CORPUS, LFM2), path.join(SGLANG_CORPUS, BLOCK)]);
    expect(() => installConfigs(sources, { engine: 'sglang', into: dir, force: true })).toThrow(/is a symlink; remove it first/);
    expect(existsSync(path.join(dir, 'configs', 'triton_3_5_1'))).toBe(false);
    expect(existsSync(path.join(outside, 'victim.json'))).toBe(false);
  });

  it('never creates folders through a symlink that leaves the target', () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(outside, path.join(dir, 'configs'));
    expect(() => installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2)]), { engine: 'sglang', into: dir })).toThrow(/outside/);
    expect(existsSync(path.join(outside, 'triton_3_5_1'))).toBe(false);
  });

  it('refuses invalid sources before writing anything', () => {
    const src = tempDir();
    writeTree(src, { 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json': '{"1": {"BLOCK_SIZE_M": 16}' });
    const dir = tempDir();
    expect(() => installConfigs(collectSourceFiles([path.join(SGLANG_CORPUS, LFM2), src]), { engine: 'sglang', into: dir, tritonVersion: '3.5.1' })).toThrow(/not valid JSON.*nothing was installed/);
    expect(existsSync(path.join(dir, 'configs'))).toBe(false);
  });

  it('needs a Triton version for SGLang when the source folder does not say it', () => {
    const src = tempDir();
    writeTree(src, { 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json': '{}' });
    expect(() => installConfigs(collectSourceFiles([src]), { engine: 'sglang', into: tempDir() })).toThrow(/`tritonVersion` missing/);
  });
});

describe('install refuses hostile sources', () => {
  it('a source that is neither a file nor a folder (a device) is refused clearly', () => {
    expect(() => collectSourceFiles(['/dev/null'])).toThrow(/\/dev\/null is a character device, not a file or folder; pass config files/);
  });

  it('names with ".." and symlinks out of a source folder', () => {
    const src = tempDir();
    writeTree(src, { 'E=8,N=16,device_name=A..B.json': '{}' });
    expect(() => collectSourceFiles([src])).toThrow(/contains '\.\.'.*install copies only files inside/);
    const src2 = tempDir();
    const outside = tempDir();
    writeTree(outside, { 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json': '{}' });
    symlinkSync(path.join(outside, 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json'), path.join(src2, 'E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json'));
    expect(() => collectSourceFiles([src2])).toThrow(/outside the folder/);
  });

  it('huge and non-UTF-8 files', () => {
    const src = tempDir();
    writeTree(src, { 'triton_3_5_1/E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json': ' '.repeat(2 * 1024 * 1024) });
    expect(() => installConfigs(collectSourceFiles([src]), { engine: 'sglang', into: tempDir() })).toThrow(/over the 1048576-byte cap/);
    const src2 = tempDir();
    mkdirSync(path.join(src2, 'triton_3_5_1'));
    writeFileSync(path.join(src2, 'triton_3_5_1/E=8,N=16,device_name=NVIDIA_H100_80GB_HBM3.json'), Buffer.from([0xff, 0xfe]));
    expect(() => installConfigs(collectSourceFiles([src2]), { engine: 'sglang', into: tempDir() })).toThrow(/not valid UTF-8/);
  });
});

describe('install between engines drops fields the target rejects', () => {
  it('vLLM SPLIT_K=1 is dropped for SGLang', () => {
    const file = path.join(VLLM_CORPUS, 'E=384,N=256,device_name=AMD_Instinct_MI350X,dtype=int4_w4a16.json');
    const into = tempDir();
    const r = installConfigs(collectSourceFiles([file]), { engine: 'sglang', into, tritonVersion: '3.4.0' });
    expect(r.actions[0]).toMatchObject({ action: 'write', reason: 'dropped SPLIT_K (SGLang does not take it)' });
    expect(readFileSync(path.join(into, 'configs/triton_3_4_0/E=384,N=256,device_name=AMD_Instinct_MI350X,dtype=int4_w4a16.json'), 'utf8')).not.toContain('SPLIT_K');
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
