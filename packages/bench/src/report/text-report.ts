// The terminal report: what ran, the ceilings and where they come from, one row per batch size,
// stage and set, and the layer's tokens/s.
import type { BenchRecord } from '../bench-record';
import { BASELINE_SET } from '../config-sets';
import type { BenchRow } from '../summarize';
import { fmtNum, fmtPercent, fmtRate, fmtSpeedup, fmtTokens, fmtUs, shortSource } from './format';

/** Columns padded to their widest cell; numbers right-aligned. */
export function textTable(header: string[], rows: string[][], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function describeRun(record: BenchRecord): string[] {
  const s = record.shape;
  const out: string[] = [];
  if (record.synthetic) out.push(`SYNTHETIC DATA, NOT MEASURED: ${record.synthetic}`);
  out.push(
    `${s.model} tp ${s.tp}${s.ep > 1 ? ` ep ${s.ep}` : ''}: E=${s.E} N=${s.N} K=${s.K} top-${s.topk} ${s.mode}${s.blockShape ? ` block [${s.blockShape.join(', ')}]` : ''}; ${record.engine} file ${s.configFile}`,
  );
  out.push(`card ${record.card.name}${record.card.arch ? ` (${record.card.arch})` : ''}${record.card.driver ? `, driver ${record.card.driver}` : ''}; kernel: ${record.kernel.description}; Triton ${record.triton ?? 'unknown'}`);
  const p = record.protocol;
  const r = record.routing;
  out.push(
    `routing ${r.kind === 'zipf' ? `zipf s=${r.s}` : r.kind === 'trace' ? `trace ${r.file}` : 'uniform'} (seed ${r.seed}); ${p.rounds} rounds x ${p.replays} replays of a CUDA graph of ${p.launchesPerGraph} launches (${p.warmup} warm-up), ${p.order}`,
  );
  const c = (label: string, x: { value: number; source: string; how: string } | null, unit: 'B/s' | 'FLOP/s') =>
    x ? `${label} ${fmtRate(x.value, unit)} (${x.source}: ${x.how})` : `${label} unknown (no ceiling for this card: pass --peaks)`;
  out.push(`ceilings: ${c('bandwidth', record.peaks.bandwidth, 'B/s')}`);
  out.push(`          ${c('bf16', record.peaks.bf16, 'FLOP/s')}`);
  out.push(`          ${c('fp8', record.peaks.fp8, 'FLOP/s')}`);
  for (const set of record.sets) {
    out.push(`set ${set.label}: ${set.where}${set.upFile ? `; up ${set.upFile}` : ''}${set.downFile && set.downFile !== set.upFile ? `; down ${set.downFile}` : ''}`);
  }
  return out;
}

export function textReport(record: BenchRecord, rows: readonly BenchRow[]): string {
  const out = describeRun(record);
  out.push('');
  const cells = rows.map((r) => {
    const b = record.batches.find((x) => x.M === r.M)!;
    const c = b.configs[r.set];
    const src = !c ? '-' : r.stage === 'up' ? shortSource(c.up) : r.stage === 'down' ? shortSource(c.down) : `${shortSource(c.up)} / ${shortSource(c.down)}`;
    const note = r.failure ?? (r.sameConfigAs ? `same config as ${r.sameConfigAs}` : r.set === BASELINE_SET ? 'baseline' : r.speedup?.withinNoise ? 'within noise' : '');
    return [
      String(r.M),
      r.stage,
      r.set,
      r.config,
      src,
      fmtUs(r.us),
      fmtNum(r.tflops, 1),
      fmtNum(r.gbs, 0),
      fmtPercent(r.rooflineFraction),
      r.sameConfigAs === BASELINE_SET ? '= default' : fmtSpeedup(r.speedup),
      note,
    ];
  });
  out.push(
    textTable(['M', 'stage', 'set', 'config (M/N/K/G/warps/stages)', 'from', 'µs', 'TFLOP/s', 'GB/s', 'roof', 'speedup [95% CI]', 'note'], cells, new Set([0, 5, 6, 7, 8])),
  );
  const layer = rows.filter((r) => r.stage === 'layer');
  if (layer.length > 0) {
    const sets = record.sets.map((s) => s.label);
    const ms = [...new Set(layer.map((r) => r.M))];
    out.push('');
    out.push('whole-layer throughput, tokens/s (align, up, activation, down, top-k sum):');
    out.push(
      textTable(
        ['M', ...sets],
        ms.map((M) => [String(M), ...sets.map((s) => fmtTokens(layer.find((r) => r.M === M && r.set === s)?.tokensPerSecond ?? null))]),
        new Set(sets.map((_, i) => i + 1).concat(0)),
      ),
    );
  }
  out.push('');
  out.push(
    'speedup: median over rounds of the default over the set; 95% interval: paired percentile bootstrap of the ratio of medians over the rounds; "~" and "within noise": the interval holds 1',
  );
  for (const n of record.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}
