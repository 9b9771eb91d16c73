import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTableFrom, doctor, install, lookup, saveConfigTable } from './index';
import { tempDir, writeTree } from './__fixtures__/fake-engines';
import { SGLANG_CORPUS } from './__fixtures__/reference';

describe('JS API (the README example)', () => {
  it('looks up, installs and checks', async () => {
    const report = await lookup({
      engine: 'sglang',
      dir: SGLANG_CORPUS,
      key: { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false },
      ms: [1, 4096],
      tritonVersion: '3.5.1',
    });
    expect(report.results.map((r) => [r.m, r.file, r.key])).toEqual([
      [1, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json', 1],
      [4096, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json', 4096],
    ]);
    const into = tempDir();
    const done = install([path.join(SGLANG_CORPUS, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json')], { engine: 'vllm', into });
    expect(done.actions[0]?.target).toBe('E=8,N=7168,device_name=NVIDIA_H200.json');
    expect(doctor(into, { engine: 'vllm' }).findings).toEqual([]);
  });

  it('vLLM: a VLLM_TUNED_CONFIG_FOLDER that does not exist is skipped, as vLLM skips it', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H200.json';
    const shipped = tempDir();
    writeTree(shipped, { [name]: '{"1": {"BLOCK_SIZE_M": 16, "BLOCK_SIZE_N": 32, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 3}}\n' });
    const key = { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
    const r = await lookup({ engine: 'vllm', dir: shipped, tunedConfigFolder: path.join(shipped, 'no-such-folder'), key, ms: [1] });
    expect(r.results[0]).toMatchObject({ source: 'file', file: name, key: 1 });
  });
  it('SGLang: with sglangConfigDir (SGLANG_MOE_CONFIG_DIR) set, reads <it>/configs/ instead of dir, as SGLang does', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H200.json';
    const entry = (bm: number) =>
      `{"1": {"BLOCK_SIZE_M": ${bm}, "BLOCK_SIZE_N": 32, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 3}}\n`;
    const pkg = tempDir();
    writeTree(pkg, { [`configs/triton_3_6_0/${name}`]: entry(16) });
    const env = tempDir();
    writeTree(env, { [`configs/triton_3_6_0/${name}`]: entry(32) });
    const key = { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
    const fromEnv = await lookup({ engine: 'sglang', dir: pkg, sglangConfigDir: env, key, ms: [1], tritonVersion: '3.6.0' });
    expect(fromEnv.results[0]).toMatchObject({ source: 'file', file: `configs/triton_3_6_0/${name}`, key: 1 });
    expect(fromEnv.results[0]?.config.BLOCK_SIZE_M).toBe(32);
    // The env folder without the file: SGLang falls back to its default, not to the package folder.
    const empty = tempDir();
    writeTree(empty, { 'configs/triton_3_6_0/unrelated.txt': '' });
    const fallback = await lookup({ engine: 'sglang', dir: pkg, sglangConfigDir: empty, key, ms: [1], tritonVersion: '3.6.0' });
    expect(fallback.results[0]?.source).toBe('default');
    const plain = await lookup({ engine: 'sglang', dir: pkg, key, ms: [1], tritonVersion: '3.6.0' });
    expect(plain.results[0]?.config.BLOCK_SIZE_M).toBe(16);
  });
});

describe('saveConfigTable', () => {
  const key = { E: 8, N: 7168, deviceName: 'NVIDIA_H100_80GB_HBM3', dtype: null, blockShape: null, perChannelQuant: false, down: false };
  const good = configTableFrom({ '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } });

  it('writes where the engine reads, refuses invalid tables and different existing files', () => {
    const into = tempDir();
    const first = saveConfigTable({ engine: 'sglang', into, key, table: good, tritonVersion: '3.5.1' });
    expect(path.relative(into, first.path)).toBe('configs/triton_3_5_1/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json');
    expect(first.action).toBe('write');
    expect(saveConfigTable({ engine: 'sglang', into, key, table: good, tritonVersion: '3.5.1' }).action).toBe('unchanged');
    const other = configTableFrom({ '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } });
    expect(() => saveConfigTable({ engine: 'sglang', into, key, table: other, tritonVersion: '3.5.1' })).toThrow(/different configs at batch sizes 1/);
    expect(saveConfigTable({ engine: 'sglang', into, key, table: other, tritonVersion: '3.5.1', force: true }).action).toBe('overwrite');
    // An existing file that is not UTF-8: a conflict, which force overwrites.
    const junkInto = tempDir();
    const junk = saveConfigTable({ engine: 'sglang', into: junkInto, key, table: good, tritonVersion: '3.5.1' }).path;
    writeFileSync(junk, Buffer.from([0x7b, 0xff, 0x7d]));
    expect(() => saveConfigTable({ engine: 'sglang', into: junkInto, key, table: good, tritonVersion: '3.5.1' })).toThrow(/not a readable config file.*pass force/);
    expect(saveConfigTable({ engine: 'sglang', into: junkInto, key, table: good, tritonVersion: '3.5.1', force: true }).action).toBe('overwrite');
    const bad = configTableFrom({ '1': { BLOCK_SIZE_M: 48, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } });
    expect(() => saveConfigTable({ engine: 'vllm', into, key, table: bad })).toThrow(/power of two/);
    expect(readFileSync(saveConfigTable({ engine: 'vllm', into: tempDir(), key, table: good, tritonVersion: '3.5.1' }).path, 'utf8')).toMatch(/^\{\n {4}"triton_version": "3.5.1"/);
  });
});
