// Number formats shared by the terminal table and the HTML report.
import type { EntryRecord } from '../bench-record';
import type { SpeedupEstimate } from '../speedup';

export function fmtUs(us: number | null): string {
  if (us === null) return '-';
  return us >= 1000 ? us.toFixed(0) : us >= 100 ? us.toFixed(1) : us.toFixed(2);
}

export function fmtNum(x: number | null, digits: number): string {
  return x === null ? '-' : x.toFixed(digits);
}

export function fmtPercent(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(0)}%`;
}

export function fmtTokens(x: number | null): string {
  if (x === null) return '-';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

/** "1.23x [1.20, 1.26]", with "~" when the interval holds 1 (inside the noise). */
export function fmtSpeedup(s: SpeedupEstimate | null): string {
  if (s === null) return '-';
  return `${s.withinNoise ? '~' : ''}${s.speedup.toFixed(3)}x [${s.low.toFixed(3)}, ${s.high.toFixed(3)}]`;
}

/** Where an entry came from, short: "key 64", "default". */
export function shortSource(e: EntryRecord): string {
  return e.source === 'default' ? 'default' : `key ${e.key}`;
}

export function fmtRate(value: number, unit: 'B/s' | 'FLOP/s'): string {
  return unit === 'B/s' ? `${(value / 1e12).toFixed(2)} TB/s` : `${(value / 1e12).toFixed(0)} TFLOP/s`;
}
