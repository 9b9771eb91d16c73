import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TuneJournal } from './tune-journal';

const dirs: string[] = [];
const file = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'moe-journal-'));
  dirs.push(d);
  return path.join(d, 'j.jsonl');
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const entry = (n: number) => ({ t: 'measure' as const, u: 'u', g: 'up' as const, c: '16/32/64/1/4/3', M: 64, n, r: 2, ok: true, us: [10 + n, 11 + n] });

describe('the tune journal', () => {
  it('replays entries by occurrence, and truncates a last line cut off by a kill', () => {
    const f = file();
    const { journal } = TuneJournal.open(f, { a: 1 }, { resume: false, now: () => new Date('2026-12-03T00:00:00Z') });
    journal.append(entry(0));
    journal.append(entry(1));
    journal.close();
    writeFileSync(f, `${readFileSync(f, 'utf8')}{"t":"meas`);
    const { journal: again, replay } = TuneJournal.open(f, { a: 1 }, { resume: true });
    expect(again.started).toBe('2026-12-03T00:00:00.000Z');
    expect(replay.take('measure', 'u', 'up', '16/32/64/1/4/3', 64, 1)?.us).toEqual([11, 12]);
    expect(replay.take('measure', 'u', 'up', '16/32/64/1/4/3', 64, 2)).toBeUndefined();
    again.append(entry(2));
    again.close();
    // The cut line is gone and the new entry follows the last whole one.
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[3]!).n).toBe(2);
    expect(lines[4]).toBe('');
  });

  it('refuses a damaged line before the last, another run, and a journal without --resume', () => {
    const f = file();
    const { journal } = TuneJournal.open(f, { strategy: 'auto', seed: 0 }, { resume: false });
    journal.append(entry(0));
    journal.close();
    expect(() => TuneJournal.open(f, { strategy: 'auto', seed: 0 }, { resume: false, resumeCommand: 'moe tune --resume' })).toThrow(/continue it with --resume \(moe tune --resume\)/);
    expect(() => TuneJournal.open(f, { strategy: 'auto', seed: 1 }, { resume: true })).toThrow(/another run's \(seed was 0, now 1\)/);
    const [head, ...rest] = readFileSync(f, 'utf8').split('\n');
    writeFileSync(f, [head, '{not json', ...rest].join('\n'));
    expect(() => TuneJournal.open(f, { strategy: 'auto', seed: 0 }, { resume: true })).toThrow(/line 2 is not JSON \(the journal is damaged\)/);
  });
});
