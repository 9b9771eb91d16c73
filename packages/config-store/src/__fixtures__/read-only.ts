import { execFileSync } from 'node:child_process';
import { chmodSync, constants, accessSync } from 'node:fs';

/**
 * Makes a file or folder unwritable for this process, the way a user meets it: as a normal user
 * by its mode (0555), as root (who ignores modes) by the immutable attribute (chattr +i), which
 * stops root too. Returns the undo, or null when neither works here (root without chattr or on a
 * file system without the attribute): the caller skips, saying so.
 */
export function makeUnwritable(p: string): (() => void) | null {
  const root = process.getuid?.() === 0;
  if (!root) {
    chmodSync(p, 0o555);
    return () => chmodSync(p, 0o755);
  }
  try {
    execFileSync('chattr', ['+i', p], { stdio: 'ignore' });
  } catch {
    return null;
  }
  try {
    accessSync(p, constants.W_OK);
    // The attribute did not take.
    execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
    return null;
  } catch {
    return () => execFileSync('chattr', ['-i', p], { stdio: 'ignore' });
  }
}

/** Why read-only tests are skipped here, when they are. */
export const UNWRITABLE_SKIP =
  'skipped: running as root without a working `chattr +i` (root ignores file modes), so no folder can be made unwritable here; run as a normal user or on ext4/xfs with chattr';

/** True when a file (not only a folder) can be made immutable: rename over it then fails even in a writable folder. */
export function canMakeImmutable(): boolean {
  return process.getuid?.() === 0;
}
