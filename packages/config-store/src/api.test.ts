import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTableFrom, doctor, install, lookup, saveConfigTable } from './index';
import { fakeSglangSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';
import { hasPython } from './__fixtures__/has-python';
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
    const done = await install([path.join(SGLANG_CORPUS, 'triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H200.json')], { engine: 'vllm', into });
    expect(done.actions[0]?.target).toBe('E=8,N=7168,device_name=NVIDIA_H200.json');
    expect(doctor(into, { engine: 'vllm' }).findings).toEqual([]);
  });

  it('vLLM: a VLLM_TUNED_CONFIG_FOLDER that does not exist is skipped, as vLLM skips it', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H200.json';
    const shipped = tempDir();
    writeTree(shipped, { [name]: '{"1": {"BLOCK_SIZE_M": 16, "BLOCK_SIZE_N": 32, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 3}}\n' });
    const key = { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
    const r = await lookup({ engine: 'vllm', dir: shipped, env: { VLLM_TUNED_CONFIG_FOLDER: path.join(shipped, 'no-such-folder') }, key, ms: [1] });
    expect(r.notes[0]).toContain('(it does not exist)');
    expect(r.results[0]).toMatchObject({ source: 'file', file: name, key: 1 });
  });
  it('vLLM: VLLM_TUNED_CONFIG_FOLDER in env is read first, its files shown with their absolute path', async () => {
    const name = 'E=8,N=7168,device_name=NVIDIA_H200.json';
    const entry = (bn: number) => `{"1": {"BLOCK_SIZE_M": 16, "BLOCK_SIZE_N": ${bn}, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 3}}\n`;
    const shipped = tempDir();
    writeTree(shipped, { [name]: entry(32) });
    const tuned = tempDir();
    writeTree(tuned, { [name]: entry(256) });
    const key = { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
    const r = await lookup({ engine: 'vllm', dir: shipped, env: { VLLM_TUNED_CONFIG_FOLDER: tuned }, key, ms: [1] });
    expect(r.results[0]).toMatchObject({ source: 'file', file: `${realpathSync(tuned)}/${name}`, config: { BLOCK_SIZE_N: 256 } });
    expect(r.where).toBe(realpathSync(shipped));
    // Without it in env: the folder given.
    expect((await lookup({ engine: 'vllm', dir: shipped, env: {}, key, ms: [1] })).results[0]?.config.BLOCK_SIZE_N).toBe(32);
  });

  const sglangFile = (bm: number) =>
    `{"1": {"BLOCK_SIZE_M": ${bm}, "BLOCK_SIZE_N": 32, "BLOCK_SIZE_K": 64, "GROUP_SIZE_M": 1, "num_warps": 4, "num_stages": 3}}\n`;
  const sglangKey = { E: 8, N: 7168, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
  const NAME = 'E=8,N=7168,device_name=NVIDIA_H200.json';

  it('SGLang: `dir` is read as given, SGLANG_MOE_CONFIG_DIR or not (as moe configs lookup --dir does)', async () => {
    const pkg = tempDir();
    writeTree(pkg, { [`configs/triton_3_6_0/${NAME}`]: sglangFile(16) });
    const other = tempDir();
    writeTree(other, { [`configs/triton_3_6_0/${NAME}`]: sglangFile(32) });
    const r = await lookup({ engine: 'sglang', dir: pkg, env: { SGLANG_MOE_CONFIG_DIR: other }, key: sglangKey, ms: [1], tritonVersion: '3.6.0' });
    expect(r.results[0]?.config.BLOCK_SIZE_M).toBe(16);
  });

  it.runIf(hasPython)('SGLang with `python`: reads <SGLANG_MOE_CONFIG_DIR>/configs/ instead of the package, as SGLang does', async () => {
    const site = fakeSglangSitePackages('new', { [`srt/layers/moe/moe_runner/triton_utils/configs/triton_3_6_0/${NAME}`]: sglangFile(16) });
    const override = tempDir();
    writeTree(override, { [`configs/triton_3_6_0/${NAME}`]: sglangFile(32) });
    const base = { PATH: process.env.PATH, PYTHONPATH: site };
    const q = { engine: 'sglang' as const, python: 'python3', key: sglangKey, ms: [1], tritonVersion: '3.6.0' };
    const fromEnv = await lookup({ ...q, env: { ...base, SGLANG_MOE_CONFIG_DIR: override } });
    expect(fromEnv.results[0]).toMatchObject({ source: 'file', file: `configs/triton_3_6_0/${NAME}`, key: 1 });
    expect(fromEnv.results[0]?.config.BLOCK_SIZE_M).toBe(32);
    expect(fromEnv.notes[0]).toContain('SGLANG_MOE_CONFIG_DIR is set');
    // The env folder without the file: SGLang falls back to its default, not to the package folder.
    const empty = tempDir();
    writeTree(empty, { 'configs/triton_3_6_0/unrelated.txt': '' });
    expect((await lookup({ ...q, env: { ...base, SGLANG_MOE_CONFIG_DIR: empty } })).results[0]?.source).toBe('default');
    const plain = await lookup({ ...q, env: base });
    expect(plain.results[0]?.config.BLOCK_SIZE_M).toBe(16);
    expect(plain.packageLayout).toBe('new');
  });

  it('refuses no folder, two folders, and packs with a folder, naming the parameters', async () => {
    const q = { engine: 'vllm' as const, key: sglangKey, ms: [1] };
    await expect(lookup(q)).rejects.toThrow(/no folder given; pass one of `dir` and `python`/);
    await expect(lookup({ ...q, dir: tempDir(), python: 'python3' })).rejects.toThrow(/`dir` and `python` both given/);
    await expect(lookup({ ...q, dir: tempDir(), packs: true })).rejects.toThrow(/drop `dir` and `python`, or drop `packs`/);
    await expect(lookup({ ...q, packs: true, cwd: tempDir() })).rejects.toThrow(/`packs`: no config packs installed/);
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
    expect(() => saveConfigTable({ engine: 'sglang', into: junkInto, key, table: good, tritonVersion: '3.5.1' })).toThrow(/not a readable config file.*pass `force`/);
    expect(saveConfigTable({ engine: 'sglang', into: junkInto, key, table: good, tritonVersion: '3.5.1', force: true }).action).toBe('overwrite');
    const bad = configTableFrom({ '1': { BLOCK_SIZE_M: 48, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } });
    expect(() => saveConfigTable({ engine: 'vllm', into, key, table: bad })).toThrow(/power of two/);
    expect(readFileSync(saveConfigTable({ engine: 'vllm', into: tempDir(), key, table: good, tritonVersion: '3.5.1' }).path, 'utf8')).toMatch(/^\{\n {4}"triton_version": "3.5.1"/);
  });
});
