import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { BadArgumentError } from './errors/bad-argument-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { unsafeNameReason } from '@moe/engine-facts';

/** Config files are a few KB; anything over this is refused unread. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Pack manifests list every file and batch key; still far below this. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** Folders are walked at most this deep below the folder given. */
export const MAX_WALK_DEPTH = 12;
/** At most this many directory entries are looked at in one walk. */
export const MAX_WALK_ENTRIES = 200_000;

/** Reads a whole file, refusing files over `cap` bytes (checked before and while reading). */
export function readFileCapped(file: string, cap = MAX_CONFIG_FILE_BYTES): Uint8Array {
  const st = statSync(file);
  if (!st.isFile()) throw new UnsafePathError(`${file} is not a regular file; pass a config file`);
  if (st.size > cap) {
    throw new FileTooLargeError(`${file} is ${st.size} bytes, over the ${cap}-byte cap for this kind of file; it is not a config file (check the path)`);
  }
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(st.size, cap) + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > cap) {
        throw new FileTooLargeError(`${file} grew past the ${cap}-byte cap while being read; it is not a config file (check the path)`);
      }
      if (total === buf.length) break;
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
   * listed or stat'ed; name: a name with path characters; limit: past the depth or entry cap.
   */
  kind: 'outside' | 'broken' | 'unreadable' | 'name' | 'limit';
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
          if (kind === 'dir') {
            if (visited.has(target)) continue;
            visited.add(target);
          }
        } else {
          kind = l.isDirectory() ? 'dir' : l.isFile() ? 'file' : null;
        }
      } catch (err) {
        problems.push({ rel, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, kind: 'unreadable' });
        continue;
      }
      if (kind === null) continue;
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
export function writeFileAtomic(target: string, data: string | Uint8Array, root?: string): void {
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
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  }
}

/**
 * Creates `dir` (and its parents) only when it resolves inside `root`: the nearest existing
 * ancestor is checked before anything is created, so a symlink pointing out of the tree never
 * gets a folder created through it.
 */
export function mkdirInside(root: string, dir: string): void {
  const realRoot = checkDirInside(root, dir);
  mkdirSync(dir, { recursive: true });
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
