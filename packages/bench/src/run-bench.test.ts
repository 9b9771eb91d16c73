import type { TileConfig } from '@moe/engine-facts';
import { lookupConfig, memorySource } from '@moe/config-store';
import { describe, expect, it } from 'vitest';
import { parseSetSpecs } from './config-sets';
import { resolvedSetOf } from './resolve-sets';
import { runBench, type BenchBatch, type BenchDevice } from './run-bench';
import type { BenchStage } from './traffic';

const key = { E: 32, N: 1792, deviceName: 'NVIDIA H200', dtype: null, blockShape: null, perChannelQuant: false };
const entry = (bm: number, bn: number) => ({ BLOCK_SIZE_M: bm, BLOCK_SIZE_N: bn, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });
const NAME = 'E=32,N=1792,device_name=NVIDIA_H200.json';

function sets(ms: number[]) {
  const specs = parseSetSpecs('default,tuned:a,tuned:b', 'sglang').sets;
  const q = (down: boolean) => ({ engine: 'sglang' as const, key, ms, tritonVersion: '3.6.0', down });
  const a = memorySource({ [`triton_3_6_0/${NAME}`]: JSON.stringify({ '1': entry(16, 64), '64': entry(32, 128) }) });
  // b holds the default's config at M=64 (64/64/32/8, 4 warps, 3 stages): it shares the default's run there.
  const b = memorySource({ [`triton_3_6_0/${NAME}`]: JSON.stringify({ '1': entry(16, 128), '64': { BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 32, GROUP_SIZE_M: 8 } }) });
  const none = memorySource({});
  return [
    resolvedSetOf(specs[0]!, 'default', '3.6.0', lookupConfig(q(false), none), lookupConfig(q(true), none)),
    resolvedSetOf(specs[1]!, 'a', '3.6.0', lookupConfig(q(false), a), lookupConfig(q(true), a)),
    resolvedSetOf(specs[2]!, 'b', '3.6.0', lookupConfig(q(false), b), lookupConfig(q(true), b)),
  ];
}

/** A device that records every call; the up GEMM with BLOCK_SIZE_N 128 gives wrong results, BLOCK_SIZE_N 64 at M=64 fails to compile. */
class RecordingDevice implements BenchDevice {
  calls: string[] = [];
  async batch(M: number): Promise<BenchBatch> {
    const name = (stage: BenchStage, up: TileConfig | null, down: TileConfig | null) => `${stage} ${up?.BLOCK_SIZE_N ?? '-'}/${down?.BLOCK_SIZE_N ?? '-'}`;
    return {
      hitExperts: M === 1 ? 4 : 32,
      check: async (stage, up, down) => {
        this.calls.push(`M=${M} check ${name(stage, up, down)}`);
        if (M === 64 && up?.BLOCK_SIZE_M === 32) throw new Error('compile error: out of resources\nmore lines');
        return up?.BLOCK_SIZE_N === 128 ? { ok: false, summary: 'rel error 1' } : { ok: true, summary: 'ok' };
      },
      time: async (stage, up, down) => {
        this.calls.push(`M=${M} time ${name(stage, up, down)}`);
        return 10;
      },
      dispose: () => this.calls.push(`M=${M} dispose`),
    };
  }
}

describe('runBench', () => {
  it('checks each distinct config once, times those that pass in rotated rounds, records failures', async () => {
    const dev = new RecordingDevice();
    const batches = await runBench(dev, { sets: sets([1, 64]), ms: [1, 64], stages: ['up'], rounds: 2, replays: 20 });
    expect(dev.calls).toEqual([
      // M=1: default 32, a 64, b 128 (wrong: not timed).
      'M=1 check up 32/-',
      'M=1 check up 64/-',
      'M=1 check up 128/-',
      'M=1 time up 32/-',
      'M=1 time up 64/-',
      // the second round starts one place later
      'M=1 time up 64/-',
      'M=1 time up 32/-',
      'M=1 dispose',
      // M=64: default 64/64/32/8 (b shares it), a's 32/128 fails to compile.
      'M=64 check up 64/-',
      'M=64 check up 128/-',
      'M=64 time up 64/-',
      'M=64 time up 64/-',
      'M=64 dispose',
    ]);
    const [m1, m64] = batches;
    expect(m1!.hitExperts).toBe(4);
    expect(m1!.hitSource).toBe('routing');
    expect(m1!.runs.map((r) => [r.sets, r.roundsUs, r.check?.ok ?? null])).toEqual([
      [['default'], [10, 10], true],
      [['tuned'], [10, 10], true],
      [['tuned#2'], [], false],
    ]);
    expect(m64!.runs.map((r) => [r.sets, r.error, r.roundsUs])).toEqual([
      [['default', 'tuned#2'], null, [10, 10]],
      [['tuned'], 'compile error: out of resources', []],
    ]);
    // Where each config came from is recorded per set.
    expect(m64!.configs['tuned#2']!.up.provenance).toBe(`triton_3_6_0/${NAME} entry "64"`);
    expect(m64!.configs.default!.up.provenance).toBe('engine default config');
  });

  it('the whole layer runs the up and the down config together', async () => {
    const dev = new RecordingDevice();
    await runBench(dev, { sets: sets([1]).slice(0, 2), ms: [1], stages: ['down', 'layer'], rounds: 1, replays: 5 });
    expect(dev.calls.filter((c) => c.includes('time'))).toEqual(['M=1 time down -/32', 'M=1 time layer 32/32', 'M=1 time down -/64', 'M=1 time layer 64/64']);
  });

  it('the engine self-check runs at the batch sizes asked for, once per distinct GEMM config, and a failed one is not timed', async () => {
    const calls: string[] = [];
    const device: BenchDevice = {
      batch: async (M) => ({
        hitExperts: 4,
        check: async () => ({ ok: true, summary: 'ok' }),
        engineCheck: async (gemm, c) => {
          calls.push(`M=${M} engine ${gemm} ${c.BLOCK_SIZE_N}`);
          return c.BLOCK_SIZE_N === 64 ? { ok: false, summary: 'grid differs' } : { ok: true, summary: 'bit-identical' };
        },
        time: async (stage, up) => {
          calls.push(`M=${M} time ${stage} ${up?.BLOCK_SIZE_N ?? '-'}`);
          return 10;
        },
        dispose: () => {},
      }),
    };
    const batches = await runBench(device, { sets: sets([1, 64]).slice(0, 2), ms: [1, 64], stages: ['up', 'layer'], rounds: 1, replays: 5, engineCheck: [1] });
    // At M=1 only: default (BLOCK_SIZE_N 32) up then down, a (64) up and down; layer runs reuse them.
    expect(calls.filter((c) => c.includes('engine'))).toEqual(['M=1 engine up 32', 'M=1 engine down 32', 'M=1 engine up 64', 'M=1 engine down 64']);
    // a's runs at M=1 failed the self-check (its layer run through its up config's result, checked
    // once): not timed; at M=64 (not checked) everything is.
    expect(calls.filter((c) => c.startsWith('M=1 time'))).toEqual(['M=1 time up 32', 'M=1 time layer 32']);
    expect(batches[0]!.runs.map((r) => r.engineCheck?.ok ?? null)).toEqual([true, true, false, false]);
    expect(batches[0]!.runs[1]!.engineCheck!.summary).toBe('bit-identical; bit-identical');
    expect(batches[1]!.runs.every((r) => r.engineCheck === null && r.roundsUs.length === 1)).toBe(true);
  });
});
