import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor, install, lookup } from './index';
import { tempDir } from './__fixtures__/fake-engines';
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
});
