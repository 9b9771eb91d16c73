// The JSON record of a bench run: everything measured (every round of every config), where each
// config came from, the card, the kernel and the protocol. Tables, plots and speedups are
// computed from it (summarize.ts), so a saved record renders again anywhere (`moe bench --from`).
import type { Engine, KernelConfig, TileConfig } from '@moe/engine-facts';
import { z } from 'zod';
import type { BenchShape } from './bench-shape';
import type { SetKind } from './config-sets';
import type { ResolvedSet } from './resolve-sets';
import { BenchRecordError } from './errors/bench-record-error';
import type { MeasuredPeaks, Peaks } from './peaks';
import type { BenchStage } from './traffic';

export const RECORD_FORMAT = 'moe-bench-record' as const;
export const RECORD_VERSION = 1 as const;

export type BenchRouting =
  | { kind: 'uniform'; seed: number }
  | { kind: 'zipf'; s: number; seed: number }
  | { kind: 'trace'; file: string; seed: number };

export interface BenchProtocol {
  /** Rounds: each times every distinct config once; the speedup intervals come from them. */
  rounds: number;
  /** Timed CUDA-graph replays per round (the round's time is their median). */
  replays: number;
  launchesPerGraph: number;
  warmup: number;
  rotateInputs: boolean;
  l2Flush: boolean;
  /** The order configs are timed in within a round. */
  order: string;
}

export interface EntryRecord {
  config: KernelConfig;
  tile: TileConfig;
  source: 'file' | 'default';
  file: string | null;
  key: number | null;
  /** Where it came from, in words: file and entry, or the default. */
  provenance: string;
  ignored: string[];
}

export interface RunRecord {
  stage: BenchStage;
  /** The sets whose config this is (sets with the same config share one run). */
  sets: string[];
  /** The up GEMM's config (stages up and layer), else null. */
  up: TileConfig | null;
  /** The down GEMM's config (stages down and layer), else null. */
  down: TileConfig | null;
  /** Against the float64 CPU reference. */
  check: { ok: boolean; summary: string } | null;
  /** The engine's own launch vs MoE Kit's binding (bit-identical outputs), when asked for. */
  engineCheck: { ok: boolean; summary: string } | null;
  /** A compile or launch failure: not timed. */
  error: string | null;
  /** Median µs per launch of each round, in round order. */
  roundsUs: number[];
}

export interface BatchRecord {
  M: number;
  /** Experts with at least one token: counted in the routing, or expected under uniform routing. */
  hitExperts: number;
  hitSource: 'routing' | 'expected';
  /** Per set label: the configs the engine would load. */
  configs: Record<string, { up: EntryRecord; down: EntryRecord }>;
  runs: RunRecord[];
}

export interface SetRecord {
  label: string;
  kind: SetKind;
  spec: string;
  where: string;
  tritonVersion: string | null;
  upFile: string | null;
  downFile: string | null;
  notes: string[];
}

export interface BenchRecord {
  format: typeof RECORD_FORMAT;
  version: typeof RECORD_VERSION;
  /** Null for a measured run; for made-up data, a label saying so (shown on every page and plot). */
  synthetic: string | null;
  created: string;
  tool: { name: string; version: string };
  card: { name: string; arch: string | null; driver: string | null };
  kernel: { kind: 'engine' | 'moe-kit'; description: string; sourceSha256: string | null };
  triton: string | null;
  engine: Engine;
  shape: BenchShape;
  routing: BenchRouting;
  seed: number;
  protocol: BenchProtocol;
  stages: BenchStage[];
  peaks: Peaks;
  measuredPeaks: MeasuredPeaks | null;
  sets: SetRecord[];
  batches: BatchRecord[];
  notes: string[];
}

/** The record's entry of each resolved set. */
export function setRecords(sets: readonly ResolvedSet[]): SetRecord[] {
  return sets.map((s) => ({
    label: s.label,
    kind: s.spec.kind,
    spec: s.spec.spec,
    where: s.where,
    tritonVersion: s.tritonVersion,
    upFile: s.up.file,
    downFile: s.down.file,
    notes: s.notes,
  }));
}

// ---- reading a saved record (untrusted: parsed once, here) ----

const pos = z.number().finite().positive();
const posInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const tile = z.object({
  BLOCK_SIZE_M: posInt,
  BLOCK_SIZE_N: posInt,
  BLOCK_SIZE_K: posInt,
  GROUP_SIZE_M: posInt,
  num_warps: posInt,
  num_stages: posInt,
});
const kernelConfig = tile.catchall(z.union([z.number(), z.boolean()]));
const ceiling = z.object({ value: pos, source: z.enum(['measured', 'table']), how: z.string() }).nullable();
const stage = z.enum(['up', 'down', 'layer']);
const entry = z.object({
  config: kernelConfig,
  tile,
  source: z.enum(['file', 'default']),
  file: z.string().nullable(),
  key: posInt.nullable(),
  provenance: z.string(),
  ignored: z.array(z.string()),
});
const check = z.object({ ok: z.boolean(), summary: z.string() }).nullable();
const rate = z.object({
  value: pos,
  dims: z.object({ M: posInt, N: posInt, K: posInt }),
  best: tile,
  tried: z.array(z.object({ config: tile, us: pos.nullable(), message: z.string().nullable() })),
});

const recordSchema = z.object({
  format: z.literal(RECORD_FORMAT),
  version: z.literal(RECORD_VERSION),
  synthetic: z.string().nullable(),
  created: z.string(),
  tool: z.object({ name: z.string(), version: z.string() }),
  card: z.object({ name: z.string(), arch: z.string().nullable(), driver: z.string().nullable() }),
  kernel: z.object({ kind: z.enum(['engine', 'moe-kit']), description: z.string(), sourceSha256: z.string().nullable() }),
  triton: z.string().nullable(),
  engine: z.enum(['sglang', 'vllm']),
  shape: z.object({
    model: z.string(),
    architecture: z.string(),
    engine: z.enum(['sglang', 'vllm']),
    tp: posInt,
    ep: posInt,
    E: posInt,
    N: posInt,
    K: posInt,
    topk: posInt,
    mode: z.enum(['bf16', 'fp16', 'fp8_w8a8', 'fp8_w8a8_block']),
    blockShape: z.tuple([posInt, posInt]).nullable(),
    dtype: z.string().nullable(),
    fileN: posInt,
    perChannelQuant: z.boolean(),
    configFile: z.string(),
    downConfigFile: z.string().nullable(),
  }),
  routing: z.union([
    z.object({ kind: z.literal('uniform'), seed: z.number().int() }),
    z.object({ kind: z.literal('zipf'), s: z.number().finite(), seed: z.number().int() }),
    z.object({ kind: z.literal('trace'), file: z.string(), seed: z.number().int() }),
  ]),
  seed: z.number().int(),
  protocol: z.object({
    rounds: posInt,
    replays: posInt,
    launchesPerGraph: posInt,
    warmup: z.number().int().min(0),
    rotateInputs: z.boolean(),
    l2Flush: z.boolean(),
    order: z.string(),
  }),
  stages: z.array(stage).min(1),
  peaks: z.object({ card: z.string(), bandwidth: ceiling, bf16: ceiling, fp8: ceiling }),
  measuredPeaks: z
    .object({
      card: z.string(),
      bandwidth: z.object({ value: pos, bytes: posInt, copies: posInt, runsUs: z.array(pos) }),
      bf16: rate,
      fp8: rate.nullable(),
      gemmKernel: z.string(),
    })
    .nullable(),
  sets: z
    .array(
      z.object({
        label: z.string().min(1),
        kind: z.enum(['default', 'tuned', 'shipped', 'pack', 'installed']),
        spec: z.string(),
        where: z.string(),
        tritonVersion: z.string().nullable(),
        upFile: z.string().nullable(),
        downFile: z.string().nullable(),
        notes: z.array(z.string()),
      }),
    )
    .min(1),
  batches: z.array(
    z.object({
      M: posInt,
      hitExperts: pos,
      hitSource: z.enum(['routing', 'expected']),
      configs: z.record(z.string(), z.object({ up: entry, down: entry })),
      runs: z.array(
        z.object({
          stage,
          sets: z.array(z.string()).min(1),
          up: tile.nullable(),
          down: tile.nullable(),
          check,
          engineCheck: check,
          error: z.string().nullable(),
          roundsUs: z.array(pos),
        }),
      ),
    }),
  ),
  notes: z.array(z.string()),
});

/** Parses a saved record's text (`label` names it in errors). */
export function parseBenchRecord(text: string, label: string): BenchRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BenchRecordError(`${label}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')}); pass the bench.json a bench run wrote`);
  }
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== RECORD_FORMAT) {
    throw new BenchRecordError(`${label}: not a bench record (no "format": "${RECORD_FORMAT}"); pass the bench.json a bench run wrote`);
  }
  if (head.version !== RECORD_VERSION) {
    throw new BenchRecordError(`${label}: record version ${JSON.stringify(head.version)}, this @moe/bench reads version ${RECORD_VERSION}; render it with the version that wrote it`);
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new BenchRecordError(`${label}: field ${where || '(top)'} is wrong (${issue.message}); pass a record a bench run wrote, unedited`);
  }
  const record = parsed.data as BenchRecord;
  const labels = new Set(record.sets.map((s) => s.label));
  for (const b of record.batches) {
    for (const r of b.runs) {
      if (r.error === null && r.check?.ok !== false && r.roundsUs.length !== record.protocol.rounds) {
        throw new BenchRecordError(`${label}: M=${b.M} ${r.stage} has ${r.roundsUs.length} rounds, the protocol ${record.protocol.rounds}; pass a record a bench run wrote, unedited`);
      }
      for (const s of r.sets) if (!labels.has(s)) throw new BenchRecordError(`${label}: M=${b.M} names set ${JSON.stringify(s)}, which the record does not list; pass a record a bench run wrote, unedited`);
    }
  }
  return record;
}
