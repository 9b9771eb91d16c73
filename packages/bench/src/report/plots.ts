// The report's two plots as Vega-Lite specs, rendered in Node without a browser: Vega-Lite
// compiles them to Vega, Vega's headless view writes SVG, and resvg turns the SVG into a PNG.
//  1. Speedup over the default per batch size, one line per set (per stage), with the 95%
//     interval of each point as an error bar and the noise-free points filled.
//  2. The roofline: attained TFLOP/s against arithmetic intensity, every (batch size, stage,
//     set) a point, under the ceiling min(peak, bandwidth x intensity).
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type * as ResvgModule from '@resvg/resvg-js';
import type { BenchRecord } from '../bench-record';
import { BASELINE_SET } from '../config-sets';
import { BenchDeviceError } from '../errors/bench-device-error';
import { attainableFlops, ceilingsFor } from '../roofline';
import type { BenchRow } from '../summarize';
import { fmtRate } from './format';

/** Font families the SVG asks for (resvg and browsers take the first they have). */
export const PLOT_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

const config = {
  font: PLOT_FONT,
  background: 'white',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' as const, subtitleColor: '#555' },
};

/** One color per set, in the record's order, the same in both plots. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
function setScale(record: BenchRecord, without: string | null = null): { domain: string[]; range: string[] } {
  const all = record.sets.map((s) => s.label);
  const colors = all.map((_, i) => PALETTE[i % PALETTE.length]!);
  const keep = all.map((l) => l !== without);
  return { domain: all.filter((_, i) => keep[i]), range: colors.filter((_, i) => keep[i]) };
}

function subtitle(record: BenchRecord, extra: string[]): string[] {
  const s = record.shape;
  const lines = [
    // The kernel (with its file's path) on a line of its own: one long line sets the plot's width.
    `${s.model} tp ${s.tp}: E=${s.E} N=${s.N} K=${s.K} top-${s.topk} ${s.mode}${s.blockShape ? ` [${s.blockShape.join(', ')}]` : ''}; ${record.card.name}`,
    `kernel: ${record.kernel.description}`,
    ...extra,
  ];
  if (record.synthetic) lines.unshift(`SYNTHETIC DATA, NOT MEASURED: ${record.synthetic}`);
  return lines;
}

/** Speedup over the default per batch size and set; facets per stage when there are several. */
export function speedupSpec(record: BenchRecord, rows: readonly BenchRow[]): TopLevelSpec {
  const values = rows
    .filter((r) => r.speedup !== null && r.set !== BASELINE_SET)
    .map((r) => ({
      M: r.M,
      stage: r.stage,
      set: r.set,
      speedup: r.speedup!.speedup,
      low: r.speedup!.low,
      high: r.speedup!.high,
      noise: r.speedup!.withinNoise ? 'within noise (interval holds 1)' : 'outside noise',
      config: r.config,
    }));
  const scale = setScale(record, BASELINE_SET);
  const color = { field: 'set', type: 'nominal' as const, title: 'set', scale };
  const x = { field: 'M', type: 'quantitative' as const, title: 'batch size M (tokens)', scale: { type: 'log' as const, base: 2 }, axis: { format: 'd' } };
  const layers = {
    layer: [
      { mark: { type: 'rule' as const, color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 1, type: 'quantitative' as const } } },
      {
        mark: { type: 'errorbar' as const, ticks: true },
        encoding: { x, y: { field: 'low', type: 'quantitative' as const, title: 'speedup over the engine default (x)', scale: { zero: false } }, y2: { field: 'high' }, color },
      },
      { mark: { type: 'line' as const, strokeWidth: 1.5 }, encoding: { x, y: { field: 'speedup', type: 'quantitative' as const }, color } },
      {
        mark: { type: 'point' as const, size: 60, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: 'speedup', type: 'quantitative' as const },
          color,
          fill: { condition: { test: "datum.noise == 'outside noise'", field: 'set', type: 'nominal' as const, scale, title: 'set' }, value: 'white' },
          tooltip: [
            { field: 'M', type: 'quantitative' as const },
            { field: 'set', type: 'nominal' as const },
            { field: 'speedup', type: 'quantitative' as const, format: '.3f' },
            { field: 'low', type: 'quantitative' as const, format: '.3f' },
            { field: 'high', type: 'quantitative' as const, format: '.3f' },
            { field: 'config', type: 'nominal' as const },
          ],
        },
      },
    ],
  };
  const title = {
    text: 'Speedup over the engine default, per batch size (95% interval; hollow: within noise)',
    subtitle: subtitle(record, ['speedup = median µs of the default / median µs of the set, over paired rounds; interval: paired percentile bootstrap of the ratio of medians']),
  };
  const stages = [...new Set(values.map((v) => v.stage))];
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config, title, data: { values } };
  if (stages.length <= 1) return { ...base, width: 640, height: 340, ...layers } as TopLevelSpec;
  return {
    ...base,
    facet: { column: { field: 'stage', type: 'nominal', title: null, sort: ['up', 'down', 'layer'], header: { labelFontSize: 13 } } },
    spec: { width: 300, height: 300, ...layers },
    resolve: { scale: { y: 'shared' } },
  } as TopLevelSpec;
}

/** Log-spaced intensities from lo to hi (inclusive), n points. */
function logSpace(lo: number, hi: number, n: number): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}

/** Every measured point under its ceiling: TFLOP/s against FLOP/byte, both on log scales. */
export function rooflineSpec(record: BenchRecord, rows: readonly BenchRow[]): TopLevelSpec {
  const points = rows
    .filter((r) => r.tflops !== null)
    .map((r) => ({ M: r.M, stage: r.stage, set: r.set, intensity: r.intensity, tflops: r.tflops, roof: r.rooflineFraction, us: r.us, config: r.config }));
  const c = ceilingsFor(record.peaks, record.shape.mode);
  const intensities = points.map((p) => p.intensity);
  const lo = Math.min(...intensities, 1) / 2;
  const hi = Math.max(...intensities, c ? (c.flopsPerSecond / c.bytesPerSecond) * 4 : 1000) * 2;
  // Log-spaced points and the ridge itself, where the two ceilings meet.
  const xs = c ? [...logSpace(lo, hi, 64), c.flopsPerSecond / c.bytesPerSecond].sort((a, b) => a - b) : [];
  const ceiling = c ? xs.map((x) => ({ intensity: x, tflops: attainableFlops(x, c) / 1e12 })) : [];
  const peaks = record.peaks;
  const rate = c?.rate === 'fp8' ? peaks.fp8 : peaks.bf16;
  const ceilingText = c
    ? `ceiling: bandwidth ${fmtRate(c.bytesPerSecond, 'B/s')} (${peaks.bandwidth!.source}), dense ${c.rate} ${fmtRate(c.flopsPerSecond, 'FLOP/s')} (${rate!.source})`
    : 'no ceiling for this card: run with --peaks to measure one';
  const x = { field: 'intensity', type: 'quantitative' as const, title: 'arithmetic intensity (FLOP / byte that must move)', scale: { type: 'log' as const, domain: [lo, hi] } };
  const y = { field: 'tflops', type: 'quantitative' as const, title: 'TFLOP/s', scale: { type: 'log' as const } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config,
    width: 640,
    height: 380,
    title: { text: 'Roofline: every batch size, stage and set', subtitle: subtitle(record, [ceilingText]) },
    layer: [
      ...(c ? [{ data: { values: ceiling }, mark: { type: 'line' as const, color: '#333', strokeWidth: 2 }, encoding: { x, y } }] : []),
      {
        data: { values: points },
        mark: { type: 'point' as const, filled: true, size: 50, opacity: 0.85 },
        encoding: {
          x,
          y,
          color: { field: 'set', type: 'nominal' as const, title: 'set', scale: setScale(record) },
          shape: { field: 'stage', type: 'nominal' as const, title: 'stage', scale: { domain: ['up', 'down', 'layer'] } },
          tooltip: [
            { field: 'M', type: 'quantitative' as const },
            { field: 'stage', type: 'nominal' as const },
            { field: 'set', type: 'nominal' as const },
            { field: 'us', type: 'quantitative' as const, format: '.2f', title: 'µs' },
            { field: 'tflops', type: 'quantitative' as const, format: '.1f' },
            { field: 'roof', type: 'quantitative' as const, format: '.0%', title: 'of roofline' },
            { field: 'config', type: 'nominal' as const },
          ],
        },
      },
    ],
  } as TopLevelSpec;
}

/** A Vega-Lite spec rendered to SVG by Vega's headless view (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * An SVG rendered to PNG by resvg at `zoom`, its text in the system's fonts (none: an error, not
 * a plot without labels).
 * resvg is a native module: it is loaded here, when a PNG is asked for, so that a bundle without
 * it still renders everything else.
 */
export async function renderPng(svg: string, zoom = 2): Promise<Uint8Array> {
  let Resvg: typeof ResvgModule.Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (err) {
    throw new BenchDeviceError(
      `PNG: @resvg/resvg-js did not load (${(err as Error).message.split('\n')[0]}); install it (npm install @resvg/resvg-js: its prebuilt binary for this platform), or render the PNG elsewhere from the record: moe bench --from <record.json> --report <file.html>`,
      { cause: err },
    );
  }
  const font = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
  // Without a font resvg draws no text at all (no error): a plot without labels. A one-letter
  // probe tells; the GPU host, for one, has no fonts.
  const probe = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><text x="2" y="20" font-size="20">M</text></svg>', { background: 'white', font }).render();
  if (!hasInk(probe.pixels)) {
    throw new BenchDeviceError(
      'PNG: no font found on this machine, so the plot would have no text; install one (Debian: apt-get install fonts-dejavu-core), or render the PNG elsewhere from the record: moe bench --from <record.json> --report <file.html>',
    );
  }
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: zoom }, background: 'white', font });
  return r.render().asPng();
}

/** Whether an RGBA buffer on white has any pixel darker than near-white. */
export function hasInk(rgba: Uint8Array | Buffer): boolean {
  for (let i = 0; i + 2 < rgba.length; i += 4) if (rgba[i]! < 200 || rgba[i + 1]! < 200 || rgba[i + 2]! < 200) return true;
  return false;
}
