// The ceilings a bench holds its numbers against: the card's memory bandwidth and its dense
// bf16 and fp8 matrix rates. `moe bench --peaks` measures them on the card (a PeakMeasurer over
// a PeakDevice: device-to-device copies timed by events, and a large dense GEMM through the
// fused-MoE Triton kernel with one expert); without it they come from the table below, each
// value saying where it is from. A report marks every ceiling as measured or from the table.
import { tileConfig, type TileConfig } from '@moe/engine-facts';
import { BenchDeviceError } from './errors/bench-device-error';
import { median } from './speedup';

export type PeakSource = 'measured' | 'table';

export interface Ceiling {
  /** Bytes/s for the bandwidth, FLOP/s for the matrix rates. */
  value: number;
  source: PeakSource;
  /** How it was measured, or which document the table value comes from. */
  how: string;
}

export interface Peaks {
  /** The card as its driver names it. */
  card: string;
  bandwidth: Ceiling | null;
  bf16: Ceiling | null;
  fp8: Ceiling | null;
}

interface TableEntry {
  bandwidth: Ceiling;
  bf16: Ceiling;
  fp8: Ceiling;
}

const H100_H200_FP8: Ceiling = {
  value: 1979e12,
  source: 'table',
  how: "vendor datasheet, dense fp8 of the H100/H200 SXM (not measured on this project's cards)",
};

/**
 * Documented ceilings, by the name the driver reports. Sources: ../shared/design/KERNEL.md
 * (this project's GPU host) and the workplace's device notes (H200.md, KINDS.md).
 */
export const PEAK_TABLE: Readonly<Record<string, TableEntry>> = {
  'NVIDIA H200': {
    bandwidth: {
      value: 4.8e12,
      source: 'table',
      how: 'vendor datasheet, 141 GB HBM3e at 4.8 TB/s (a device-to-device copy through PyTorch moved about 4.3 TB/s, read + write, on these machines)',
    },
    bf16: {
      value: 790e12,
      source: 'table',
      how: 'measured through PyTorch on these machines: an 8192x8192x8192 bf16 matmul on random data at 769-798 TFLOP/s (datasheet 990)',
    },
    fp8: H100_H200_FP8,
  },
  'NVIDIA H100 80GB HBM3': {
    bandwidth: { value: 3.0e12, source: 'table', how: "measured copy bandwidth on this project's GPU host (KERNEL.md: ~3.0 TB/s)" },
    bf16: { value: 790e12, source: 'table', how: "measured dense bf16 on this project's GPU host (KERNEL.md: ~790 TFLOP/s)" },
    fp8: H100_H200_FP8,
  },
};

/** The table's ceilings for a card (by its driver name, spaces or underscores), or nulls with no entry. */
export function tablePeaks(card: string): Peaks {
  const norm = (s: string) => s.trim().replace(/_/g, ' ').toLowerCase();
  const entry = Object.entries(PEAK_TABLE).find(([name]) => norm(name) === norm(card))?.[1];
  return { card, bandwidth: entry?.bandwidth ?? null, bf16: entry?.bf16 ?? null, fp8: entry?.fp8 ?? null };
}

/** A GEMM the dense rate is measured with: [M, K] x [K, N]. */
export interface DenseDims {
  M: number;
  N: number;
  K: number;
}

export type DenseTiming = { ok: true; us: number } | { ok: false; message: string };

/** What measuring the peaks needs from a GPU. */
export interface PeakDevice {
  /** The card as its driver names it. */
  readonly name: string;
  /** µs that `copies` back-to-back device-to-device copies of `bytes` bytes took (one timed run). */
  timeCopies(bytes: number, copies: number): Promise<number>;
  /** Median µs per launch of a dense GEMM in `rate` with one tile config, its result checked; or why it failed. */
  timeDenseGemm(rate: 'bf16' | 'fp8', dims: DenseDims, config: TileConfig): Promise<DenseTiming>;
  /** Describes the GEMM kernel used, for the record ("MoE Kit's fused-MoE Triton kernel, E=1, top-1"). */
  readonly gemmKernel: string;
}

export interface MeasuredRate {
  /** FLOP/s of the fastest config. */
  value: number;
  dims: DenseDims;
  best: TileConfig;
  tried: { config: TileConfig; us: number | null; message: string | null }[];
}

export interface MeasuredPeaks {
  card: string;
  bandwidth: { value: number; bytes: number; copies: number; runsUs: number[] };
  bf16: MeasuredRate;
  fp8: MeasuredRate | null;
  gemmKernel: string;
}

/** Measures the peaks of one card. */
export interface PeakMeasurer {
  measure(): Promise<MeasuredPeaks>;
}

const cfg = tileConfig;

/** Large-tile configs of the engines' grid that dense GEMMs of this size run fastest with on Hopper-class cards. */
export const DENSE_CONFIGS: Readonly<Record<'bf16' | 'fp8', readonly TileConfig[]>> = {
  bf16: [cfg(128, 256, 64, 8, 8, 3), cfg(128, 256, 64, 8, 8, 4), cfg(128, 128, 64, 8, 8, 4), cfg(256, 128, 64, 8, 8, 3), cfg(128, 128, 64, 8, 4, 4)],
  fp8: [cfg(128, 256, 128, 8, 8, 3), cfg(128, 256, 128, 8, 8, 4), cfg(128, 128, 128, 8, 8, 4), cfg(256, 128, 128, 8, 8, 3)],
};

export interface PeakMeasureOptions {
  /** Bytes per copy (default 1 GiB: many times any L2). */
  copyBytes?: number;
  /** Copies per timed run (default 10). */
  copies?: number;
  /** Timed runs; the median is taken (default 5). */
  runs?: number;
  /** The dense GEMM (default 8192 x 8192 x 8192). */
  dims?: DenseDims;
  /** Measure the fp8 rate too (default true). */
  fp8?: boolean;
  configs?: Partial<Record<'bf16' | 'fp8', readonly TileConfig[]>>;
}

/** Copy bandwidth counts the bytes read and the bytes written: 2 x bytes per copy. */
export function copyBandwidth(bytes: number, copies: number, micros: number): number {
  return (2 * bytes * copies) / (micros * 1e-6);
}

/** FLOP/s of a dense [M, K] x [K, N] GEMM that took `micros`. */
export function denseRate(d: DenseDims, micros: number): number {
  return (2 * d.M * d.N * d.K) / (micros * 1e-6);
}

/** The measurement over any PeakDevice: bandwidth from the median run, each rate from its fastest config. */
export class DevicePeakMeasurer implements PeakMeasurer {
  constructor(
    private readonly device: PeakDevice,
    private readonly options: PeakMeasureOptions = {},
  ) {}

  async measure(): Promise<MeasuredPeaks> {
    const o = this.options;
    const bytes = o.copyBytes ?? 2 ** 30;
    const copies = o.copies ?? 10;
    const runs = o.runs ?? 5;
    const runsUs: number[] = [];
    for (let i = 0; i < runs; i++) runsUs.push(await this.device.timeCopies(bytes, copies));
    const dims = o.dims ?? { M: 8192, N: 8192, K: 8192 };
    const rate = async (r: 'bf16' | 'fp8'): Promise<MeasuredRate> => {
      const tried: MeasuredRate['tried'] = [];
      for (const config of o.configs?.[r] ?? DENSE_CONFIGS[r]) {
        const t = await this.device.timeDenseGemm(r, dims, config);
        tried.push(t.ok ? { config, us: t.us, message: null } : { config, us: null, message: t.message });
      }
      const ok = tried.filter((t): t is typeof t & { us: number } => t.us !== null);
      if (ok.length === 0) {
        throw new BenchDeviceError(
          `peaks: no ${r} dense GEMM ran on ${this.device.name} (${tried.map((t) => t.message).join('; ')}); check the compile service (python with Triton) and run again, or leave out \`peaks\` to use the documented ceilings`,
        );
      }
      const best = ok.reduce((a, b) => (b.us < a.us ? b : a));
      return { value: denseRate(dims, best.us), dims, best: best.config, tried };
    };
    const bf16 = await rate('bf16');
    const fp8 = o.fp8 === false ? null : await rate('fp8');
    return {
      card: this.device.name,
      bandwidth: { value: copyBandwidth(bytes, copies, median(runsUs)), bytes, copies, runsUs },
      bf16,
      fp8,
      gemmKernel: this.device.gemmKernel,
    };
  }
}

const tf = (x: number) => `${(x / 1e12).toFixed(0)} TFLOP/s`;

/** The ceilings of a run: the measured ones where there are, the table's for the rest. */
export function peaksOf(card: string, measured: MeasuredPeaks | null): Peaks {
  const table = tablePeaks(card);
  if (!measured) return table;
  const rateCeiling = (r: MeasuredRate): Ceiling => ({
    value: r.value,
    source: 'measured',
    how: `${r.dims.M}x${r.dims.N}x${r.dims.K} GEMM through ${measured.gemmKernel}, fastest of ${r.tried.length} configs (${r.best.BLOCK_SIZE_M}/${r.best.BLOCK_SIZE_N}/${r.best.BLOCK_SIZE_K}/${r.best.GROUP_SIZE_M}/${r.best.num_warps}/${r.best.num_stages}) at ${tf(r.value)}: a lower bound of the card's dense rate`,
  });
  const b = measured.bandwidth;
  return {
    card,
    bandwidth: {
      value: b.value,
      source: 'measured',
      how: `device-to-device copies of ${(b.bytes / 2 ** 30).toFixed(2)} GiB timed by events, read + write bytes, median of ${b.runsUs.length} runs of ${b.copies}`,
    },
    bf16: rateCeiling(measured.bf16),
    fp8: measured.fp8 ? rateCeiling(measured.fp8) : table.fp8,
  };
}
