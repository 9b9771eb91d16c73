import { describe, expect, it } from 'vitest';
import { parseMeasuredTable } from './measured-table';
import { tableCandidates } from './simulate';

const config = (k: number) => ({ BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 256, BLOCK_SIZE_K: k, GROUP_SIZE_M: 1, num_warps: 8, num_stages: 5 });

describe('tableCandidates', () => {
  it('prunes a block-fp8 table with the BLOCK_SIZE_K the engines launch, min(BLOCK_SIZE_K, 128)', () => {
    // fp8 operands (1 byte), BLOCK_M 64 on Hopper: all 5 stages buffered. With BLOCK_SIZE_K 256
    // launched as 128: 5 x (64x128 + 128x256) = 204,800 B, under the H200's 232,448 B (as
    // launched with 256 it would be 5 x (64x256 + 256x256) = 409,600 B: over).
    const json = {
      card: 'NVIDIA H200',
      shape: { dtype: 'fp8_w8a8', block_shape: [128, 128] },
      space: [config(128), config(256)],
      failed: {},
      rows: [{ M: 64, us: { '0': 20, '1': 19 } }],
      compile_seconds_1_processes: 2,
    };
    const table = parseMeasuredTable(json, 'fp8.json');
    expect(table.blockShape).toEqual([128, 128]);
    expect(tableCandidates(table)).toEqual([config(128), config(256)]);
    // Without a block shape, the same 256 config is over the limit and pruned.
    const { block_shape: _, ...plain } = json.shape;
    expect(tableCandidates(parseMeasuredTable({ ...json, shape: plain }, 'fp8.json'))).toEqual([config(128)]);
  });

  it('refuses a block shape that is not two positive integers', () => {
    const json = {
      shape: { block_shape: [128] },
      space: [config(128)],
      rows: [{ M: 1, us: { '0': 1 } }],
      compile_seconds_1_processes: 1,
    };
    expect(() => parseMeasuredTable(json, 'bad.json')).toThrow(/^bad\.json: shape\.block_shape: .*; give a JSON object/);
  });
});
