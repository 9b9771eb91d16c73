// Every flag of the `moe` command is parsed here, the same way for every command: a bad value is
// a UsageError that reads `<flag> <value>: <what is wrong>; pass e.g. <flag> <example>`.
// The libraries name their parameters in backquotes (`into`, `tritonVersion`); `flagged` turns
// those names into the flags that set them, so the messages a command prints speak in flags.
import path from 'node:path';
import { ENGINES, type Engine } from '@moe/engine-facts';
import { UsageError } from './errors/usage-error';
import type { CliIo } from './io';

const shown = (text: string | undefined) => (text === undefined ? '(missing)' : text);

/** A whole number from 1 to `max` (default 2^53 - 1, the largest exact integer). */
export function positiveInt(flag: string, text: string | undefined, example: string, max = Number.MAX_SAFE_INTEGER): number {
  const t = (text ?? '').trim();
  if (!/^\d+$/.test(t) || Number(t) <= 0) throw new UsageError(`${flag} ${shown(text)}: not a positive integer; pass e.g. ${flag} ${example}`);
  if (Number(t) > max) throw new UsageError(`${flag} ${shown(text)}: not a positive integer up to ${max}; pass e.g. ${flag} ${example}`);
  return Number(t);
}

/** Comma-separated whole numbers above 0, in the order given. */
export function positiveIntList(flag: string, text: string | undefined, example: string): number[] {
  const parts = (text ?? '').split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0 || !Number.isSafeInteger(Number(p)))) {
    throw new UsageError(`${flag} ${shown(text)}: not a comma-separated list of positive integers; pass e.g. ${flag} ${example}`);
  }
  return parts.map(Number);
}

/** A number from `min` to `max` (a whole one with `integer`); `why` says what the range is. */
export function numberInRange(flag: string, text: string | undefined, range: { min: number; max: number; integer?: boolean; why: string }, example: string): number {
  const t = (text ?? '').trim();
  const n = t === '' ? Number.NaN : Number(t);
  if (!Number.isFinite(n) || n < range.min || n > range.max || (range.integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} ${shown(text)}: ${range.why}; pass e.g. ${flag} ${example}`);
  }
  return n;
}

/** One of the words in `values`; `what` names the kind of value ("engine", "dtype"). */
export function oneOf<T extends string>(flag: string, text: string | undefined, values: readonly T[], what: string): T {
  if (text !== undefined && (values as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag} ${shown(text)}: unknown ${what}; pass one of ${values.join(', ')}`);
}

/** sglang or vllm. */
export function engineOption(text: string | undefined, flag = '--engine'): Engine {
  return oneOf(flag, text, ENGINES, 'engine');
}

/** A Triton version (3.5.1), or null when the flag is not given. */
export function tritonOption(text: string | undefined, flag = '--triton'): string | null {
  if (text === undefined) return null;
  if (!/^\d+\.\d+(\.\d+)?$/.test(text.trim())) throw new UsageError(`${flag} ${text}: not a version; pass the Triton version, e.g. ${flag} 3.5.1`);
  return text.trim();
}

/** A value that must not be empty when the flag is given; `fix` says what to pass. */
export function nonEmpty(flag: string, text: string | undefined, fix: string): string | undefined {
  if (text !== undefined && text.trim() === '') throw new UsageError(`${flag}: empty; ${fix}`);
  return text;
}

/** A flag the command needs; `fix` says what to pass. */
export function required(flag: string, text: string | undefined, fix: string): string {
  if (text === undefined) throw new UsageError(`${flag} missing; ${fix}`);
  return text;
}

/** A path given on the command line, from the command's working folder. */
export function resolvePath(io: CliIo, p: string): string {
  return path.resolve(io.cwd, p);
}

/** The library parameters the commands set, and the flag that sets each. */
export const PARAMETER_FLAGS: Readonly<Record<string, string>> = {
  engine: '--engine',
  dir: '--dir',
  python: '--python',
  packs: '--packs',
  into: '--into',
  tritonVersion: '--triton',
  force: '--force',
  dryRun: '--dry-run',
  ms: '--m',
  down: '--down',
  topk: '--topk',
  groupSize: '--group-size',
  deviceName: '--device-name',
  dtype: '--dtype',
  tp: '--tp',
  ep: '--ep',
  experts: '--experts',
  intermediate: '--intermediate',
  revision: '--revision',
  out: '-o',
  prefer: '--prefer',
  name: '--name',
  version: '--pack-version',
  strategy: '--strategy',
  budget: '--budget',
  seed: '--seed',
  jitterPercent: '--jitter',
};

/** `text` with every backquoted parameter name that a flag sets replaced by the flag. */
export function inFlags(text: string): string {
  return text.replace(/`([A-Za-z]+)`/g, (whole, name: string) => PARAMETER_FLAGS[name] ?? whole);
}

/**
 * A command's action whose errors speak in flags: a library error that names a parameter
 * (`into`) is rethrown as it is, its message naming the flag (--into) instead.
 */
export function flagged<A extends unknown[]>(action: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (err instanceof Error) err.message = inFlags(err.message);
      throw err;
    }
  };
}
