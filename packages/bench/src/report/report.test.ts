import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchRecord } from '../bench-record';
import { parseBenchRecord } from '../bench-record';
import { summarize, type BenchRow } from '../summarize';
import { syntheticRecord } from '../synthetic';
import { htmlReport, PLOT_IDS } from './html-report';
import { hasInk, renderPng, renderSvg, rooflineSpec, speedupSpec } from './plots';
import { textReport } from './text-report';
import { renderReport, reportPaths, writeReport } from './write-report';

// The report's structure, checked without a browser (scripts/check-report.mjs opens it in Chromium).
let record: BenchRecord;
let rows: BenchRow[];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'moe-bench-report-'));
beforeAll(async () => {
  record = await syntheticRecord({ ms: [1, 16, 256, 4096], rounds: 3 });
  rows = summarize(record);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The marks of one kind in a Vega SVG: the <path>s inside its `mark-<kind> role-mark` groups. */
function markCount(svg: string, kind: string): number {
  let n = 0;
  const re = new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(re)) n += (m[1]!.match(/<path/g) ?? []).length;
  return n;
}

describe('the plots', () => {
  it('speedup: one point per non-default set, stage and batch size; one facet per stage', () => {
    const spec = speedupSpec(record, rows) as unknown as { data: { values: { set: string }[] }; facet?: { column: { field: string } } };
    // 3 sets besides the default x 3 stages x 4 batch sizes
    expect(spec.data.values).toHaveLength(36);
    expect(spec.data.values.some((v) => v.set === 'default')).toBe(false);
    expect(spec.facet?.column.field).toBe('stage');
    const one = speedupSpec(record, rows.filter((r) => r.stage === 'layer')) as unknown as { facet?: unknown; layer: unknown[] };
    expect(one.facet).toBeUndefined();
    // rule at 1, error bars, lines, points
    expect(one.layer).toHaveLength(4);
  });

  it('speedup SVG: 36 points, the title and the synthetic label drawn as text', async () => {
    const svg = await renderSvg(speedupSpec(record, rows));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(markCount(svg, 'symbol')).toBe(36);
    expect(svg).toContain('Speedup over the engine default');
    expect(svg).toContain('SYNTHETIC DATA, NOT MEASURED');
    expect(svg).toContain('batch size M (tokens)');
  });

  it('roofline SVG: every row with numbers is a point (4 sets share 3 runs: all 48 rows are drawn), under one ceiling line', async () => {
    const points = rows.filter((r) => r.tflops !== null);
    expect(points).toHaveLength(48);
    const svg = await renderSvg(rooflineSpec(record, rows));
    expect(markCount(svg, 'symbol')).toBe(48);
    expect(markCount(svg, 'line')).toBe(1);
    expect(svg).toContain('ceiling: bandwidth 4.80 TB/s (table), dense bf16 790 TFLOP/s (table)');
  });

  it('PNG: twice the SVG size (or, on a machine without fonts, an error that says so)', async () => {
    const svg = await renderSvg(speedupSpec(record, rows));
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    let png: Buffer;
    try {
      png = Buffer.from(await renderPng(svg));
    } catch (err) {
      // A fontless machine (the GPU host is one) gets the error, never a PNG without labels.
      expect((err as Error).message).toMatch(/^PNG: no font found on this machine.*apt-get install fonts-dejavu-core.*moe bench --from/);
      return;
    }
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(2 * width);
  });

  it('hasInk: whether any pixel of an RGBA image on white is darker than near-white', () => {
    const white = new Uint8Array(4 * 9).fill(255);
    expect(hasInk(white)).toBe(false);
    const one = white.slice();
    one.set([120, 255, 255, 255], 4 * 5); // pixel 5: red channel 120
    expect(hasInk(one)).toBe(true);
    const faint = white.slice();
    faint.set([230, 230, 230, 255], 0); // light grey anti-aliasing only: no ink
    expect(hasInk(faint)).toBe(false);
  });
});

describe('the HTML page', () => {
  it('holds both plots as inline SVG, the record, and nothing from outside the file', async () => {
    const r = await renderReport(record);
    for (const id of PLOT_IDS) {
      const fig = new RegExp(`<figure id="${id}">(.*?)</figure>`, 's').exec(r.html);
      expect(fig, id).not.toBeNull();
      expect((fig![1]!.match(/<svg/g) ?? []).length, id).toBe(1);
    }
    expect(r.html).not.toMatch(/<link|<script[^>]*src=|<img|(src|href)=["']?(https?:)?\/\//);
    expect(r.html).not.toMatch(/@import|url\(/);
    const json = /<script type="application\/json" id="bench-record">(.*?)<\/script>/s.exec(r.html)![1]!;
    expect(parseBenchRecord(json, 'embedded')).toEqual(JSON.parse(JSON.stringify(record)));
    expect(r.html).toContain('<div class="synthetic">SYNTHETIC DATA, NOT MEASURED');
    // one table row per (batch size, stage, set) plus the header
    const table = r.html.slice(r.html.indexOf('<h2>Every batch size'));
    expect((table.slice(0, table.indexOf('</table>')).match(/<tr/g) ?? []).length).toBe(1 + rows.length);
  });

  it('a measured record has no synthetic banner; text is escaped', () => {
    const measured = { ...record, synthetic: null, shape: { ...record.shape, model: 'a<b>&"c' } };
    const html = htmlReport({ record: measured, rows, speedupSvg: '<svg></svg>', rooflineSvg: '<svg></svg>' });
    expect(html).not.toContain('class="synthetic"');
    expect(html).toContain('a&lt;b&gt;&amp;&quot;c');
    expect(html).not.toContain('a<b>');
  });

  it('writes the page, the main plot as SVG and PNG, and the record beside it', async () => {
    const paths = await writeReport(record, path.join(tmp, 'out', 'bench.html'));
    expect(paths).toEqual({
      pngError: null,
      html: path.join(tmp, 'out', 'bench.html'),
      svg: path.join(tmp, 'out', 'bench.svg'),
      png: path.join(tmp, 'out', 'bench.png'),
      json: path.join(tmp, 'out', 'bench.json'),
    });
    for (const p of [paths.html, paths.svg, paths.png, paths.json]) expect(existsSync(p), p).toBe(true);
    expect(parseBenchRecord(readFileSync(paths.json, 'utf8'), 'bench.json')).toEqual(JSON.parse(JSON.stringify(record)));
    expect(readFileSync(paths.svg, 'utf8')).toContain('Speedup over the engine default');
    expect(() => reportPaths('out/bench.htm')).toThrow(/^`report` out\/bench\.htm: not an \.html file/);
  });
});

describe('the terminal report', () => {
  it('says what ran, where each ceiling comes from, one row per batch size, stage and set, and the layer throughput', () => {
    const text = textReport(record, rows);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^SYNTHETIC DATA, NOT MEASURED/);
    expect(text).toContain('ceilings: bandwidth 4.80 TB/s (table: vendor datasheet');
    expect(text).toContain('set shipped@NVIDIA_H100_80GB_HBM3: synthetic-shipped (made-up table); up synthetic-shipped/triton_3_5_1/E=32,N=1792,device_name=NVIDIA_H100_80GB_HBM3.json');
    const header = lines.findIndex((l) => l.startsWith('   M  stage'));
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header + 2, header + 2 + rows.length).every((l) => /^\s*\d+\s+(up|down|layer)\s/.test(l))).toBe(true);
    expect(text).toContain('same config as default');
    expect(text).toContain('whole-layer throughput, tokens/s');
  });
});
