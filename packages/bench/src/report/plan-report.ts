// What `moe bench --dry-run` prints: the shape, and per batch size and set the config that would
// be timed (up and down) and where it comes from: the file and entry, or the engine's default.
import { tileConfigKey } from '@moe/engine-facts';
import type { BenchPlan } from '../bench';
import type { BatchRecord, SetRecord } from '../bench-record';
import { setRecords } from '../bench-record';
import type { BenchShape } from '../bench-shape';
import { textTable } from './text-report';

/** The --json object of a dry run. */
export interface PlanJson {
  dryRun: true;
  shape: BenchShape;
  deviceName: string;
  tritonVersion: string | null;
  stages: string[];
  sets: SetRecord[];
  batches: Pick<BatchRecord, 'M' | 'hitExperts' | 'hitSource' | 'configs'>[];
  notes: string[];
}

export function planJson(plan: BenchPlan): PlanJson {
  return {
    dryRun: true,
    shape: plan.shape,
    deviceName: plan.deviceName,
    tritonVersion: plan.tritonVersion,
    stages: plan.stages,
    sets: setRecords(plan.sets),
    batches: plan.batches.map((b) => ({ M: b.M, hitExperts: b.hitExperts, hitSource: b.hitSource, configs: b.configs })),
    notes: [...plan.notes, ...plan.sets.flatMap((s) => s.notes.map((n) => `${s.label}: ${n}`))],
  };
}

export function planText(plan: BenchPlan): string {
  const s = plan.shape;
  const out: string[] = [];
  out.push(
    `${s.model} tp ${s.tp}${s.ep > 1 ? ` ep ${s.ep}` : ''} (${s.architecture}): E=${s.E} N=${s.N} K=${s.K} top-${s.topk} ${s.mode}${s.blockShape ? ` block [${s.blockShape.join(', ')}]` : ''}`,
  );
  out.push(`${s.engine} on ${plan.deviceName} asks for ${s.configFile}${s.downConfigFile ? ` and ${s.downConfigFile}` : ''}; Triton ${plan.tritonVersion ?? 'unknown'}`);
  out.push(`stages: ${plan.stages.join(', ')}; dry run: nothing is compiled or timed`);
  for (const set of plan.sets) {
    const up = set.up.file ? `up ${set.up.file}${set.up.fallbackFrom ? ` (Triton fallback: ${set.up.fallbackFrom})` : ''}` : 'up: engine default';
    const down =
      s.engine === 'vllm' ? 'down: the up config (vLLM has no down files)' : set.down.file && set.down.file !== set.up.file ? `down ${set.down.file}` : set.up.file ? 'down: no _down file, the up config' : 'down: engine default';
    out.push(`set ${set.label} (${set.spec.spec}): ${set.where}; ${up}; ${down}`);
  }
  out.push('');
  const rows: string[][] = [];
  for (const b of plan.batches) {
    for (const set of plan.sets) {
      const c = b.configs[set.label]!;
      rows.push([String(b.M), b.hitExperts.toFixed(1), set.label, tileConfigKey(c.up.tile), c.up.provenance, tileConfigKey(c.down.tile), c.down.provenance]);
      const ignored = [...c.up.ignored, ...c.down.ignored.map((i) => `down ${i}`)];
      for (const i of ignored) rows.push(['', '', '', `  note: ${i}`, '', '', '']);
    }
  }
  out.push(textTable(['M', 'hit experts (expected)', 'set', 'up config (M/N/K/G/warps/stages)', 'up from', 'down config', 'down from'], rows, new Set([0, 1])));
  const notes = planJson(plan).notes;
  if (notes.length > 0) {
    out.push('');
    for (const n of notes) out.push(`note: ${n}`);
  }
  return `${out.join('\n')}\n`;
}
