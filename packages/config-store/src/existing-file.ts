import { existsSync, statSync } from 'node:fs';
import type { ConfigKey, Engine } from '@moe/engine-facts';
import { analyzeConfigText, decodeConfigBytes } from './config-content';
import type { ConfigTable, TableDifference } from './config-table';
import { diffConfigTables } from './config-table';
import { BadConfigFileError } from './errors/bad-config-file-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { entryKind, readFileCapped } from './safe-fs';

/** What stands at a target path, compared with the bytes and table about to be written there. */
export type ExistingFile =
  | { state: 'absent' }
  /** Byte for byte what would be written. */
  | { state: 'same' }
  /** The same configs, loadable, only formatted differently. */
  | { state: 'reformat' }
  /** Not UTF-8 text or over the size cap: unreadable for the engine too. `differences`: every new entry. */
  | { state: 'unreadable'; reason: string; differences: TableDifference[] }
  /** Other configs (or not valid JSON, or entries the engine cannot launch), per batch size existing -> new. */
  | { state: 'differs'; reason: string; differences: TableDifference[] };

/**
 * Compares the file at `target` (shown as `shown`) with `bytes`, whose parsed table is `table`:
 * the one comparison install and saveConfigTable make before they write. A folder or other
 * non-file at `target` is refused (UnsafePathError).
 */
export function compareWithExisting(target: string, shown: string, bytes: string, table: ConfigTable, ctx: { engine: Engine; key: ConfigKey }): ExistingFile {
  if (!existsSync(target)) return { state: 'absent' };
  const st = statSync(target);
  if (!st.isFile()) throw new UnsafePathError(`${shown} exists and is ${entryKind(st)}, not a regular file; remove it, then write again`);
  let existing: string;
  try {
    existing = decodeConfigBytes(readFileCapped(target), shown);
  } catch (err) {
    if (!(err instanceof BadConfigFileError || err instanceof FileTooLargeError)) throw err;
    const reason = err instanceof FileTooLargeError ? 'the existing file is over the size cap' : 'the existing file is not UTF-8 text';
    return { state: 'unreadable', reason, differences: diffConfigTables(new Map(), table) };
  }
  if (existing === bytes) return { state: 'same' };
  const old = analyzeConfigText(existing, ctx);
  const differences = diffConfigTables(old.table, table);
  if (old.content && old.loadable && differences.length === 0 && old.brokenKeys.length === 0) return { state: 'reformat' };
  const reason = old.content ? `differs at ${differences.length} batch size${differences.length === 1 ? '' : 's'}` : 'the existing file is not valid JSON';
  return { state: 'differs', reason, differences };
}
