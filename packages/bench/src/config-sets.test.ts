import { describe, expect, it } from 'vitest';
import { parseSetSpecs } from './config-sets';
import { BenchOptionError } from './errors/bench-option-error';

describe('--sets', () => {
  it('parses every kind, in order, default first', () => {
    const { sets, notes } = parseSetSpecs('default,tuned:out/,shipped:reference/sglang-configs,pack:@moe/configs-h200,installed', 'sglang');
    expect(sets.map((s) => [s.kind, s.arg, s.label])).toEqual([
      ['default', null, 'default'],
      ['tuned', 'out/', 'tuned'],
      ['shipped', 'reference/sglang-configs', 'shipped'],
      ['pack', '@moe/configs-h200', 'pack'],
      ['installed', null, 'installed'],
    ]);
    expect(notes).toEqual([]);
  });

  it("another GPU's files after @, labelled with the engine's spelling", () => {
    const { sets } = parseSetSpecs('default,shipped:reference/sglang-configs@NVIDIA H100 80GB HBM3', 'sglang');
    expect(sets[1]).toMatchObject({ kind: 'shipped', arg: 'reference/sglang-configs', deviceName: 'NVIDIA H100 80GB HBM3', label: 'shipped@NVIDIA_H100_80GB_HBM3' });
    // vLLM spells every H200 NVIDIA_H200.
    expect(parseSetSpecs('shipped:x@NVIDIA H200 NVL', 'vllm').sets[1]!.label).toBe('shipped@NVIDIA_H200');
  });

  it("keeps an @ that is part of a path or a pack's scope", () => {
    expect(parseSetSpecs('tuned:/tmp/a@b/c', 'sglang').sets[1]).toMatchObject({ arg: '/tmp/a@b/c', deviceName: null });
    expect(parseSetSpecs('pack:@moe/configs-h200', 'sglang').sets[1]).toMatchObject({ arg: '@moe/configs-h200', deviceName: null });
  });

  it('adds the baseline when it is missing, moves it first, numbers repeats', () => {
    const a = parseSetSpecs('installed,tuned:a,tuned:b', 'sglang');
    expect(a.sets.map((s) => s.label)).toEqual(['default', 'installed', 'tuned', 'tuned#2']);
    expect(a.notes).toEqual(['`sets` has no default: added it first, as the baseline of every speedup']);
    expect(parseSetSpecs('installed,default', 'sglang').sets.map((s) => s.label)).toEqual(['default', 'installed']);
  });

  it('refuses what it cannot read, naming the entry and the fix', () => {
    const bad: [string, RegExp][] = [
      ['default,,installed', /^`sets` "default,,installed": an empty entry; pass e\.g\./],
      ['defaults', /^`sets` defaults: unknown set "defaults"; each is one of default, tuned, shipped, pack, installed/],
      ['installed:x', /^`sets` installed:x: installed takes no argument/],
      ['tuned', /^`sets` tuned: tuned needs a folder after the colon, e\.g\. tuned:out\//],
      ['pack:', /^`sets` pack:: pack needs a pack name or folder/],
      ['shipped:dir@', /^`sets` shipped:dir@: no device name after the @/],
      ['default,default', /default is given 2 times/],
    ];
    for (const [text, re] of bad) {
      expect(() => parseSetSpecs(text, 'sglang'), text).toThrow(BenchOptionError);
      expect(() => parseSetSpecs(text, 'sglang'), text).toThrow(re);
    }
  });
});
