import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { BadArgumentError } from './errors/bad-argument-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { unsafeNameReason } from '@moe/engine-facts';
import { syncFolder, writeFailure, writeNewFile, writeOps } from './file-writes';

/** Config files are a few KB; anything over this is refused unread. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Pack manifests list every file and batch key; still far below this. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** Folders are walked at most this deep below the folder given. */
export const MAX_WALK_DEPTH = 12;
/** At most this many directory entries are looked at in one walk. */
export const MAX_WALK_ENTRIES = 200_000;

/** What a file system entry that is not a regular file is, in words ("a FIFO (named pipe)"). */
export function entryKind(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'not a regular file';
}

/**
 * Reads a whole file, refusing files over `cap` bytes (checked before and while reading). The
 * file is opened without blocking and checked to be a regular file before a byte is read, so a
 * FIFO (which would block), a device such as /dev/zero (which never ends) or a socket is refused
 * unread. `what` names the kind of file expected, for the fix ("a config file").
 */
export function readFileCapped(file: string, cap = MAX_CONFIG_FILE_BYTES, what = 'a config file'): Uint8Array {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UnsafePathError(`${file} is ${entryKind(st)}, not a regular file; pass ${what}`);
    if (st.size > cap) {
      throw new FileTooLargeError(`${file} is ${st.size} bytes, over the ${cap}-byte cap for this kind of file; it is not ${what} (check the path)`);
    }
    let buf = Buffer.alloc(Math.min(st.size, cap) + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > cap) {
        throw new FileTooLargeError(`${file} grew past the ${cap}-byte cap while being read; it is not ${what} (check the path)`);
      }
      if (total === buf.length) {
        // It grew since fstat: read on, still capped.
        const more = Buffer.alloc(Math.min(buf.length * 2, cap + 1));
        buf.copy(more);
        buf = more;
      }
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, total);
  } finally {
    closeSync(fd);
  }
}

/** True when `child` (an absolute, real path) is `root` or inside it. */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface WalkEntry {
  /** Path relative to the walk root, '/'-separated. */
  rel: string;
  abs: string;
  name: string;
  kind: 'file' | 'dir';
}

export interface WalkProblem {
  rel: string;
  reason: string;
  /**
   * outside: a symlink leaving the folder; broken: a symlink to nothing; unreadable: cannot be
   * listed or stat'ed; name: a name with path characters; limit: past the depth or entry cap;
   * special: a FIFO, device or socket (never opened: a FIFO would block the reader).
   */
  kind: 'outside' | 'broken' | 'unreadable' | 'name' | 'limit' | 'special';
  /** special: what the entry is, in words ("a FIFO (named pipe)", "a folder"). */
  entry?: string;
}

/**
 * Lists a folder tree without leaving it: symlinks are followed only when their target stays
 * inside `root`; others, unreadable entries and names with path characters are reported as
 * problems, never followed. Depth and entry count are capped.
 */
export function walkTree(root: string, options: { maxDepth?: number } = {}): { entries: WalkEntry[]; problems: WalkProblem[] } {
  const maxDepth = options.maxDepth ?? MAX_WALK_DEPTH;
  const realRoot = realpathSync(root);
  const entries: WalkEntry[] = [];
  const problems: WalkProblem[] = [];
  let seen = 0;
  const visited = new Set<string>([realRoot]);
  const walk = (absDir: string, relDir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(absDir).sort();
    } catch (err) {
      problems.push({ rel: relDir || '.', reason: `cannot be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})`, kind: 'unreadable' });
      return;
    }
    for (const name of names) {
      seen += 1;
      if (seen > MAX_WALK_ENTRIES) {
        problems.push({ rel: relDir || '.', reason: `more than ${MAX_WALK_ENTRIES} entries; the rest were not read`, kind: 'limit' });
        return;
      }
      const rel = relDir ? `${relDir}/${name}` : name;
      const bad = unsafeNameReason(name);
      if (bad && name !== '..') {
        problems.push({ rel, reason: `name ${bad}`, kind: 'name' });
        continue;
      }
      const abs = path.join(absDir, name);
      let kind: 'file' | 'dir' | null = null;
      let special: Stats | null = null;
      try {
        const l = lstatSync(abs);
        if (l.isSymbolicLink()) {
          let target: string;
          try {
            target = realpathSync(abs);
          } catch {
            problems.push({ rel, reason: 'is a broken symlink', kind: 'broken' });
            continue;
          }
          if (!isInside(realRoot, target)) {
            problems.push({ rel, reason: `is a symlink to ${target}, outside the folder`, kind: 'outside' });
            continue;
          }
          const st = statSync(abs);
          kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
          if (kind === null) special = st;
          if (kind === 'dir') {
            if (visited.has(target)) continue;
            visited.add(target);
          }
        } else {
          kind = l.isDirectory() ? 'dir' : l.isFile() ? 'file' : null;
          if (kind === null) special = l;
        }
      } catch (err) {
        problems.push({ rel, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, kind: 'unreadable' });
        continue;
      }
      if (kind === null) {
        if (special) problems.push({ rel, reason: `is ${entryKind(special)}, not a file or folder`, kind: 'special', entry: entryKind(special) });
        continue;
      }
      entries.push({ rel, abs, name, kind });
      if (kind === 'dir') {
        if (depth >= maxDepth) problems.push({ rel, reason: `deeper than ${maxDepth} levels; not read`, kind: 'limit' });
        else walk(abs, rel, depth + 1);
      }
    }
  };
  walk(realRoot, '', 1);
  return { entries, problems };
}

/**
 * Writes a file atomically: a temp file in the same folder, fsync, rename over the target,
 * fsync of the folder. `target` must be inside `root` (checked on real paths).
 */
export function writeFileAtomic(target: string, data: string | Uint8Array, root?: string, options: { permissionFix?: string } = {}): void {
  const dir = path.dirname(target);
  const name = path.basename(target);
  const bad = unsafeNameReason(name);
  if (bad) throw new UnsafePathError(`refusing to write ${JSON.stringify(name)}: the name ${bad}`);
  if (root !== undefined) {
    const realRoot = realpathSync(root);
    const realDir = realpathSync(dir);
    if (!isInside(realRoot, realDir)) {
      throw new UnsafePathError(`refusing to write ${target}: its folder resolves to ${realDir}, outside ${realRoot}`);
    }
    try {
      if (lstatSync(target).isSymbolicLink()) {
        throw new UnsafePathError(`refusing to write ${target}: it is a symlink; remove it first`);
      }
    } catch (err) {
      if (err instanceof UnsafePathError) throw err;
    }
  }
  const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fix = options.permissionFix ?? `write to a folder you may write to, or fix the permissions of ${dir}`;
  try {
    writeNewFile(tmp, data);
  } catch (err) {
    throw writeFailure(err, target, 'nothing was written', fix);
  }
  try {
    writeOps.renameSync(tmp, target);
  } catch (err) {
    try {
      writeOps.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw writeFailure(err, target, 'the file was left as it was', fix);
  }
  syncFolder(dir);
}

/**
 * Creates `dir` (and its parents) only when it resolves inside `root`: the nearest existing
 * ancestor is checked before anything is created, so a symlink pointing out of the tree never
 * gets a folder created through it.
 */
export function mkdirInside(root: string, dir: string): void {
  const realRoot = checkDirInside(root, dir);
  try {
    writeOps.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw writeFailure(err, dir, 'nothing was written', `write to a folder you may write to, or fix the permissions of ${path.dirname(dir)}`);
  }
  if (!isInside(realRoot, realpathSync(dir))) throw new UnsafePathError(`refusing to write into ${dir}: it resolves outside ${realRoot}`);
}

/** Throws UnsafePathError unless `dir` (existing or not) would resolve inside `root`; returns root's real path. */
function checkDirInside(root: string, dir: string): string {
  const realRoot = realpathSync(root);
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  if (!isInside(realRoot, realpathSync(existing))) {
    throw new UnsafePathError(`refusing to create ${dir}: ${existing} resolves to ${realpathSync(existing)}, outside ${realRoot} (a symlink?)`);
  }
  return realRoot;
}

/**
 * Checks, creating and writing nothing, that writeFileAtomic(target, …, root) after
 * mkdirInside(root, dirname(target)) would stay inside `root`: callers writing several files
 * check them all first, so a refused target does not leave the others half-installed.
 */
export function checkWriteInside(root: string, target: string): void {
  checkDirInside(root, path.dirname(target));
  let link = false;
  try {
    link = lstatSync(target).isSymbolicLink();
  } catch {
    // does not exist yet
  }
  if (link) throw new UnsafePathError(`refusing to write ${target}: it is a symlink; remove it first`);
}

/**
 * Checks, creating nothing, that `out` can be a new output folder: absent (under a folder, not a
 * file) or an empty folder. `label` is how the user gave it; `what` names its contents ("the pack").
 */
export function checkNewOutputFolder(out: string, label: string, what: string): void {
  const abs = path.resolve(out);
  let existing = abs;
  while (!existsSync(existing)) existing = path.dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new BadArgumentError(`-o ${label}: ${existing} is a file, not a folder; pass a new folder for ${what}`);
  }
  if (existing === abs && readdirSync(abs).length > 0) throw new BadArgumentError(`-o ${label} is not empty; pass a new folder for ${what}`);
}
