import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { BadArgumentError } from './errors/bad-argument-error';
import { InstallConflictError } from './errors/install-conflict-error';
import { WriteFailedError } from './errors/write-failed-error';

/**
 * The file-system calls every write of this package goes through. Tests replace one of them
 * (vi.spyOn(writeOps, 'renameSync')) to inject a full disk, an I/O error or a rename that fails
 * halfway; nothing else should touch this object.
 */
export const writeOps = {
  accessSync,
  openSync,
  writeSync,
  fsyncSync,
  closeSync,
  renameSync,
  linkSync,
  copyFileSync,
  unlinkSync,
  mkdirSync,
  rmdirSync,
  rmSync,
};

const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted: an immutable file or folder, or a file system that forbids it',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EIO: 'I/O error of the disk',
  EFBIG: 'file too large for the file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file or folder is busy',
  ENOENT: 'the folder disappeared while writing',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
};

/** True for an error the OS raised (it has an errno code like EACCES). */
export function isErrnoError(err: unknown): err is NodeJS.ErrnoException & { code: string } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code as string);
}

/** The system's words for an errno code ("EROFS: read-only file system"). */
export function errnoWords(code: string): string {
  return `${code}: ${WORDS[code] ?? 'the system refused it'}`;
}

/** What to do about a refused write, by kind of refusal. `permissionFix` is the caller's, for EACCES/EPERM/EROFS. */
function fixFor(code: string, permissionFix: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') return 'free space on that disk (or raise the quota), then run again';
  if (code === 'EIO') return 'check the disk (its kernel log), then run again';
  if (code === 'EMFILE' || code === 'ENFILE') return 'close other programs or raise the open-file limit (ulimit -n), then run again';
  return permissionFix;
}

/**
 * Turns an error of a write into WriteFailedError: "cannot write <path> (<code>: <words>);
 * <what happened to the other files>; <fix>". Errors that are not the system's pass through.
 */
export function writeFailure(err: unknown, target: string, undone: string, permissionFix: string): Error {
  if (err instanceof WriteFailedError || !isErrnoError(err)) return err as Error;
  return new WriteFailedError(`cannot write ${target} (${errnoWords(err.code)}); ${undone}; ${fixFor(err.code, permissionFix)}`, err.code, target, { cause: err });
}

/** The nearest folder at or above `dir` that exists. */
function nearestExisting(dir: string): string {
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  return existing;
}

/**
 * Checks, writing nothing, that files can be created in `dir` (which may not exist yet: its
 * nearest existing folder is checked). access(2) sees permissions, read-only file systems and
 * immutable folders (for root too), so a run that would fail is refused before its first write.
 */
export function checkWritableFolder(dir: string, permissionFix: string, undone = 'nothing was written'): void {
  const existing = nearestExisting(dir);
  try {
    writeOps.accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (!isErrnoError(err)) throw err;
    const where = existing === path.resolve(dir) ? dir : `${dir} (its nearest existing folder ${existing})`;
    throw new WriteFailedError(`cannot write into ${where} (${errnoWords(err.code)}); ${undone}; ${fixFor(err.code, permissionFix)}`, err.code, existing, { cause: err });
  }
}

/** What link(2) fails with on a file system without hard links (some FUSE, SMB, FAT mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

const tempName = (target: string, tag: string) => path.join(path.dirname(target), `.${path.basename(target)}.moe-${process.pid}-${randomBytes(4).toString('hex')}.${tag}`);

/** Writes `data` to a new file (failing if it exists) and fsyncs it. */
export function writeNewFile(file: string, data: string | Uint8Array): void {
  const fd = writeOps.openSync(file, 'wx', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeOps.writeSync(fd, buf, off, buf.length - off);
    writeOps.fsyncSync(fd);
  } catch (err) {
    writeOps.closeSync(fd);
    quietly(() => writeOps.unlinkSync(file));
    throw err;
  }
  writeOps.closeSync(fd);
}

function quietly(f: () => void): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

/** fsync of a folder, so a rename in it survives a crash; some file systems cannot, and the rename is atomic anyway. */
export function syncFolder(dir: string): void {
  quietly(() => {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Creates the missing folders of `dir`, returning those it created, outermost first. */
function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!existsSync(d)) {
    missing.unshift(d);
    d = path.dirname(d);
  }
  const made: string[] = [];
  for (const m of missing) {
    writeOps.mkdirSync(m);
    made.push(m);
  }
  return made;
}

function removeFolders(made: string[]): void {
  for (const m of [...made].reverse()) quietly(() => writeOps.rmdirSync(m));
}

/** The lock file an all-or-nothing write holds in the nearest existing folder above its targets. */
export const WRITE_LOCK_NAME = '.moe-kit-write.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrnoError(err) && err.code === 'EPERM';
  }
}

/**
 * Takes the write lock of `dir` (O_EXCL create; a lock whose process is gone is taken over), or
 * throws InstallConflictError naming the run holding it. Returns the release.
 */
function acquireWriteLock(dir: string, label: string, permissionFix: string): () => void {
  // Plain fs calls, not writeOps: the lock is bookkeeping, not one of the files written (the
  // fault-injection tests aim at those).
  const lock = path.join(dir, WRITE_LOCK_NAME);
  const mine = `${process.pid}\n`;
  // The root may be new (a first --out): made here, so that every run locks the same folder.
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeFailure(err, dir, 'nothing was written', permissionFix);
  }
  for (let attempt = 0; ; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx', 0o644);
    } catch (err) {
      if (!isErrnoError(err)) throw err;
      if (err.code !== 'EEXIST') throw writeFailure(err, lock, 'nothing was written', permissionFix);
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      } catch {
        // vanished or unreadable: look again
      }
      if (attempt < 2 && (!Number.isInteger(holder) || !processAlive(holder))) {
        // Left by a run that died (or released just now): take it over.
        if (Number.isInteger(holder)) quietly(() => unlinkSync(lock));
        continue;
      }
      throw new InstallConflictError(
        `${label}: another run${Number.isInteger(holder) ? ` (pid ${holder})` : ''} is writing into ${dir} (it holds ${lock}); nothing was written; run again when it is done`,
      );
    }
    try {
      writeSync(fd, mine);
    } catch (err) {
      quietly(() => unlinkSync(lock));
      throw writeFailure(err, lock, 'nothing was written', permissionFix);
    } finally {
      closeSync(fd);
    }
    return () => {
      quietly(() => {
        if (readFileSync(lock, 'utf8') === mine) unlinkSync(lock);
      });
    };
  }
}

/** One file of an all-or-nothing write. */
export interface PlannedWrite {
  /** Absolute path of the target. */
  abs: string;
  /** How to name it in messages (relative to the folder given). */
  display: string;
  bytes: string | Uint8Array;
  /** Whether the plan found a file there (to overwrite): a file appearing or vanishing since is a conflict. */
  existed: boolean;
}

interface Stamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

const stampOf = (file: string): Stamp | null => {
  try {
    const st = lstatSync(file);
    return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
};

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

/**
 * Writes every planned file or none. Before the first write, every target folder is checked to
 * be writable and the write lock of `lockDir` (an existing folder above every target) is taken (a
 * second run meanwhile is an InstallConflictError; a lock left by a dead run is taken over); then each file is written to a temp file beside its target (existing targets are
 * kept as a hard-linked backup), and only when all are written are they renamed into place. A
 * new target that appears meanwhile (another run) is a conflict, not overwritten (link(2), not
 * rename). When a rename fails halfway, the files this run already replaced are restored and
 * those it created removed, and the error says so. `permissionFix` tells the user what to do when
 * a folder cannot be written.
 */
export function writeAllOrNothing(planned: PlannedWrite[], permissionFix: string, lockDir: string): void {
  for (const dir of new Set(planned.map((p) => path.dirname(p.abs)))) checkWritableFolder(dir, permissionFix);
  if (planned.length === 0) return;
  // One writer at a time per tree: runs that plan the same targets in different orders could
  // otherwise each take some of them, lose to each other and roll back into a mix. The lock is in
  // `lockDir` (a folder that exists before the write, e.g. the install's root), never in a folder
  // the write creates, so every run of the same tree takes the same lock.
  const release = acquireWriteLock(path.resolve(lockDir), planned[0]!.display, permissionFix);
  try {
    commitAllOrNothing(planned, permissionFix);
  } finally {
    release();
  }
}

function commitAllOrNothing(planned: PlannedWrite[], permissionFix: string): void {
  const stamps = planned.map((p) => stampOf(p.abs));
  const made: string[] = [];
  /** ino: the temp file's inode, which ends up at the target: undo touches only a target still holding it. */
  const staged: { p: PlannedWrite; temp: string; ino: number; backup: string | null; stamp: Stamp | null }[] = [];
  const cleanUp = () => {
    for (const s of staged) {
      quietly(() => writeOps.unlinkSync(s.temp));
      if (s.backup) quietly(() => writeOps.unlinkSync(s.backup as string));
    }
    removeFolders(made);
  };
  // 1. Stage: folders, temp files and backups. Nothing the engine reads has changed yet.
  for (const [i, p] of planned.entries()) {
    try {
      made.push(...makeFolders(path.dirname(p.abs)));
      const temp = tempName(p.abs, 'tmp');
      writeNewFile(temp, p.bytes);
      const entry: (typeof staged)[number] = { p, temp, ino: lstatSync(temp).ino, backup: null, stamp: stamps[i] ?? null };
      staged.push(entry);
      if (p.existed && entry.stamp) {
        const backup = tempName(p.abs, 'bak');
        try {
          writeOps.linkSync(p.abs, backup);
        } catch {
          writeOps.copyFileSync(p.abs, backup);
        }
        entry.backup = backup;
      }
    } catch (err) {
      cleanUp();
      throw writeFailure(err, p.display, 'nothing was written (the files staged so far were removed)', permissionFix);
    }
  }
  // 2. Commit: rename each into place; on the first failure, undo the ones done.
  const done: (typeof staged)[number][] = [];
  const undo = (): string => {
    const failed: string[] = [];
    let undone = 0;
    let theirs = 0;
    for (const s of [...done].reverse()) {
      // A target another run has replaced since is theirs now: neither removed nor restored.
      if (stampOf(s.p.abs)?.ino !== s.ino) {
        theirs += 1;
        continue;
      }
      const ok = s.backup ? quietly(() => writeOps.renameSync(s.backup as string, s.p.abs)) : quietly(() => writeOps.unlinkSync(s.p.abs));
      if (ok) {
        s.backup = null;
        undone += 1;
      } else failed.push(s.backup ? `${s.p.display} (its old content is in ${s.backup})` : s.p.display);
    }
    cleanUp();
    if (failed.length > 0) return `the rollback failed for ${failed.join(', ')}: check those by hand`;
    if (undone === 0 && theirs === 0) return 'nothing was written';
    if (theirs === 0) return `rolled back the ${files(undone)} this run had already written, so nothing changed`;
    return `rolled back the ${files(undone)} this run had already written; ${files(theirs)} another run replaced meanwhile ${theirs === 1 ? 'was' : 'were'} left to it`;
  };
  for (const s of staged) {
    const now = stampOf(s.p.abs);
    const changed = s.stamp === null ? now !== null : now === null || now.ino !== s.stamp.ino || now.size !== s.stamp.size || now.mtimeMs !== s.stamp.mtimeMs;
    if (changed) {
      const undone = undo();
      throw new InstallConflictError(`${s.p.display} ${s.stamp === null ? 'appeared' : 'changed'} while this run was writing (another run writing the same folder?); ${undone}; run again`);
    }
    try {
      if (s.stamp === null) {
        // link(2) fails with EEXIST if another run created the target since the check above.
        try {
          writeOps.linkSync(s.temp, s.p.abs);
          quietly(() => writeOps.unlinkSync(s.temp));
        } catch (err) {
          if (!isErrnoError(err) || !NO_HARD_LINKS.has(err.code)) throw err;
          // A file system without hard links: rename, after one more look.
          if (existsSync(s.p.abs)) throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
          writeOps.renameSync(s.temp, s.p.abs);
        }
      } else writeOps.renameSync(s.temp, s.p.abs);
      done.push(s);
    } catch (err) {
      const undone = undo();
      if (isErrnoError(err) && err.code === 'EEXIST') {
        throw new InstallConflictError(`${s.p.display} appeared while this run was writing (another run writing the same folder?); ${undone}; run again`);
      }
      throw writeFailure(err, s.p.display, undone, permissionFix);
    }
  }
  for (const s of staged) if (s.backup) quietly(() => writeOps.unlinkSync(s.backup as string));
  for (const dir of new Set(planned.map((p) => path.dirname(p.abs)))) syncFolder(dir);
}

/**
 * Writes a new output folder all at once: the files go into a temp folder beside `out`, which is
 * then renamed to `out` (absent, or an empty folder). A failure leaves nothing behind; another
 * run filling `out` meanwhile makes this one fail without touching it. `label` is `out` as given.
 */
export function writeNewFolder(out: string, label: string, entries: { rel: string; bytes: string | Uint8Array }[], permissionFix: string): void {
  const abs = path.resolve(out);
  const parent = path.dirname(abs);
  checkWritableFolder(parent, permissionFix);
  const made: string[] = [];
  const temp = tempName(abs, 'tmp');
  let current = label;
  try {
    made.push(...makeFolders(parent));
    writeOps.mkdirSync(temp);
    for (const e of entries) {
      current = path.join(label, e.rel);
      const target = path.join(temp, e.rel);
      const dir = path.dirname(target);
      if (!existsSync(dir)) writeOps.mkdirSync(dir, { recursive: true });
      writeNewFile(target, e.bytes);
    }
    for (const dir of new Set(entries.map((e) => path.dirname(path.join(temp, e.rel))))) syncFolder(dir);
    current = label;
    writeOps.renameSync(temp, abs);
  } catch (err) {
    quietly(() => writeOps.rmSync(temp, { recursive: true, force: true }));
    removeFolders(made);
    if (isErrnoError(err) && (err.code === 'ENOTEMPTY' || err.code === 'EEXIST' || err.code === 'ENOTDIR') && current === label) {
      const what = existsSync(abs) && statSync(abs).isDirectory() ? 'was filled by another run while this one was writing' : 'was created by another run while this one was writing';
      throw new BadArgumentError(`-o ${label} ${what}; nothing was written; pass a new folder`);
    }
    throw writeFailure(err, current, 'nothing was written (the partial output was removed)', permissionFix);
  }
  syncFolder(parent);
}
