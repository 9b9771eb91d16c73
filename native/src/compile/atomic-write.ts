import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The file-system calls of writeFileAtomic. Tests replace one of them (vi.spyOn(atomicWriteOps,
 * 'sync')) to inject a full disk or an I/O error at that step; nothing else should touch this.
 */
export const atomicWriteOps = {
  mkdir: (dir: string): Promise<unknown> => mkdir(dir, { recursive: true }),
  /** Creates the temp file; fails if it exists (never writes into another writer's temp). */
  open: (file: string): Promise<FileHandle> => open(file, 'wx'),
  write: (handle: FileHandle, data: Uint8Array | string): Promise<void> => handle.writeFile(data),
  sync: (handle: FileHandle): Promise<void> => handle.sync(),
  close: (handle: FileHandle): Promise<void> => handle.close(),
  rename: (from: string, to: string): Promise<void> => rename(from, to),
  unlink: (file: string): Promise<void> => unlink(file),
  /** fsync of a folder, so that a rename into it survives a power loss. */
  syncFolder: async (dir: string): Promise<void> => {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/**
 * Writes `data` to `file` so that a reader sees either the old file or the whole new one: a new
 * temp file in the same folder, written and fsynced, renamed over the target, then the folder
 * fsynced. Any failure removes the temp file and rethrows the system error (the target is left
 * as it was); a failure of the last fsync alone is ignored (the file is in place by then).
 *
 * The compile cache's write. The CLI's user-facing writes (containment, symlink refusal, typed
 * errors) are @moe/config-store's writeFileAtomic; why there are two: docs/decisions/0004.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const ops = atomicWriteOps;
  const dir = path.dirname(file);
  await ops.mkdir(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await ops.open(temp);
  try {
    try {
      await ops.write(handle, data);
      await ops.sync(handle);
    } finally {
      await ops.close(handle);
    }
    await ops.rename(temp, file);
  } catch (error) {
    await ops.unlink(temp).catch(() => undefined);
    throw error;
  }
  await ops.syncFolder(dir).catch(() => undefined);
}
