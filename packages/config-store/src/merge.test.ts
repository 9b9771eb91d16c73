import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeConfigs } from './merge';
import { tempDir, writeTree } from './__fixtures__/fake-engines';

const F = 'triton_3_5_1/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
const c = (n: number) => ({ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });
const shard = (entries: Record<string, ReturnType<typeof c>>, extra: Record<string, string> = {}) => {
  const dir = tempDir();
  writeTree(dir, { [F]: `${JSON.stringify(entries, null, 4)}\n`, ...extra });
  return dir;
};
const measured = (us: Record<string, number>) =>
  JSON.stringify({ files: { [path.basename(F)]: { measurements: Object.fromEntries(Object.entries(us).map(([k, v]) => [k, { tunedUs: v, defaultUs: null, date: '2026-11-27' }])) } } });

describe('merge', () => {
  it('joins shards with disjoint batch sizes and keeps provenance', () => {
    const a = shard({ '1': c(32), '2': c(64) });
    const b = shard({ '4': c(128) });
    const out = path.join(tempDir(), 'out');
    const r = mergeConfigs([a, b], { out });
    expect(r.engine).toBe('sglang');
    expect(Object.keys(JSON.parse(readFileSync(path.join(out, F), 'utf8')))).toEqual(['1', '2', '4']);
    const prov = JSON.parse(readFileSync(path.join(out, 'provenance.json'), 'utf8'));
    expect(prov.files[F]).toEqual({ '1': { from: 0, rule: 'only', tunedUs: null }, '2': { from: 0, rule: 'only', tunedUs: null }, '4': { from: 1, rule: 'only', tunedUs: null } });
  });

  it('keeps the faster entry when every input measured it', () => {
    const a = shard({ '1': c(32), '2': c(64) }, { 'pack-input.json': measured({ '1': 10, '2': 20 }) });
    const b = shard({ '1': c(128), '2': c(256) }, { 'pack-input.json': measured({ '1': 12, '2': 15 }) });
    const out = path.join(tempDir(), 'out');
    const r = mergeConfigs([a, b], { out });
    const merged = JSON.parse(readFileSync(path.join(out, F), 'utf8'));
    expect([merged['1'].BLOCK_SIZE_N, merged['2'].BLOCK_SIZE_N]).toEqual([32, 256]);
    expect(r.files[F]).toEqual({ '1': { from: 0, rule: 'faster', tunedUs: 10 }, '2': { from: 1, rule: 'faster', tunedUs: 15 } });
  });

  it('refuses disagreements without measurements unless --prefer', () => {
    const a = shard({ '1': c(32) });
    const b = shard({ '1': c(128) });
    const out = path.join(tempDir(), 'out');
    expect(() => mergeConfigs([a, b], { out })).toThrow(/disagree without measurements at 1 batch key .*M=1/);
    const r = mergeConfigs([a, b], { out, prefer: 'last' });
    expect(r.files[F]?.['1']).toEqual({ from: 1, rule: 'prefer', tunedUs: null });
    expect(JSON.parse(readFileSync(path.join(out, F), 'utf8'))['1'].BLOCK_SIZE_N).toBe(128);
  });

  it('identical entries merge; broken inputs are refused', () => {
    const a = shard({ '1': c(32) });
    const b = shard({ '1': c(32) });
    expect(mergeConfigs([a, b], { out: path.join(tempDir(), 'o') }).files[F]?.['1']?.rule).toBe('same');
    const bad = shard({ '1': c(32) });
    writeFileSync(path.join(bad, F), '{"1": ');
    expect(() => mergeConfigs([a, bad], { out: path.join(tempDir(), 'o') })).toThrow(/not valid JSON/);
  });

  it('refuses inputs whose files the merged layout would drop or never merge', () => {
    const a = shard({ '1': c(32) });
    const flat = tempDir();
    writeTree(flat, { [path.basename(F)]: `${JSON.stringify({ '2': c(64) }, null, 4)}\n` });
    // Detected layouts differ: SGLang folders vs a flat folder.
    expect(() => mergeConfigs([a, flat], { out: path.join(tempDir(), 'o') })).toThrow(/different layouts/);
    // Read both as SGLang: the flat file is outside any triton_X_Y_Z folder.
    expect(() => mergeConfigs([a, flat], { out: path.join(tempDir(), 'o'), engine: 'sglang' })).toThrow(/is not directly in a triton_X_Y_Z folder/);
    // Read both as vLLM: the SGLang file sits in a subfolder.
    expect(() => mergeConfigs([a, flat], { out: path.join(tempDir(), 'o'), engine: 'vllm' })).toThrow(/is in a subfolder/);
    expect(() => mergeConfigs([a, tempDir()], { out: path.join(tempDir(), 'o') })).toThrow(/no config files/);
  });

  it('refuses an input with a config file linked from outside it (instead of dropping it)', () => {
    const a = shard({ '1': c(32) });
    const outside = shard({ '2': c(64) });
    const b = tempDir();
    writeTree(b, { 'triton_3_5_1/.keep': '' });
    symlinkSync(path.join(outside, F), path.join(b, F));
    expect(() => mergeConfigs([a, b], { out: path.join(tempDir(), 'o') })).toThrow(/is a symlink to .*outside the folder; merge reads only files inside/);
  });

  it('-o that is a file, or under one, is a usage error, not a crash', () => {
    const a = shard({ '1': c(32) });
    const b = shard({ '2': c(64) });
    const file = path.join(tempDir(), 'f');
    writeFileSync(file, '');
    expect(() => mergeConfigs([a, b], { out: file })).toThrow(/is a file, not a folder; pass a new folder for the merged files/);
    expect(() => mergeConfigs([a, b], { out: path.join(file, 'sub') })).toThrow(/is a file, not a folder/);
  });

  it('merges shards spelled the other engine\'s way under the name the output engine asks for', () => {
    const sg = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8,block_shape=[128, 128].json';
    const vl = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8,block_shape=[128,128].json';
    const a = tempDir();
    writeTree(a, { [sg]: `${JSON.stringify({ '1': c(128) }, null, 4)}\n` });
    const b = tempDir();
    writeTree(b, { [vl]: `${JSON.stringify({ '2': c(128) }, null, 4)}\n` });
    const out = path.join(tempDir(), 'o');
    const r = mergeConfigs([a, b], { out, engine: 'vllm' });
    expect(Object.keys(r.files)).toEqual([vl]);
    expect(Object.keys(JSON.parse(readFileSync(path.join(out, vl), 'utf8')))).toEqual(['1', '2']);
  });
});

describe('merge of moe tune outputs', () => {
  const T = 'triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200.json';
  const D = 'triton_3_6_0/E=32,N=1792,device_name=NVIDIA_H200_down.json';
  const tuneOut = (ms: Record<string, number>, engines: string[] = ['sglang']) => {
    const dir = tempDir();
    const table = Object.fromEntries(Object.keys(ms).map((m) => [m, c(64)]));
    const measurements = Object.fromEntries(Object.entries(ms).map(([m, us]) => [m, { tunedUs: us, defaultUs: us * 1.2, date: '2026-12-03' }]));
    const files: Record<string, string> = { 'tune-report.json': '{}\n' };
    for (const e of engines) {
      files[`${e}/${T}`] = `${JSON.stringify(table, null, 4)}\n`;
      files[`${e}/${D}`] = `${JSON.stringify(table, null, 4)}\n`;
      files[`${e}/pack-input.json`] = JSON.stringify({ tritonVersion: '3.6.0', files: { [T]: { serves: [{ model: 'm', tp: 1, ep: 1 }], measurements }, [D]: { measurements } } });
    }
    writeTree(dir, files);
    return dir;
  };

  it('reads the engine folder of each shard, with its measurements', () => {
    const out = path.join(tempDir(), 'out');
    const r = mergeConfigs([tuneOut({ '1': 10, '2': 11 }), tuneOut({ '1024': 50 })], { out });
    expect(r.engine).toBe('sglang');
    expect(Object.keys(JSON.parse(readFileSync(path.join(out, T), 'utf8')))).toEqual(['1', '2', '1024']);
    expect(Object.keys(JSON.parse(readFileSync(path.join(out, D), 'utf8')))).toEqual(['1', '2', '1024']);
    expect(r.files[T]!['1024']).toEqual({ from: 1, rule: 'only', tunedUs: 50 });
    const kept = JSON.parse(readFileSync(path.join(out, 'pack-input.json'), 'utf8'));
    expect(kept.files[T].measurements['2'].tunedUs).toBe(11);
  });

  it('asks which engine when a shard holds both', () => {
    const both = tuneOut({ '1': 10 }, ['sglang', 'vllm']);
    expect(() => mergeConfigs([both, tuneOut({ '2': 9 })], { out: path.join(tempDir(), 'out') })).toThrow(/is a moe tune output with sglang and vllm files; pass `engine` sglang or vllm/);
    const r = mergeConfigs([both, tuneOut({ '2': 9 })], { out: path.join(tempDir(), 'out'), engine: 'sglang' });
    expect(Object.keys(r.files).sort()).toEqual([T, D].sort());
  });
});
