// The journal of a `moe tune` run: one JSON object per line, appended as each compile,
// measurement and check comes back (and fsync'd within SYNC_MS), so a run killed at any moment
// (SIGKILL included) loses at most the requests that were in flight. `--resume` replays it: every request the run makes again
// is answered from the journal (by its kind, unit, GEMM, config, batch size and occurrence), so
// nothing recorded is measured twice and the run continues with the numbers it had.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { TuneJournalError } from '../errors/tune-journal-error';
import type { Gemm } from './measure-protocol';

export const JOURNAL_VERSION = 1;

/** What makes two runs the same run: every option that changes what is measured or chosen. */
export type JournalIdentity = Readonly<Record<string, unknown>>;

/**
 * Every entry a process appends also carries `at`: milliseconds since that process opened the
 * journal; compiles, measurements and checks carry `w`: the milliseconds the worker spent on the
 * request; measurements carry `L`, the launches per graph of their replays, and `p`, the worker's
 * host ms per phase (prepare, setup, eager pass, capture, replays). `at`, `w` and `p` are
 * records of where a run's time went, never read back by a resume.
 */
type Timed = { at?: number; w?: number };

export type JournalEntry = Timed &
  (
    | { t: 'run'; v: number; identity: JournalIdentity; started: string }
    | { t: 'ready'; unit: string; gpu: number; device: unknown; kernelSource: string | null; kernelSourceSha256: string | null; triton: string | null; engine: unknown }
    | { t: 'compile'; u: string; g: Gemm; c: string; s: string; M: number; ok: boolean; kind?: string; message?: string }
    | { t: 'measure'; u: string; g: Gemm; c: string; M: number; n: number; r: number; L?: number; p?: number[]; ok: boolean; us?: number[]; kind?: string; message?: string }
    | { t: 'check'; u: string; g: Gemm; c: string; M: number; n: number; ok: boolean; summary: string }
    | { t: 'event'; what: string; message: string }
  );

type Keyed = Extract<JournalEntry, { t: 'compile' | 'measure' | 'check' }>;

/** Canonical JSON (sorted keys), to compare identities. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const keyOf = (t: string, u: string, g: string, c: string, M: number | string) => `${t}|${u}|${g}|${c}|${M}`;

/** The entries of an earlier run, answered by occurrence: the n-th measurement of (unit, GEMM, config, M). */
export class JournalReplay {
  private readonly byKey = new Map<string, Keyed[]>();
  readonly entries: JournalEntry[];

  constructor(entries: JournalEntry[]) {
    this.entries = entries;
    for (const e of entries) {
      if (e.t !== 'compile' && e.t !== 'measure' && e.t !== 'check') continue;
      const k = e.t === 'compile' ? keyOf(e.t, e.u, e.g, e.c, e.s) : keyOf(e.t, e.u, e.g, e.c, e.M);
      const list = this.byKey.get(k) ?? [];
      list.push(e);
      this.byKey.set(k, list);
    }
  }

  /** The recorded `t` entry number `n` (0-based) of (unit, GEMM, config, M), if the journal has it. */
  take<T extends 'measure' | 'check'>(t: T, u: string, g: Gemm, c: string, M: number, n = 0): Extract<Keyed, { t: T }> | undefined {
    return this.byKey.get(keyOf(t, u, g, c, M))?.[n] as Extract<Keyed, { t: T }> | undefined;
  }

  /** The recorded compile of (unit, GEMM, config) for a specialisation. */
  takeCompile(u: string, g: Gemm, c: string, s: string): Extract<Keyed, { t: 'compile' }> | undefined {
    return this.byKey.get(keyOf('compile', u, g, c, s))?.[0] as Extract<Keyed, { t: 'compile' }> | undefined;
  }

  /** Recorded entries of a kind (for counts and tests). */
  count(t: Keyed['t']): number {
    return this.entries.filter((e) => e.t === t).length;
  }

  get started(): string | null {
    const run = this.entries[0];
    return run && run.t === 'run' ? run.started : null;
  }
}

/** The longest an appended entry waits for its fsync. */
export const SYNC_MS = 50;

export class TuneJournal {
  private syncTimer: NodeJS.Timeout | null = null;
  private readonly opened = performance.now();

  private constructor(
    readonly file: string,
    private fd: number | null,
    readonly started: string,
  ) {}

  /**
   * Opens the journal at `file`: a new one (refused when one is there and `resume` is false), or,
   * with `resume`, the earlier run's, checked to be the same run. A last line cut off by a kill
   * is dropped (truncated away); a broken line before it is refused.
   */
  static open(file: string, identity: JournalIdentity, options: { resume: boolean; now?: () => Date; resumeCommand?: string }): { journal: TuneJournal; replay: JournalReplay } {
    const exists = existsSync(file);
    if (exists && !options.resume) {
      throw new TuneJournalError(
        `${file}: a journal of an earlier run is there; continue it with --resume${options.resumeCommand ? ` (${options.resumeCommand})` : ''}, or pass another --out to start afresh`,
      );
    }
    if (!exists) {
      mkdirSync(path.dirname(file), { recursive: true });
      const started = (options.now?.() ?? new Date()).toISOString();
      const fd = openSync(file, 'a');
      const journal = new TuneJournal(file, fd, started);
      journal.append({ t: 'run', v: JOURNAL_VERSION, identity, started });
      journal.sync();
      syncFolder(path.dirname(file));
      return { journal, replay: new JournalReplay([]) };
    }
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    // Every entry ends with a newline: the last piece is empty, or a line being written when the
    // run was killed. Either way it is dropped.
    const complete = lines.slice(0, -1);
    const entries: JournalEntry[] = [];
    for (const [i, line] of complete.entries()) {
      try {
        entries.push(JSON.parse(line) as JournalEntry);
      } catch {
        throw new TuneJournalError(`${file}: line ${i + 1} is not JSON (the journal is damaged); move it away and run again without --resume`);
      }
    }
    const head = entries[0];
    if (!head || head.t !== 'run') throw new TuneJournalError(`${file}: not a moe tune journal (no run line first); pass another --out`);
    if (head.v !== JOURNAL_VERSION) throw new TuneJournalError(`${file}: journal version ${head.v}, this moe reads ${JOURNAL_VERSION}; finish it with the moe that wrote it, or pass another --out`);
    const differs = Object.keys({ ...head.identity, ...identity }).filter((k) => canonical(head.identity[k]) !== canonical(identity[k]));
    if (differs.length > 0) {
      const k = differs[0]!;
      throw new TuneJournalError(
        `--resume: ${file} is another run's (${k} was ${canonical(head.identity[k])}, now ${canonical(identity[k])}); resume with the options it was started with, or pass another --out`,
      );
    }
    const fd = openSync(file, 'r+');
    const keep = Buffer.byteLength(complete.map((l) => `${l}\n`).join(''), 'utf8');
    if (fstatSync(fd).size !== keep) {
      ftruncateSync(fd, keep);
      fsyncSync(fd);
    }
    closeSync(fd);
    const journal = new TuneJournal(file, openSync(file, 'a'), head.started);
    return { journal, replay: new JournalReplay(entries) };
  }

  /**
   * Appends one entry. It is written (to the system) before this returns, so once its result is
   * used a kill of this process (SIGKILL included) cannot lose it; it is fsync'd with the
   * entries around it within SYNC_MS (group commit: one fsync per burst, not per entry), so a
   * power cut loses at most that much.
   */
  append(entry: JournalEntry): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify({ ...entry, at: Math.round(performance.now() - this.opened) })}\n`);
    if (this.syncTimer === null) {
      this.syncTimer = setTimeout(() => this.sync(), SYNC_MS);
      this.syncTimer.unref?.();
    }
  }

  /** fsyncs what was appended. */
  sync(): void {
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) {
      this.sync();
      closeSync(this.fd);
    }
    this.fd = null;
  }
}

function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse to fsync a folder; the file itself is synced.
  }
}
