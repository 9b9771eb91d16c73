import { readFileCapped } from '@moe/config-store';
import { InvalidTableError } from './errors/invalid-table-error';
import { type MeasuredTable, parseMeasuredTable } from './measured-table';

/** The recorded exhaustive table is 0.6 MB; a table 100 times as big is still far below this. */
export const MAX_TABLE_BYTES = 64 * 1024 * 1024;

const WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'a symlink loop',
  ENOTDIR: 'a part of the path is not a folder',
  EIO: 'an I/O error of the disk',
};

/**
 * Reads and parses a measured table file. The file is opened without blocking and must be a
 * regular file of at most MAX_TABLE_BYTES (a FIFO, /dev/zero or a folder is refused unread),
 * UTF-8 JSON. `label` starts every message (`--simulate <path>`).
 */
export function readMeasuredTableFile(file: string, label = file): MeasuredTable {
  let text: string;
  try {
    const bytes = readFileCapped(file, MAX_TABLE_BYTES, 'a measured table JSON');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InvalidTableError(`${label}: not UTF-8 text; save the table as UTF-8 JSON`);
    }
  } catch (err) {
    if (err instanceof InvalidTableError) throw err;
    const { code, kind } = err as { code?: unknown; kind?: unknown };
    if (kind === 'bad-input') throw new InvalidTableError(`${label}: ${(err as Error).message}`);
    const c = typeof code === 'string' ? code : 'error';
    throw new InvalidTableError(`${label}: cannot read the file (${c}: ${WORDS[c] ?? (err as Error).message}); pass the path of a measured table JSON`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Python's json.dump writes NaN and Infinity; JSON (and this reader) does not take them.
    if (/(^|[^"\w])(-?Infinity|NaN)([^"\w]|$)/.test(text)) {
      throw new InvalidTableError(`${label}: not valid JSON: NaN and Infinity are not JSON numbers; record a config that did not run in "failed" instead`);
    }
    throw new InvalidTableError(`${label}: not valid JSON (${(err as Error).message}); pass a measured table JSON`);
  }
  return parseMeasuredTable(json, label);
}
