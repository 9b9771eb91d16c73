#!/usr/bin/env node
// Opens a bench report in headless Chromium and checks that both plots rendered:
//   1. the page's DOM, laid out by Chromium, has an <svg> in each of #plot-speedup and
//      #plot-roofline with a nonzero size and marks drawn inside (a measuring script is added to
//      a temporary copy of the page; the report itself is not changed);
//   2. a screenshot of the page has ink (non-white pixels) inside each plot's box.
// Prints what it found and exits 0 when both plots pass, 1 when one does not, 2 when it cannot
// run (no Chromium, no such file).
//
//   node scripts/check-report.mjs <report.html> [--screenshot <out.png>] [--chromium <binary>]
//
// Chromium: Debian's `chromium` package (apt-get install -y chromium), or $CHROMIUM.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';

const PLOTS = ['plot-speedup', 'plot-roofline'];
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const report = args.find((a, i) => !a.startsWith('--') && !['--screenshot', '--chromium'].includes(args[i - 1] ?? ''));
if (!report) {
  console.error('check-report: no report given; pass the .html a bench run wrote: node scripts/check-report.mjs out/bench.html');
  process.exit(2);
}

function findChromium() {
  const candidates = [opt('--chromium'), process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter(Boolean);
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'pipe' });
      return c;
    } catch {
      // not this one
    }
  }
  console.error(`check-report: no Chromium found (tried ${candidates.join(', ')}); install Debian's chromium (apt-get install -y chromium) or set CHROMIUM`);
  process.exit(2);
}

// Runs after layout: each plot's box, its svg's size and how many marks it drew.
const MEASURE = `<script>
(() => {
  const out = ${JSON.stringify(PLOTS)}.map((id) => {
    const fig = document.getElementById(id);
    const svg = fig && fig.querySelector('svg');
    if (!svg) return { id, found: !!fig, svg: false };
    const r = svg.getBoundingClientRect();
    return {
      id, found: true, svg: true,
      x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height,
      marks: svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark rect').length,
      texts: svg.querySelectorAll('text').length,
    };
  });
  document.body.setAttribute('data-plot-check', JSON.stringify(out));
})();
</script>`;

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) to { width, height, channels, pixels }. */
function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const color = data[9];
      if (depth !== 8 || (color !== 2 && color !== 6) || data[12] !== 0) throw new Error(`PNG depth ${depth} color ${color} interlace ${data[12]}: not decoded here`);
      channels = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Fraction of pixels inside the box that are not near-white. */
function ink(png, box) {
  let n = 0;
  let dark = 0;
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(png.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(png.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * png.channels;
      n++;
      if (png.pixels[i] < 235 || png.pixels[i + 1] < 235 || png.pixels[i + 2] < 235) dark++;
    }
  }
  return n === 0 ? 0 : dark / n;
}

const chromium = findChromium();
const html = path.resolve(report);
let page;
try {
  page = readFileSync(html, 'utf8');
} catch (err) {
  console.error(`check-report: cannot read ${html} (${err.code ?? err.message}); pass the .html a bench run wrote`);
  process.exit(2);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'moe-check-report-'));
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--force-device-scale-factor=1', '--no-first-run', `--user-data-dir=${path.join(tmp, 'profile')}`];
try {
  const probe = path.join(tmp, 'probe.html');
  writeFileSync(probe, page.includes('</body>') ? page.replace('</body>', `${MEASURE}</body>`) : page + MEASURE);
  const dom = spawnSync(chromium, [...flags, '--window-size=1600,1200', '--virtual-time-budget=3000', '--dump-dom', pathToFileURL(probe).href], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  const m = /data-plot-check="([^"]*)"/.exec(dom.stdout ?? '');
  if (!m) {
    console.error(`check-report: Chromium gave no measurements (exit ${dom.status}; stderr: ${(dom.stderr ?? '').trim().split('\n').slice(-3).join(' | ')})`);
    process.exit(1);
  }
  const found = JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  const bottom = Math.max(...found.filter((f) => f.svg).map((f) => f.y + f.height), 1200);
  const shot = path.resolve(opt('--screenshot') ?? path.join(tmp, 'screenshot.png'));
  const height = Math.ceil(bottom + 40);
  // The original page, unchanged, as a reader opens it.
  const view = path.join(tmp, path.basename(html));
  copyFileSync(html, view);
  const s = spawnSync(chromium, [...flags, `--window-size=1600,${height}`, '--virtual-time-budget=3000', `--screenshot=${shot}`, pathToFileURL(view).href], { encoding: 'utf8', timeout: 120_000 });
  let png = null;
  try {
    png = decodePng(readFileSync(shot));
  } catch (err) {
    console.error(`check-report: no screenshot (${err.message}; Chromium exit ${s.status})`);
  }
  let ok = png !== null;
  for (const f of found) {
    const problems = [];
    if (!f.found) problems.push('no such element');
    else if (!f.svg) problems.push('no <svg> in it');
    else {
      if (!(f.width > 0 && f.height > 0)) problems.push(`size ${f.width}x${f.height}`);
      if (!(f.marks > 0)) problems.push('no marks drawn');
      if (!(f.texts > 0)) problems.push('no text');
    }
    const inked = png && f.svg ? ink(png, f) : 0;
    if (png && f.svg && inked < 0.02) problems.push(`only ${(100 * inked).toFixed(2)}% of its pixels are inked in the screenshot`);
    ok &&= problems.length === 0;
    const size = f.svg ? `${Math.round(f.width)}x${Math.round(f.height)} px at (${Math.round(f.x)}, ${Math.round(f.y)}), ${f.marks} mark elements, ${f.texts} texts, ${(100 * inked).toFixed(1)}% inked` : '';
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} #${f.id}: ${size}${problems.length ? ` (${problems.join('; ')})` : ''}`);
  }
  console.log(`screenshot: ${shot}${png ? ` (${png.width}x${png.height})` : ''}`);
  console.log(ok ? 'both plots rendered' : 'a plot did not render');
  process.exit(ok ? 0 : 1);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
