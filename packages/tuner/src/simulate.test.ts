import { describe, expect, it } from 'vitest';
import { parseMeasuredTable } from './measured-table';
import { tableCandidates } from './simulate';

const config = (k: number) => ({ BLOCK_SIZE_M: 64, BLOCK_SIZE_N: 256, BLOCK_SIZE_K: k, GROUP_SIZE_M: 1, num_warps: 8, num_stages: 5 });

describe('tableCandidates', () => {
  it('prunes BLOCK_SIZE_K 256 from a block-fp8 [128, 128] table, and by shared memory without the block shape', () => {
    // With [128, 128] blocks: SGLang's kernel reads one scale per BLOCK_SIZE_K step (256 straddles
    // two blocks: wrong sums) and vLLM launches 256 as min(256, 128) = 128, the 128 config's
    // binary: the block rule keeps 128 only.
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
    expect(tableCandidates(table)).toEqual([config(128)]);
    // Without a block shape the 256 config is pruned for shared memory: fp8 operands (1 byte),
    // BLOCK_M 64 on Hopper, all 5 stages buffered: 5 x (64x256 + 256x256) = 409,600 B, over the
    // H200's 232,448 B; the 128 config needs 5 x (64x128 + 128x256) = 204,800 B.
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
