import { describe, expect, it } from 'vitest';
import { checkProblem, dtypeMode, type MoeProblem } from './moe-problem';

const lfm2: MoeProblem = { M: 64, E: 32, N: 1792, K: 2048, topk: 4, mode: 'bf16' };

describe('checkProblem', () => {
  it('accepts a model shape in every dtype mode', () => {
    for (const mode of ['bf16', 'fp16', 'fp8_w8a8'] as const) expect(() => checkProblem({ ...lfm2, mode })).not.toThrow();
    expect(() => checkProblem({ ...lfm2, mode: 'fp8_w8a8_block', blockShape: [128, 128] })).not.toThrow();
  });

  it('rejects sizes that are not positive integers and top-k above E', () => {
    expect(() => checkProblem({ ...lfm2, M: 0 })).toThrow('M=0: must be an integer >= 1');
    expect(() => checkProblem({ ...lfm2, K: 2.5 })).toThrow('K=2.5');
    expect(() => checkProblem({ ...lfm2, topk: 33 })).toThrow('topk=33 > E=32');
  });

  it('rejects a mode it does not know instead of running it as fp8 (an untyped caller)', () => {
    const bad = { ...lfm2, mode: 'int8_w8a16' } as unknown as MoeProblem;
    expect(() => checkProblem(bad)).toThrow(/mode "int8_w8a16": not a dtype mode; use bf16, fp16, fp8_w8a8 or fp8_w8a8_block/);
    expect(() => dtypeMode('int8_w8a16')).toThrow(/dtype "int8_w8a16"/);
  });
});
