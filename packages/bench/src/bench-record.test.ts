import { describe, expect, it } from 'vitest';
import { parseBenchRecord } from './bench-record';
import { BenchRecordError } from './errors/bench-record-error';
import { syntheticRecord } from './synthetic';

describe('reading a saved record', () => {
  it('reads back what a run wrote', async () => {
    const r = await syntheticRecord({ ms: [1, 64], rounds: 2 });
    expect(parseBenchRecord(JSON.stringify(r), 'bench.json')).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('refuses what is not a record, naming the file, the field and the fix', async () => {
    const good = JSON.parse(JSON.stringify(await syntheticRecord({ ms: [1], rounds: 2 })));
    const bad = (edit: (r: typeof good) => void) => {
      const r = JSON.parse(JSON.stringify(good));
      edit(r);
      return JSON.stringify(r);
    };
    const cases: [string, RegExp][] = [
      ['{"format": ', /^bench\.json: not valid JSON \(.*\); pass the bench\.json a bench run wrote$/],
      ['[1, 2]', /^bench\.json: not a bench record \(no "format": "moe-bench-record"\)/],
      [bad((r) => (r.version = 2)), /^bench\.json: record version 2, this @moe\/bench reads version 1; render it with the version that wrote it$/],
      [bad((r) => (r.batches[0].runs[0].roundsUs[0] = -1)), /^bench\.json: field \.batches\[0\]\.runs\[0\]\.roundsUs\[0\] is wrong \(.*\); pass a record a bench run wrote, unedited$/],
      [bad((r) => (r.shape.mode = 'int4')), /^bench\.json: field \.shape\.mode is wrong/],
      [bad((r) => r.batches[0].runs[0].roundsUs.pop()), /^bench\.json: M=1 up has 1 rounds, the protocol 2/],
      [bad((r) => (r.batches[0].runs[0].sets = ['nope'])), /^bench\.json: M=1 names set "nope", which the record does not list/],
    ];
    for (const [text, re] of cases) {
      expect(() => parseBenchRecord(text, 'bench.json'), text.slice(0, 40)).toThrow(BenchRecordError);
      expect(() => parseBenchRecord(text, 'bench.json'), text.slice(0, 40)).toThrow(re);
    }
  });
});
