import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectEngine, readEngineTree } from './engine-tree';
import { fakeSglangSitePackages, fakeVllmSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';
import { SGLANG_CORPUS, VLLM_CORPUS } from './__fixtures__/reference';

const F = 'E=8,N=7168,device_name=NVIDIA_H200.json';

describe('engine trees', () => {
  it('reads the reference SGLang tree (triton_* folders directly) and vLLM flat folder', () => {
    const s = readEngineTree('sglang', SGLANG_CORPUS);
    expect(s.layout).toBe('triton-dirs');
    expect(s.tritonDirs.map((d) => d.version)).toEqual(['3.1.0', '3.2.0', '3.3.0', '3.3.1', '3.4.0', '3.5.1', '3.6.0']);
    expect(s.files).toHaveLength(358);
    expect(s.unread).toHaveLength(0);
    const v = readEngineTree('vllm', VLLM_CORPUS);
    expect(v.layout).toBe('flat');
    expect(v.files).toHaveLength(316);
    expect(detectEngine(SGLANG_CORPUS)).toBe('sglang');
    expect(detectEngine(VLLM_CORPUS)).toBe('vllm');
  });

  it('recognises the new SGLang package layout and marks files left in the old folder as unread', () => {
    const site = fakeSglangSitePackages('new', {
      [`srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/${F}`]: '{}\n',
      [`srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/${F}`]: '{}\n',
    });
    const t = readEngineTree('sglang', site);
    expect(t.layout).toBe('site-packages');
    expect(t.packageLayout).toBe('new');
    expect(t.configsRootRel).toBe('sglang/srt/layers/moe/moe_runner/triton_utils/configs');
    expect(t.files.map((f) => f.rel)).toEqual([`sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/${F}`]);
    expect(t.unread.map((u) => [u.file.rel, u.reason])).toEqual([[`sglang/srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/${F}`, 'old-folder']]);
    expect(readEngineTree('sglang', path.join(site, 'sglang')).layout).toBe('package');
  });

  it('reads the old SGLang package layout from its own folder', () => {
    const site = fakeSglangSitePackages('old', { [`srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/${F}`]: '{}\n' });
    const t = readEngineTree('sglang', site);
    expect(t.packageLayout).toBe('old');
    expect(t.files.map((f) => f.rel)).toEqual([`sglang/srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/${F}`]);
  });

  it('an old-layout package with an unrelated moe_runner/triton_utils/ module is still the old layout', () => {
    const site = fakeSglangSitePackages('old', { 'srt/layers/moe/moe_runner/triton_utils/__init__.py': '' });
    const t = readEngineTree('sglang', site);
    expect(t.packageLayout).toBe('old');
    expect(t.configsRootRel).toBe('sglang/srt/layers/moe/fused_moe_triton/configs');
  });

  it('finds vLLM configs in a site-packages folder and flags subfolders', () => {
    const site = fakeVllmSitePackages({ [`model_executor/layers/fused_moe/configs/${F}`]: '{}\n', [`model_executor/layers/fused_moe/configs/triton_3_4_0/${F}`]: '{}\n' });
    const t = readEngineTree('vllm', site);
    expect(t.layout).toBe('site-packages');
    expect(t.files.map((f) => f.rel)).toEqual([`vllm/model_executor/layers/fused_moe/configs/${F}`]);
    expect(t.unread.map((u) => u.reason)).toEqual(['subfolder']);
  });

  it('never follows a symlink out of the tree', () => {
    const outside = tempDir();
    writeTree(outside, { [F]: '{}\n' });
    const dir = tempDir();
    writeTree(dir, { 'triton_3_5_1/.keep': '' });
    symlinkSync(path.join(outside, F), path.join(dir, 'triton_3_5_1', F));
    symlinkSync(outside, path.join(dir, 'triton_3_6_0'));
    const t = readEngineTree('sglang', dir);
    expect(t.files).toEqual([]);
    expect(t.problems.map((p) => p.rel).sort()).toEqual([`triton_3_5_1/${F}`, 'triton_3_6_0']);
  });
});

describe('engine version', () => {
  it('reads the version written in the package', () => {
    const site = fakeSglangSitePackages('new');
    expect(readEngineTree('sglang', site).engineVersion).toBe('0.5.10');
    const v = fakeVllmSitePackages({ '_version.py': "__version__ = version = '0.11.2'\n" });
    expect(readEngineTree('vllm', v).engineVersion).toBe('0.11.2');
  });

  it('caps how deep it walks', () => {
    const dir = tempDir();
    writeTree(dir, { [`${Array.from({ length: 20 }, (_, i) => `d${i}`).join('/')}/${F}`]: '{}' });
    const t = readEngineTree('vllm', dir);
    expect(t.problems.some((p) => /deeper than 12 levels/.test(p.reason))).toBe(true);
  });
});
