import type { TileConfig } from '@moe/engine-facts';
import { describe, expect, it } from 'vitest';
import { BenchDeviceError } from './errors/bench-device-error';
import { DENSE_CONFIGS, DevicePeakMeasurer, copyBandwidth, denseRate, peaksOf, tablePeaks, type DenseTiming, type PeakDevice } from './peaks';

/** A device whose copies and GEMMs take the times it is told. */
class FakeDevice implements PeakDevice {
  readonly name = 'NVIDIA H200';
  readonly gemmKernel = "a fake GEMM";
  copies: { bytes: number; copies: number }[] = [];
  gemms: { rate: string; config: TileConfig }[] = [];
  constructor(
    private readonly copyUs: number[],
    private readonly gemmUs: (rate: 'bf16' | 'fp8', c: TileConfig) => DenseTiming,
  ) {}
  async timeCopies(bytes: number, copies: number): Promise<number> {
    this.copies.push({ bytes, copies });
    return this.copyUs[this.copies.length - 1]!;
  }
  async timeDenseGemm(rate: 'bf16' | 'fp8', _dims: unknown, config: TileConfig): Promise<DenseTiming> {
    this.gemms.push({ rate, config });
    return this.gemmUs(rate, config);
  }
}

describe('peak rates', () => {
  it('copy bandwidth counts read and written bytes', () => {
    // 10 copies of 1 GiB in 5 ms: 2 * 2^30 * 10 / 0.005 s = 4.294967296e12 B/s.
    expect(copyBandwidth(2 ** 30, 10, 5000)).toBeCloseTo(4.294967296e12, 0);
  });

  it('dense rate is 2 M N K over the time', () => {
    // 2 * 1000^3 = 2e9 FLOPs in 2 µs = 1e15 FLOP/s.
    expect(denseRate({ M: 1000, N: 1000, K: 1000 }, 2)).toBeCloseTo(1e15, 0);
  });

  it('measures the median copy run and the fastest config of each rate', async () => {
    const dev = new FakeDevice([5000, 5100, 4900, 5000, 6000], (rate, c) =>
      rate === 'bf16'
        ? c.BLOCK_SIZE_N === 256 && c.num_stages === 4
          ? { ok: true, us: 1000 }
          : c.BLOCK_SIZE_M === 256
            ? { ok: false, message: 'out of shared memory' }
            : { ok: true, us: 1250 }
        : { ok: true, us: 600 },
    );
    const m = await new DevicePeakMeasurer(dev, { dims: { M: 1000, N: 1000, K: 1000 } }).measure();
    expect(dev.copies).toEqual(Array(5).fill({ bytes: 2 ** 30, copies: 10 }));
    expect(m.bandwidth.value).toBeCloseTo(4.294967296e12, 0);
    expect(m.bandwidth.runsUs).toEqual([5000, 5100, 4900, 5000, 6000]);
    // 2e9 FLOPs in 1000 µs = 2e12 FLOP/s, from 128/256/64/8/8/4.
    expect(m.bf16.value).toBeCloseTo(2e12, 0);
    expect(m.bf16.best).toEqual(DENSE_CONFIGS.bf16[1]);
    expect(m.bf16.tried.filter((t) => t.us === null)).toEqual([{ config: DENSE_CONFIGS.bf16[3], us: null, message: 'out of shared memory' }]);
    expect(m.fp8?.value).toBeCloseTo(2e9 / 600e-6, 0);
    expect(dev.gemms.map((g) => g.rate)).toEqual([...DENSE_CONFIGS.bf16.map(() => 'bf16'), ...DENSE_CONFIGS.fp8.map(() => 'fp8')]);
  });

  it('fails as the machine when no config of a rate runs', async () => {
    const dev = new FakeDevice([1, 1, 1, 1, 1], () => ({ ok: false, message: 'compile worker: no triton' }));
    await expect(new DevicePeakMeasurer(dev).measure()).rejects.toThrow(BenchDeviceError);
    await expect(new DevicePeakMeasurer(dev).measure()).rejects.toThrow(/peaks: no bf16 dense GEMM ran on NVIDIA H200 \(compile worker: no triton; /);
  });

  it('the table: H200 ceilings by the driver name, each saying where it comes from', () => {
    const p = tablePeaks('NVIDIA H200');
    expect(p.bandwidth?.value).toBe(4.8e12);
    expect(p.bf16?.value).toBe(790e12);
    expect(p.fp8?.value).toBe(1979e12);
    expect([p.bandwidth?.source, p.bf16?.source, p.fp8?.source]).toEqual(['table', 'table', 'table']);
    expect(p.fp8?.how).toMatch(/datasheet/);
    expect(tablePeaks('NVIDIA_H200').bf16?.value).toBe(790e12);
    expect(tablePeaks('NVIDIA H100 80GB HBM3').bandwidth?.value).toBe(3.0e12);
    expect(tablePeaks('AMD Instinct MI300X')).toEqual({ card: 'AMD Instinct MI300X', bandwidth: null, bf16: null, fp8: null });
  });

  it('measured peaks replace the table, marked measured', async () => {
    const dev = new FakeDevice([5000, 5000, 5000, 5000, 5000], () => ({ ok: true, us: 1000 }));
    const m = await new DevicePeakMeasurer(dev, { fp8: false, dims: { M: 1000, N: 1000, K: 1000 } }).measure();
    const p = peaksOf('NVIDIA H200', m);
    expect(p.bandwidth?.source).toBe('measured');
    expect(p.bf16?.source).toBe('measured');
    expect(p.bf16?.how).toMatch(/lower bound/);
    // Not measured: the table's, still marked so.
    expect(p.fp8?.source).toBe('table');
    expect(peaksOf('NVIDIA H200', null)).toEqual(tablePeaks('NVIDIA H200'));
  });
});
