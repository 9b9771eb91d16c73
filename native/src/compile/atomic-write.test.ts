import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { atomicWriteOps, writeFileAtomic } from './atomic-write';

// docs/RELIABILITY.md: a cache file is written atomically (temp file in the same folder, fsync,
// rename): a failure at any step leaves the old file as it was and no temp file behind.

const root = mkdtempSync(path.join(os.tmpdir(), 'moe-atomic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

let n = 0;
function folderWithOld(): { dir: string; file: string } {
  const dir = path.join(root, String(n++));
  mkdirSync(dir);
  const file = path.join(dir, 'x.bin');
  writeFileSync(file, 'old');
  return { dir, file };
}
const injected = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

describe('writeFileAtomic (compile cache)', () => {
  it('replaces the file whole and leaves no temp file; creates missing folders', async () => {
    const { dir, file } = folderWithOld();
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['x.bin']);
    const deep = path.join(dir, 'a', 'b', 'y.json');
    await writeFileAtomic(deep, 'text');
    expect(readFileSync(deep, 'utf8')).toBe('text');
    expect(readdirSync(path.dirname(deep))).toEqual(['y.json']);
  });

  // A failure at each step after the temp file exists: the old file stays, the temp goes, and the
  // system error reaches the caller unchanged (the compile pool treats it as "not cached").
  for (const [step, code] of [
    ['write', 'ENOSPC'],
    ['sync', 'EIO'],
    ['close', 'EIO'],
    ['rename', 'EDQUOT'],
  ] as const) {
    it(`a failing ${step} (${code}) leaves the old file and no temp file`, async () => {
      const { dir, file } = folderWithOld();
      const spy = vi.spyOn(atomicWriteOps, step).mockImplementation(async (...args: unknown[]) => {
        // The real call first where it holds a resource (close must still release the handle).
        if (step === 'close') await (args[0] as { close(): Promise<void> }).close();
        throw injected(code);
      });
      await expect(writeFileAtomic(file, 'new')).rejects.toMatchObject({ code });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(readFileSync(file, 'utf8')).toBe('old');
      expect(readdirSync(dir)).toEqual(['x.bin']);
    });
  }

  it('a failing write of a new file leaves nothing at all', async () => {
    const dir = path.join(root, String(n++));
    mkdirSync(dir);
    vi.spyOn(atomicWriteOps, 'write').mockRejectedValue(injected('ENOSPC'));
    await expect(writeFileAtomic(path.join(dir, 'new.json'), '{}')).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a rename the system refuses (a folder in the way) leaves that folder and no temp file', async () => {
    const dir = path.join(root, String(n++));
    const target = path.join(dir, 'x.json');
    mkdirSync(path.join(target, 'inside'), { recursive: true });
    await expect(writeFileAtomic(target, '{}')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect(readdirSync(dir)).toEqual(['x.json']);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('a failing fsync of the folder after the rename does not undo or fail the write', async () => {
    const { dir, file } = folderWithOld();
    vi.spyOn(atomicWriteOps, 'syncFolder').mockRejectedValue(injected('EINVAL'));
    await writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['x.bin']);
  });
});
