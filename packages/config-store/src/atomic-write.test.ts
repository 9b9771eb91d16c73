import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from './__fixtures__/fake-engines';
import { UnsafePathError } from './errors/unsafe-path-error';
import { WriteFailedError } from './errors/write-failed-error';
import { writeOps } from './file-writes';
import { writeFileAtomic } from './safe-fs';

// docs/RELIABILITY.md: a single file is written atomically (temp file in the same folder, fsync,
// rename): a reader sees the old bytes or the new, never a mix, and a failure leaves the old.

afterEach(() => {
  vi.restoreAllMocks();
});
const injected = (code: string) => Object.assign(new Error(`${code}: injected`), { code, syscall: 'rename' });

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', () => {
    const dir = tempDir();
    const f = path.join(dir, 'x.json');
    writeFileSync(f, 'old');
    writeFileAtomic(f, 'new', dir);
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('a rename that fails (EIO) leaves the old file as it was, and no temp file', () => {
    const dir = tempDir();
    const f = path.join(dir, 'x.json');
    writeFileSync(f, 'old');
    vi.spyOn(writeOps, 'renameSync').mockImplementation(() => {
      throw injected('EIO');
    });
    expect(() => writeFileAtomic(f, 'new', dir)).toThrow(WriteFailedError);
    expect(() => writeFileAtomic(f, 'new', dir)).toThrow(`cannot write ${f} (EIO: I/O error of the disk); the file was left as it was; check the disk (its kernel log), then run again`);
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('a full disk while writing the temp file (ENOSPC) leaves the old file', () => {
    const dir = tempDir();
    const f = path.join(dir, 'x.json');
    writeFileSync(f, 'old');
    vi.spyOn(writeOps, 'writeSync').mockImplementation(() => {
      throw injected('ENOSPC');
    });
    expect(() => writeFileAtomic(f, 'new', dir)).toThrow(/^cannot write .*x\.json \(ENOSPC: no space left on the disk\); nothing was written; free space on that disk/);
    expect(readFileSync(f, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('never writes through a symlink or out of its root', () => {
    const dir = tempDir();
    const outside = path.join(tempDir(), 'victim');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, path.join(dir, 'x.json'));
    expect(() => writeFileAtomic(path.join(dir, 'x.json'), 'new', dir)).toThrow(UnsafePathError);
    expect(() => writeFileAtomic(path.join(path.dirname(outside), 'y.json'), 'new', dir)).toThrow(/outside/);
    expect(readFileSync(outside, 'utf8')).toBe('keep');
  });
});
