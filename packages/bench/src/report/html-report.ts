// The self-contained HTML report: no script, font or style from outside the file, so it reads
// offline. Its two plots are inline SVG (rendered in Node: plots.ts), beside the run's facts,
// the ceilings and where they come from, every row, and the record itself as JSON.
import type { BenchRecord } from '../bench-record';
import { BASELINE_SET } from '../config-sets';
import type { BenchRow } from '../summarize';
import { fmtNum, fmtPercent, fmtRate, fmtSpeedup, fmtTokens, fmtUs } from './format';
import { describeRun } from './text-report';

/** The two plots' ids in the page (the browser check looks for both). */
export const PLOT_IDS = ['plot-speedup', 'plot-roofline'] as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.synthetic { background: #b00020; color: white; padding: 8px 12px; font-weight: bold; }
.facts { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; white-space: pre-wrap; background: #f6f6f6; padding: 8px; }
figure { margin: 16px 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.failed td { color: #b00020; }
.noise { color: #777; }
`;

function rowHtml(r: BenchRow): string {
  const note = r.failure ?? (r.sameConfigAs ? `same config as ${r.sameConfigAs}` : r.set === BASELINE_SET ? 'baseline' : r.speedup?.withinNoise ? 'within noise' : '');
  const cells = [
    [String(r.M), true],
    [r.stage, false],
    [r.set, false],
    [r.config, false],
    [r.provenance, false],
    [fmtUs(r.us), true],
    [fmtNum(r.tflops, 1), true],
    [fmtNum(r.gbs, 0), true],
    [fmtPercent(r.rooflineFraction), true],
    [r.sameConfigAs === BASELINE_SET ? '= default' : fmtSpeedup(r.speedup), true],
    [fmtTokens(r.tokensPerSecond), true],
    [`${r.check}${r.engineCheck !== 'not run' ? ` / engine ${r.engineCheck}` : ''}`, false],
    [note, false],
  ] as const;
  const cls = r.failure ? ' class="failed"' : r.speedup?.withinNoise && r.set !== BASELINE_SET ? ' class="noise"' : '';
  return `<tr${cls}>${cells.map(([t, n]) => `<td${n ? ' class="n"' : ''}>${escapeHtml(t)}</td>`).join('')}</tr>`;
}

export interface HtmlReportInput {
  record: BenchRecord;
  rows: readonly BenchRow[];
  speedupSvg: string;
  rooflineSvg: string;
}

export function htmlReport({ record, rows, speedupSvg, rooflineSvg }: HtmlReportInput): string {
  const s = record.shape;
  const title = `${record.synthetic ? 'SYNTHETIC - ' : ''}moe bench: ${s.model} tp ${s.tp} on ${record.card.name}`;
  const peak = (label: string, x: { value: number; source: string; how: string } | null, unit: 'B/s' | 'FLOP/s') =>
    `<tr><td>${label}</td><td class="n">${x ? escapeHtml(fmtRate(x.value, unit)) : '-'}</td><td>${x ? (x.source === 'measured' ? '<b>measured</b>' : 'table') : 'none'}</td><td>${escapeHtml(x?.how ?? 'no ceiling for this card: pass --peaks')}</td></tr>`;
  const head = ['M', 'stage', 'set', 'config', 'from', 'µs', 'TFLOP/s', 'GB/s', 'roof', 'speedup [95% CI]', 'tokens/s', 'check', 'note'];
  // "</" inside the JSON would end the script element early.
  const json = JSON.stringify(record).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${record.synthetic ? `<div class="synthetic">SYNTHETIC DATA, NOT MEASURED: ${escapeHtml(record.synthetic)}</div>` : ''}
<h1>${escapeHtml(title)}</h1>
<div class="facts">${escapeHtml(describeRun(record).join('\n'))}</div>
<h2>Speedup over the engine default</h2>
<figure id="${PLOT_IDS[0]}">${speedupSvg}</figure>
<h2>Roofline</h2>
<figure id="${PLOT_IDS[1]}">${rooflineSvg}</figure>
<h2>Ceilings</h2>
<table><tr><th>ceiling</th><th>value</th><th>source</th><th>how</th></tr>
${peak('copy bandwidth', record.peaks.bandwidth, 'B/s')}
${peak('dense bf16', record.peaks.bf16, 'FLOP/s')}
${peak('dense fp8', record.peaks.fp8, 'FLOP/s')}
</table>
<h2>Every batch size, stage and set</h2>
<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>
${rows.map(rowHtml).join('\n')}
</table>
<h2>Method</h2>
<p>µs: median over the rounds of each round's median µs per launch (CUDA-graph replays of ${record.protocol.launchesPerGraph} launches,
${record.protocol.warmup} warm-up replays, ${record.protocol.replays} timed replays per round, ${record.protocol.rounds} rounds, ${escapeHtml(record.protocol.order)}).
FLOPs = 2 &times; M &times; top-k &times; N<sub>out</sub> &times; K<sub>in</sub> per GEMM; bytes: the hit experts' weights (and scales) once, activations in and out;
roof: reached FLOP/s over min(peak, bandwidth &times; FLOP/byte). Speedup: median of the default over median of the set; 95% interval:
paired percentile bootstrap of the ratio of medians over the rounds (exact enumeration up to 6 rounds, else seeded resampling);
a speedup whose interval holds 1 is within the noise. Every timed config was first checked against a float64 CPU reference.</p>
${record.notes.length > 0 ? `<h2>Notes</h2><ul>${record.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<script type="application/json" id="bench-record">${json}</script>
</body>
</html>
`;
}
