import { readFile } from 'node:fs/promises';
import { InvalidRoutingError } from './errors/invalid-routing-error';

/**
 * Reads recorded top-k ids from a file: JSON (an array of rows, or {"topk_ids": rows}) or
 * text with one token per line, ids separated by spaces or commas ('#' starts a comment).
 */
export async function readRecordedIds(file: string): Promise<number[][]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidRoutingError(`routing file ${file}: cannot read it (${(err as Error).message}); pass an existing file of top-k ids`);
  }
  return parseRecordedIds(text, file);
}

export function parseRecordedIds(text: string, source: string): number[][] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      throw new InvalidRoutingError(`routing file ${source}: invalid JSON (${(err as Error).message}); write an array of rows of expert ids`);
    }
    const rows = Array.isArray(data) ? data : (data as { topk_ids?: unknown }).topk_ids;
    if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) {
      throw new InvalidRoutingError(`routing file ${source}: expected [[id, ...], ...] or {"topk_ids": [[id, ...], ...]}; write one array of expert ids per token`);
    }
    return rows as number[][];
  }
  const rows: number[][] = [];
  trimmed.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*/, '').trim();
    if (body === '') return;
    const ids = body.split(/[\s,]+/).filter((t) => t !== '').map(Number);
    if (ids.some((x) => !Number.isInteger(x))) {
      throw new InvalidRoutingError(`routing file ${source}: line ${i + 1} "${line}" is not a list of integer expert ids; write ids separated by spaces or commas`);
    }
    rows.push(ids);
  });
  return rows;
}
