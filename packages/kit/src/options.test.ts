import { describe, expect, it } from 'vitest';
import { BadArgumentError } from '@moe/config-store';
import { UsageError } from './errors/usage-error';
import { flagged, inFlags, numberInRange, oneOf, positiveInt, positiveIntList, tritonOption } from './options';

describe('flag parsers: one message shape for every command', () => {
  it('positive integers', () => {
    expect(positiveInt('--tp', ' 8 ', '8')).toBe(8);
    expect(() => positiveInt('--tp', '0', '8')).toThrow(new UsageError('--tp 0: not a positive integer; pass e.g. --tp 8'));
    expect(() => positiveInt('--tp', '1.5', '8')).toThrow(/^--tp 1\.5: not a positive integer/);
    expect(() => positiveInt('--tp', undefined, '8')).toThrow(/^--tp \(missing\): not a positive integer/);
    // 2^53 = 9007199254740992 is past the largest exact integer.
    expect(() => positiveInt('--E', '9007199254740992', '64')).toThrow('--E 9007199254740992: not a positive integer up to 9007199254740991; pass e.g. --E 64');
    expect(() => positiveInt('--experts', '2147483648', '64', 2 ** 31 - 1)).toThrow(/up to 2147483647/);
  });

  it('lists, ranges, choices and versions', () => {
    expect(positiveIntList('--m', '1, 37,4096', '1')).toEqual([1, 37, 4096]);
    expect(() => positiveIntList('--m', '1,,2', '1')).toThrow(/^--m 1,,2: not a comma-separated list of positive integers/);
    expect(numberInRange('--jitter', '1.5', { min: 0, max: 20, why: 'x' }, '1')).toBe(1.5);
    expect(() => numberInRange('--seed', '1.5', { min: 0, max: 9, integer: true, why: 'not a whole number from 0 to 9' }, '0')).toThrow('--seed 1.5: not a whole number from 0 to 9; pass e.g. --seed 0');
    expect(() => numberInRange('--jitter', '', { min: 0, max: 20, why: 'out of range' }, '1')).toThrow(/^--jitter : out of range/);
    expect(() => oneOf('--engine', 'tgi', ['sglang', 'vllm'], 'engine')).toThrow('--engine tgi: unknown engine; pass one of sglang, vllm');
    expect(tritonOption(undefined)).toBeNull();
    expect(tritonOption('3.5.1')).toBe('3.5.1');
    expect(() => tritonOption('3.x')).toThrow(UsageError);
  });
});

describe('library parameters become flags', () => {
  it('inFlags replaces the backquoted parameter names a flag sets, and only those', () => {
    expect(inFlags('`into` /x is not a folder; pass `into` or `python`')).toBe('--into /x is not a folder; pass --into or --python');
    expect(inFlags('pass `tritonVersion` X.Y.Z, `ms` and `version`')).toBe('pass --triton X.Y.Z, --m and --pack-version');
    expect(inFlags('run `python3 -c "print(1)"` and `hidden`')).toBe('run `python3 -c "print(1)"` and `hidden`');
  });

  it('flagged rethrows the same error (class, code) with its message in flags', async () => {
    const run = flagged(() => {
      throw new BadArgumentError('`into` /x is not a folder');
    });
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadArgumentError);
    expect((err as BadArgumentError).code).toBe('MOE_BAD_ARGUMENT');
    expect((err as Error).message).toBe('--into /x is not a folder');
  });
});
