import { mkdirSync, mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchShape } from './bench-shape';
import { parseSetSpecs } from './config-sets';
import { provenance, resolveSets, tunedFolder } from './resolve-sets';
import { hasPython } from '@moe/vitest-config/test-env';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SGLANG = path.join(repo, 'reference/sglang-configs');
const H100_FILE = 'E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json';

const LFM2: BenchShape = {
  model: 'LiquidAI/LFM2-8B-A1B',
  architecture: 'Lfm2MoeForCausalLM',
  engine: 'sglang',
  tp: 1,
  ep: 1,
  E: 32,
  N: 1792,
  K: 2048,
  topk: 4,
  mode: 'bf16',
  blockShape: null,
  dtype: null,
  fileN: 1792,
  perChannelQuant: false,
  configFile: 'E=32,N=1792,device_name=NVIDIA_H200.json',
  downConfigFile: 'E=32,N=1792,device_name=NVIDIA_H200_down.json',
};


const tmp = mkdtempSync(path.join(os.tmpdir(), 'moe-bench-sets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const tile = (m: number, n: number, k: number, g: number, w: number, s: number) => ({ BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: k, GROUP_SIZE_M: g, num_warps: w, num_stages: s });

describe('each set resolves as SGLang would load it on an H200 (Triton 3.6.0)', () => {
  const base = { engine: 'sglang' as const, shape: LFM2, deviceName: 'NVIDIA H200', ms: [1, 37, 64, 4096, 6144], tritonVersion: '3.6.0', cwd: repo };

  it("default: SGLang's bf16 default, 16/32/64/1 at M <= E, else 64/64/32/8, Triton's 4 warps and 3 stages", async () => {
    const [d] = await resolveSets(parseSetSpecs('default', 'sglang').sets, base);
    expect(d!.up.entries.map((e) => e.tile)).toEqual([tile(16, 32, 64, 1, 4, 3), tile(64, 64, 32, 8, 4, 3), tile(64, 64, 32, 8, 4, 3), tile(64, 64, 32, 8, 4, 3), tile(64, 64, 32, 8, 4, 3)]);
    expect(d!.up.entries.every((e) => e.source === 'default' && e.file === null)).toBe(true);
    expect(d!.down.entries.map((e) => e.tile)).toEqual(d!.up.entries.map((e) => e.tile));
    expect(provenance(d!.up, d!.up.entries[0]!, d!)).toBe('engine default config');
  });

  it("shipped H100 file: found in triton_3_5_1 by SGLang's fallback, nearest key, ties to the smaller", async () => {
    const [, s] = await resolveSets(parseSetSpecs(`shipped:${SGLANG}@NVIDIA H100 80GB HBM3`, 'sglang').sets, base);
    expect(s!.label).toBe('shipped@NVIDIA_H100_80GB_HBM3');
    expect(s!.up.file).toBe(`triton_3_5_1/${H100_FILE}`);
    expect(s!.up.fallbackFrom).toBe('triton_3_5_1');
    // The file's keys (read by hand): "1" 16/32/64/16/4/5; "32" 16/64/128/1/4/5 (37 is 5 from 32,
    // 11 from 48); "64" 16/32/128/1/4/2; "4096" 128/256/64/1/8/4; 6144 is 2048 from both 4096 and
    // 8192: the smaller.
    expect(s!.up.entries.map((e) => [e.key, e.tile])).toEqual([
      [1, tile(16, 32, 64, 16, 4, 5)],
      [32, tile(16, 64, 128, 1, 4, 5)],
      [64, tile(16, 32, 128, 1, 4, 2)],
      [4096, tile(128, 256, 64, 1, 8, 4)],
      [4096, tile(128, 256, 64, 1, 8, 4)],
    ]);
    // No _down file: the down GEMM runs the up config.
    expect(s!.down.entries.map((e) => e.tile)).toEqual(s!.up.entries.map((e) => e.tile));
    expect(s!.notes.some((n) => /no E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3_down\.json: the down GEMM uses the up config/.test(n))).toBe(true);
    expect(provenance(s!.up, s!.up.entries[1]!, s!)).toBe(`triton_3_5_1/${H100_FILE} entry "32" (Triton fallback: triton_3_5_1)`);
    expect(provenance(s!.down, s!.down.entries[1]!, s!)).toBe('the up config (no E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3_down.json)');
  });

  it("shipped without a device: this card's file, which SGLang does not ship for LFM2 on an H200: the default", async () => {
    const [d, s] = await resolveSets(parseSetSpecs(`default,shipped:${SGLANG}`, 'sglang').sets, base);
    expect(s!.up.file).toBeNull();
    expect(s!.up.entries.map((e) => e.tile)).toEqual(d!.up.entries.map((e) => e.tile));
    expect(provenance(s!.up, s!.up.entries[0]!, s!)).toMatch(/^engine default \(no E=32,N=1792,device_name=NVIDIA_H200\.json in .*sglang-configs\)$/);
  });

  it('tuned: a moe tune --out folder is read through its sglang/ folder; a _down file drives the down GEMM with the up BLOCK_SIZE_M', async () => {
    const out = path.join(tmp, 'tune-out');
    const dir = path.join(out, 'sglang', 'triton_3_6_0');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(out, 'tune-report.json'), '{}\n');
    const entry = (m: number, n: number, k: number, g: number, w: number, s: number) => ({ BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: k, GROUP_SIZE_M: g, num_warps: w, num_stages: s });
    writeFileSync(path.join(dir, 'E=32,N=1792,device_name=NVIDIA_H200.json'), `${JSON.stringify({ '1': entry(16, 64, 128, 1, 4, 3), '4096': entry(128, 256, 64, 1, 8, 4) }, null, 4)}\n`);
    writeFileSync(path.join(dir, 'E=32,N=1792,device_name=NVIDIA_H200_down.json'), `${JSON.stringify({ '1': entry(32, 128, 128, 1, 4, 2), '4096': { ...entry(64, 128, 64, 1, 8, 3), USE_TMA: true } }, null, 4)}\n`);
    expect(tunedFolder(out, 'sglang')).toBe(path.join(out, 'sglang'));
    const [, t] = await resolveSets(parseSetSpecs(`tuned:${out}`, 'sglang').sets, { ...base, ms: [1, 4096] });
    expect(t!.up.file).toBe('triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200.json');
    expect(t!.up.fallbackFrom).toBeNull();
    expect(t!.up.entries.map((e) => e.tile)).toEqual([tile(16, 64, 128, 1, 4, 3), tile(128, 256, 64, 1, 8, 4)]);
    // BLOCK_SIZE_M forced to the up entry's (16 and 128); USE_TMA is not timed, and said so.
    expect(t!.down.entries.map((e) => e.tile)).toEqual([tile(16, 128, 128, 1, 4, 2), tile(128, 128, 64, 1, 8, 3)]);
    expect(t!.down.entries[1]!.ignored).toEqual(["USE_TMA: true is not timed: the runner launches the engine's down GEMM without TMA"]);
    expect(t!.down.entries[0]!.ignored).toEqual([]);
  });

  it('pack: a pack folder, read through its configs/ tree', async () => {
    const pack = path.join(tmp, 'configs-h200');
    mkdirSync(path.join(pack, 'configs', 'triton_3_6_0'), { recursive: true });
    const name = 'E=32,N=1792,device_name=NVIDIA_H200.json';
    copyFileSync(path.join(SGLANG, 'triton_3_5_1', H100_FILE), path.join(pack, 'configs', 'triton_3_6_0', name));
    // A pack without a manifest is refused by config-store, naming it.
    await expect(resolveSets(parseSetSpecs(`pack:${pack}`, 'sglang').sets, base)).rejects.toThrow(/manifest/);
  });

  it('pack by name: none installed says so', async () => {
    await expect(resolveSets(parseSetSpecs('pack:h200', 'sglang').sets, { ...base, cwd: tmp })).rejects.toThrow(/^`sets` pack:h200: no such pack installed from .* \(none installed\); install it/);
  });

  it.runIf(hasPython)("installed: what the SGLang of that python loads, with that environment's Triton", async () => {
    // A site-packages with SGLang (April 2026+ layout) and Triton 3.5.1, whose configs hold the H100 file named for the H200.
    const site = path.join(tmp, 'site');
    const cfgs = path.join(site, 'sglang/srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1');
    mkdirSync(cfgs, { recursive: true });
    mkdirSync(path.join(site, 'triton'), { recursive: true });
    writeFileSync(path.join(site, 'sglang/__init__.py'), '');
    writeFileSync(path.join(site, 'sglang/srt/layers/moe/moe_runner/triton_utils/fused_moe_triton_config.py'), '');
    writeFileSync(path.join(site, 'triton/__init__.py'), '__version__ = "3.5.1"\n');
    copyFileSync(path.join(SGLANG, 'triton_3_5_1', H100_FILE), path.join(cfgs, 'E=32,N=1792,device_name=NVIDIA_H200.json'));
    const env = { PATH: process.env.PATH, PYTHONPATH: site };
    const [, i] = await resolveSets(parseSetSpecs('installed', 'sglang').sets, { ...base, ms: [1, 4096], python: 'python3', env });
    expect(i!.tritonVersion).toBe('3.5.1');
    expect(i!.up.file).toBe('srt/layers/moe/moe_runner/triton_utils/configs/triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H200.json');
    expect(i!.up.fallbackFrom).toBeNull();
    expect(i!.up.entries.map((e) => e.tile)).toEqual([tile(16, 32, 64, 16, 4, 5), tile(128, 256, 64, 1, 8, 4)]);
    expect(i!.notes).toContain("the engine's environment has Triton 3.5.1 (not 3.6.0): installed is looked up as that SGLang runs, with 3.5.1");
  });

  it('installed without `python` is refused', async () => {
    await expect(resolveSets(parseSetSpecs('installed', 'sglang').sets, base)).rejects.toThrow(/^`sets` installed: no `python` given/);
  });
});
