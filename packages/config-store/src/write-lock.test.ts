import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstallConflictError } from './errors/install-conflict-error';
import { WRITE_LOCK_NAME, writeAllOrNothing } from './file-writes';

const plan = (dir: string) =>
  ['a.json', 'b.json'].map((n) => ({ abs: path.join(dir, 'triton_3_6_0', n), display: n, bytes: `{"${n}": 1}\n`, existed: false }));

describe('the write lock of an all-or-nothing write', () => {
  it('a lock held by a live process: the write is refused as another run, nothing is written', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-lock-'));
    // This test's own process is alive: its pid holds the lock.
    writeFileSync(path.join(dir, WRITE_LOCK_NAME), `${process.pid}\n`);
    expect(() => writeAllOrNothing(plan(dir), 'fix', dir)).toThrow(InstallConflictError);
    expect(() => writeAllOrNothing(plan(dir), 'fix', dir)).toThrow(new RegExp(`another run \\(pid ${process.pid}\\) is writing into`));
    expect(existsSync(path.join(dir, 'triton_3_6_0'))).toBe(false);
    expect(readFileSync(path.join(dir, WRITE_LOCK_NAME), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('a lock left by a process that is gone is taken over; the lock is released after the write', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-lock-'));
    // pid_max on Linux is at most 2^22: no process has this pid.
    writeFileSync(path.join(dir, WRITE_LOCK_NAME), `${2 ** 22 + 7}\n`);
    writeAllOrNothing(plan(dir), 'fix', dir);
    expect(readdirSync(dir).sort()).toEqual(['triton_3_6_0']);
    expect(readdirSync(path.join(dir, 'triton_3_6_0')).sort()).toEqual(['a.json', 'b.json']);
  });

  it('is the same lock for every run of the tree, also once the first run has made the target folders', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'moe-lock-'));
    mkdirSync(path.join(dir, 'configs', 'triton_3_6_0'), { recursive: true });
    writeFileSync(path.join(dir, 'configs', WRITE_LOCK_NAME), `${process.pid}\n`);
    const p = ['x.json', 'y.json'].map((n) => ({ abs: path.join(dir, 'configs', 'triton_3_6_0', n), display: n, bytes: '{}\n', existed: false }));
    expect(() => writeAllOrNothing(p, 'fix', path.join(dir, 'configs'))).toThrow(InstallConflictError);
    expect(readdirSync(path.join(dir, 'configs', 'triton_3_6_0'))).toEqual([]);
  });
});
