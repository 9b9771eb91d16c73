import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir, writeTree } from './__fixtures__/fake-engines';
import { makeUnwritable, UNWRITABLE_SKIP } from './__fixtures__/read-only';
import { InstallConflictError } from './errors/install-conflict-error';
import { WriteFailedError } from './errors/write-failed-error';
import { writeOps } from './file-writes';
import { collectSourceFiles, installConfigs } from './install';

// Issue #13 items 1 and 2: `configs install` into a read-only or immutable folder exited 3
// ("internal error: EACCES"), --dry-run said "would write" there, and with the second of two
// Triton folders read-only one file was left installed before the crash. Now every target
// folder is checked before the first write, files are staged as temp files and renamed in only
// when all are written, and a rename failing halfway is rolled back.

const NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
const table = (n: number) => `${JSON.stringify({ '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } }, null, 4)}\n`;

/** Sources for two Triton folders (3.4.0 and 3.5.1), and a configs folder to install them into. */
function setUp(existing: Record<string, string> = {}) {
  const src = tempDir();
  writeTree(src, { [`triton_3_4_0/${NAME}`]: table(32), [`triton_3_5_1/${NAME}`]: table(64) });
  const into = path.join(tempDir(), 'configs');
  mkdirSync(path.join(into, 'triton_3_4_0'), { recursive: true });
  mkdirSync(path.join(into, 'triton_3_5_1'));
  writeTree(into, existing);
  return { sources: collectSourceFiles([src]), into };
}

/** Every file under `dir` (relative paths), temp files and backups included. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const undo: (() => void)[] = [];
afterEach(() => {
  for (const u of undo.splice(0)) u();
  vi.restoreAllMocks();
});

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('nothing thrown');
};

describe('install into folders that cannot be written (the real OS refusing)', () => {
  it('the second of two Triton folders unwritable: refused before the first write, nothing installed', (ctx) => {
    const { sources, into } = setUp();
    const u = makeUnwritable(path.join(into, 'triton_3_5_1'));
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect((err as WriteFailedError).kind).toBe('machine');
    expect(err.message).toMatch(
      new RegExp(`^cannot write into ${path.join(into, 'triton_3_5_1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((EACCES: permission denied|EPERM: operation not permitted: an immutable file or folder, or a file system that forbids it)\\); nothing was written; run the install as the user who owns that folder`),
    );
    // The first Triton folder's file was not written either.
    expect(listAll(into)).toEqual([]);
  });

  it('--dry-run checks too: it says it would fail, not "would write"', (ctx) => {
    const { sources, into } = setUp();
    const u = makeUnwritable(path.join(into, 'triton_3_4_0'));
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into, dryRun: true }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toMatch(/\); dry run: nothing was written; run the install as the user who owns that folder/);
  });

  it('an unwritable --into whose Triton folder does not exist yet: its nearest existing folder is named', (ctx) => {
    const src = tempDir();
    writeTree(src, { [`triton_3_5_1/${NAME}`]: table(64) });
    const into = path.join(tempDir(), 'configs');
    mkdirSync(into);
    const u = makeUnwritable(into);
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => installConfigs(collectSourceFiles([src]), { engine: 'sglang', into }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toContain(`cannot write into ${path.join(into, 'triton_3_5_1')} (its nearest existing folder ${into}) (`);
  });

  it('an immutable existing file (root: chattr +i): the rename over it fails halfway and the first file is rolled back', (ctx) => {
    const { sources, into } = setUp({ [`triton_3_5_1/${NAME}`]: table(128) });
    if (process.getuid?.() !== 0) return ctx.skip('skipped: only root can make a file immutable (chattr +i); the injected-fault tests below cover the rollback');
    const u = makeUnwritable(path.join(into, 'triton_3_5_1', NAME));
    if (!u) return ctx.skip(UNWRITABLE_SKIP);
    undo.push(u);
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into, force: true }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toBe(
      `cannot write triton_3_5_1/${NAME} (EPERM: operation not permitted: an immutable file or folder, or a file system that forbids it); rolled back the 1 file this run had already written, so nothing changed; run the install as the user who owns that folder, or install into a folder you own and point SGLang at it (SGLANG_MOE_CONFIG_DIR)`,
    );
    expect(listAll(into)).toEqual([`triton_3_5_1/${NAME}`]);
    expect(readFileSync(path.join(into, 'triton_3_5_1', NAME), 'utf8')).toBe(table(128));
  });
});

describe('install under injected faults (every platform, every user)', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code, syscall: 'write' });

  it('a full disk (ENOSPC) while staging: nothing written, no temp file or new folder left', () => {
    const src = tempDir();
    writeTree(src, { [`triton_3_4_0/${NAME}`]: table(32), [`triton_3_6_0/${NAME}`]: table(64) });
    const into = path.join(tempDir(), 'configs');
    mkdirSync(path.join(into, 'triton_3_4_0'), { recursive: true });
    const real = writeOps.writeSync;
    let calls = 0;
    vi.spyOn(writeOps, 'writeSync').mockImplementation(((...args: Parameters<typeof real>) => {
      calls += 1;
      if (calls === 2) throw errno('ENOSPC');
      return real(...args);
    }) as typeof real);
    const err = thrown(() => installConfigs(collectSourceFiles([src]), { engine: 'sglang', into }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toBe(
      `cannot write triton_3_6_0/${NAME} (ENOSPC: no space left on the disk); nothing was written (the files staged so far were removed); free space on that disk (or raise the quota), then run again`,
    );
    expect(listAll(into)).toEqual([]);
    // triton_3_6_0 was created for this run and is gone again.
    expect(readdirSync(into)).toEqual(['triton_3_4_0']);
  });

  it('a rename failing halfway (EIO): the file already renamed in is removed, an overwritten one restored', () => {
    const { sources, into } = setUp({ [`triton_3_4_0/${NAME}`]: table(16) });
    // triton_3_4_0's file is renamed over the old one first; linking triton_3_5_1's new file in then fails.
    const real = writeOps.linkSync;
    vi.spyOn(writeOps, 'linkSync').mockImplementation((from, to) => {
      if (String(to) === path.join(into, 'triton_3_5_1', NAME)) throw errno('EIO');
      return real(from, to);
    });
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into, force: true }));
    expect(err).toBeInstanceOf(WriteFailedError);
    expect(err.message).toBe(
      `cannot write triton_3_5_1/${NAME} (EIO: I/O error of the disk); rolled back the 1 file this run had already written, so nothing changed; check the disk (its kernel log), then run again`,
    );
    expect(listAll(into)).toEqual([`triton_3_4_0/${NAME}`]);
    expect(readFileSync(path.join(into, 'triton_3_4_0', NAME), 'utf8')).toBe(table(16));
  });

  it('a target that appears mid-install (another run) is not overwritten, and this run rolls back', () => {
    const { sources, into } = setUp();
    const theirs = path.join(into, 'triton_3_5_1', NAME);
    const real = writeOps.linkSync;
    vi.spyOn(writeOps, 'linkSync').mockImplementation((from, to) => {
      // Another process writes the same target just before this run links its file in.
      if (String(to) === theirs) writeFileSync(theirs, 'theirs');
      return real(from, to);
    });
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into }));
    expect(err).toBeInstanceOf(InstallConflictError);
    expect(err.message).toBe(
      `triton_3_5_1/${NAME} appeared while this run was writing (another run writing the same folder?); rolled back the 1 file this run had already written, so nothing changed; run again`,
    );
    expect(listAll(into)).toEqual([`triton_3_5_1/${NAME}`]);
    expect(readFileSync(theirs, 'utf8')).toBe('theirs');
  });

  it('a rollback leaves alone a file another run replaced after this one wrote it', () => {
    const { sources, into } = setUp();
    const first = path.join(into, 'triton_3_4_0', NAME);
    const real = writeOps.linkSync;
    vi.spyOn(writeOps, 'linkSync').mockImplementation((from, to) => {
      if (String(to) === path.join(into, 'triton_3_5_1', NAME)) {
        // Another run replaces the file this run just installed, then this run's next link fails.
        writeFileSync(`${first}.other`, 'theirs');
        renameSync(`${first}.other`, first);
        throw errno('EIO');
      }
      return real(from, to);
    });
    const err = thrown(() => installConfigs(sources, { engine: 'sglang', into }));
    expect(err.message).toBe(
      `cannot write triton_3_5_1/${NAME} (EIO: I/O error of the disk); rolled back the 0 files this run had already written; 1 file another run replaced meanwhile was left to it; check the disk (its kernel log), then run again`,
    );
    expect(readFileSync(first, 'utf8')).toBe('theirs');
    expect(listAll(into)).toEqual([`triton_3_4_0/${NAME}`]);
  });

  it('nothing is left behind on success either: no temp files, no backups', () => {
    const { sources, into } = setUp({ [`triton_3_4_0/${NAME}`]: table(16) });
    const r = installConfigs(sources, { engine: 'sglang', into, force: true });
    expect(r.actions.map((a) => a.action)).toEqual(['overwrite', 'write']);
    expect(listAll(into)).toEqual([`triton_3_4_0/${NAME}`, `triton_3_5_1/${NAME}`]);
    expect(readFileSync(path.join(into, 'triton_3_4_0', NAME), 'utf8')).toBe(table(32));
    expect(existsSync(path.join(into, 'triton_3_5_1', NAME))).toBe(true);
  });
});
