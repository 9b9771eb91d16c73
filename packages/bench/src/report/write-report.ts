// Writes a report: the HTML page, the main plot (speedup) as SVG and PNG, and the JSON record,
// all or nothing (config-store's writeAllOrNothing: temp files, fsync, renames, rolled back on
// failure).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeAllOrNothing, type PlannedWrite } from '@moe/config-store';
import type { BenchRecord } from '../bench-record';
import { BenchOptionError } from '../errors/bench-option-error';
import { summarize } from '../summarize';
import { htmlReport } from './html-report';
import { renderPng, renderSvg, rooflineSpec, speedupSpec } from './plots';

export interface RenderedReport {
  html: string;
  /** The main plot: speedup per batch size per set. */
  speedupSvg: string;
  rooflineSvg: string;
  /** The main plot as PNG; null when `png` was 'optional' and resvg did not load (`pngError` says why). */
  png: Uint8Array | null;
  pngError: string | null;
  json: string;
}

export interface RenderOptions {
  /** 'required' (default): fail without resvg; 'optional': leave the PNG out and say why. */
  png?: 'required' | 'optional';
}

/** Everything a report holds, rendered in memory. */
export async function renderReport(record: BenchRecord, options: RenderOptions = {}): Promise<RenderedReport> {
  const rows = summarize(record);
  const speedupSvg = await renderSvg(speedupSpec(record, rows));
  const rooflineSvg = await renderSvg(rooflineSpec(record, rows));
  let png: Uint8Array | null = null;
  let pngError: string | null = null;
  try {
    png = await renderPng(speedupSvg);
  } catch (err) {
    if (options.png !== 'optional') throw err;
    pngError = (err as Error).message;
  }
  return {
    html: htmlReport({ record, rows, speedupSvg, rooflineSvg }),
    speedupSvg,
    rooflineSvg,
    png,
    pngError,
    json: `${JSON.stringify(record, null, 2)}\n`,
  };
}

/** The files of a report at `htmlPath`: <name>.html, <name>.svg, <name>.png, <name>.json. */
export function reportPaths(htmlPath: string): { html: string; svg: string; png: string; json: string } {
  if (!htmlPath.endsWith('.html')) throw new BenchOptionError(`\`report\` ${htmlPath}: not an .html file; pass e.g. \`report\` out/bench.html (the .svg, .png and .json go beside it)`);
  const base = htmlPath.slice(0, -'.html'.length);
  return { html: htmlPath, svg: `${base}.svg`, png: `${base}.png`, json: `${base}.json` };
}

/** Renders and writes the report's four files (three when an optional PNG could not be made); returns their paths. */
export async function writeReport(
  record: BenchRecord,
  htmlPath: string,
  options: RenderOptions = {},
): Promise<ReturnType<typeof reportPaths> & { pngError: string | null }> {
  const paths = reportPaths(path.resolve(htmlPath));
  const r = await renderReport(record, options);
  const dir = path.dirname(paths.html);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const plan = (abs: string, bytes: string | Uint8Array): PlannedWrite => ({ abs, display: abs, bytes, existed: existsSync(abs) });
  writeAllOrNothing(
    [plan(paths.html, r.html), plan(paths.svg, r.speedupSvg), ...(r.png ? [plan(paths.png, r.png)] : []), plan(paths.json, r.json)],
    `write the report to a folder you may write to (\`report\`), or fix the permissions of ${dir}`,
    dir,
  );
  return { ...paths, pngError: r.pngError };
}
