import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueWords } from './issue-words';
import { parsePackManifest } from './pack-manifest';

// Issue #13 item 7: the validation library's wording leaked into messages
// ("Too big: expected int to be <=9007199254740991", "Too small: expected number to be >0").

const words = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error('accepted');
  return issueWords(r.error.issues[0] as never);
};

describe('issueWords', () => {
  it('numbers', () => {
    expect(words(z.number().positive(), 0)).toBe('must be more than 0');
    expect(words(z.number().min(1), 0)).toBe('must be at least 1');
    expect(words(z.number().max(20), 21)).toBe('must be at most 20');
    expect(words(z.number().int(), 1e20)).toBe('is too large (whole numbers go up to 9007199254740991, 2^53-1)');
    expect(words(z.number().int(), 1.5)).toBe('must be a whole number');
    expect(words(z.number(), 'x')).toBe('must be a number');
    expect(words(z.object({ a: z.number() }), {})).toBe('is missing (it must be a number)');
  });

  it('arrays, strings, literals, keys', () => {
    expect(words(z.array(z.number()).min(1), [])).toBe('needs at least 1 item');
    expect(words(z.string().min(1), '')).toBe('must not be empty');
    expect(words(z.literal(1), 2)).toBe('must be 1');
    expect(words(z.string().regex(/^\d+$/), 'x')).toBe('does not have the expected form');
    expect(words(z.record(z.string().regex(/^\d+$/), z.number()), { x: 1 })).toBe('is not an allowed key here');
    expect(words(z.strictObject({ a: z.number() }), { a: 1, b: 2 })).toBe('has unknown key b');
  });

  it('a message the schema wrote itself is kept', () => {
    expect(words(z.string().regex(/^\d{4}/, 'must be an ISO date (YYYY-MM-DD)'), 'x')).toBe('must be an ISO date (YYYY-MM-DD)');
  });

  it('pack manifests say it in plain words', () => {
    const manifest = {
      schema: 1,
      name: '@moe/configs-h100',
      deviceNames: ['NVIDIA_H100_80GB_HBM3'],
      gpuArch: null,
      tritonVersion: null,
      kernelSourceHash: null,
      toolVersion: null,
      vllm: { derive: 'rename', dir: 'vllm' },
      files: [{ path: 'configs/triton_3_5_1/x.json', sha256: 'a'.repeat(64), vllmName: null, measurements: { '1': { tunedUs: 0, defaultUs: null, date: '2026-11-27' } } }],
    };
    expect(() => parsePackManifest(manifest)).toThrow('manifest.json: files.0.measurements.1.tunedUs must be more than 0; rebuild the pack with `moe configs pack`');
  });
});
