import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function tempDir(prefix = 'moe-config-store-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Writes files (relative path -> text) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

/**
 * A fake site-packages with an sglang package. 'new': the loader lives in
 * srt/layers/moe/moe_runner/triton_utils/ (April 2026+); 'old': in srt/layers/moe/fused_moe_triton/.
 * Both keep the old configs/ folder around in 'new' (as real installs upgraded in place do).
 */
export function fakeSglangSitePackages(layout: 'new' | 'old', files: Record<string, string> = {}): string {
  const site = tempDir('moe-site-');
  const pkg = path.join(site, 'sglang');
  writeTree(pkg, {
    '__init__.py': '',
    'version.py': '__version__ = "0.5.10"\n',
    'srt/layers/moe/fused_moe_triton/__init__.py': '',
    ...(layout === 'new'
      ? { 'srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py': '', 'srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/.keep': '' }
      : { 'srt/layers/moe/fused_moe_triton/fused_moe_triton_config.py': '', 'srt/layers/moe/fused_moe_triton/configs/triton_3_5_1/.keep': '' }),
    ...files,
  });
  return site;
}

/** A fake site-packages with a vllm package and its shipped configs folder. */
export function fakeVllmSitePackages(files: Record<string, string> = {}): string {
  const site = tempDir('moe-site-');
  writeTree(path.join(site, 'vllm'), {
    '__init__.py': '',
    'model_executor/layers/fused_moe/configs/README': 'shipped configs\n',
    ...files,
  });
  return site;
}
