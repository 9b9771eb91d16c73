import { ENGINE_DTYPES, formatFileName, parseFileName, type ConfigKey, type Engine, type KernelConfig } from '@moe/engine-facts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeConfigText, formatConfigTable } from './config-content';
import { parseJsonText } from './json-text';
import { lookupConfig, memorySource } from './lookup';
import { validateConfigTable } from './validate-table';

// Issue #13, deliverable 3: property tests. Each property restates the rule it checks from the
// engines' behaviour as ENGINES.md gives it, not from the code under test.

const RUNS = { numRuns: 300 };

// ---- name codecs: parse(format(x)) = x --------------------------------------------------------

/** Device names as the engines write them: letters, digits, _ and - (spaces already _). */
const deviceName = fc
  .oneof(
    fc.constantFrom('NVIDIA_H100_80GB_HBM3', 'NVIDIA_H200', 'NVIDIA_B200', 'AMD_Instinct_MI300X', 'NVIDIA_GeForce_RTX_4090', 'NVIDIA_A100-SXM4-80GB'),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/),
  )
  // "X_down" as a device is the same name as device "X" with _down: the format cannot tell them
  // apart (see the test below), so the round trip holds only for other names.
  .filter((d) => !d.endsWith('_down'));

const keyFor = (engine: Engine): fc.Arbitrary<ConfigKey> =>
  fc.record({
    E: fc.integer({ min: 1, max: 1 << 20 }),
    N: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    deviceName,
    dtype: fc.option(fc.constantFrom(...ENGINE_DTYPES[engine]), { nil: null }),
    blockShape: fc.option(fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 })), { nil: null }),
    perChannelQuant: engine === 'sglang' ? fc.boolean() : fc.constant(false),
    down: engine === 'sglang' ? fc.boolean() : fc.constant(false),
  });

describe('property: file names round-trip through parse(format(key))', () => {
  it.each(['sglang', 'vllm'] as const)('%s', (engine) => {
    fc.assert(
      fc.property(keyFor(engine), (key) => {
        const name = formatFileName(engine, key);
        const parsed = parseFileName(name);
        expect(parsed?.key).toEqual(key);
        // The block shape is spelled the engine's way: "[n, k]" for SGLang, "[n,k]" for vLLM.
        expect(parsed?.blockShapeSpelling).toBe(key.blockShape ? engine : null);
        // And formatting the parsed key again gives the same bytes.
        expect(formatFileName(engine, parsed!.key)).toBe(name);
      }),
      RUNS,
    );
  });

  it('the one ambiguity, by hand: device "X_down" and device "X" with _down share a name', () => {
    const name = formatFileName('sglang', { E: 8, N: 64, deviceName: 'X_down', dtype: null, blockShape: null, perChannelQuant: false, down: false });
    expect(name).toBe('E=8,N=64,device_name=X_down.json');
    expect(parseFileName(name)?.key).toMatchObject({ deviceName: 'X', down: true });
  });
});

// ---- lookup agrees with a restatement of each engine's rule ------------------------------------

const entry = (n: number): KernelConfig => ({ BLOCK_SIZE_M: 16, BLOCK_SIZE_N: n, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 });
const KEY = { E: 8, N: 7168, deviceName: 'NVIDIA_H100_80GB_HBM3', dtype: null, blockShape: null, perChannelQuant: false };
const NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';

/** A file's batch keys in file order (distinct), each tagged by its BLOCK_SIZE_N; maybe empty. */
const fileKeys = fc.uniqueArray(fc.integer({ min: 1, max: 8192 }), { maxLength: 8 });
const fileText = (keys: number[], tag: number) => `{${keys.map((k, i) => `"${k}": ${JSON.stringify(entry(16 * (tag * 16 + i + 1)))}`).join(', ')}}`;

/**
 * The engines' choice of entry, restated from Python: `configs[min(configs.keys(), key=lambda x:
 * abs(x - M))]` over a dict in file order; min keeps the first of equal distances.
 */
function pythonMin(keys: number[], m: number): number {
  const best = Math.min(...keys.map((k) => Math.abs(k - m)));
  return keys.find((k) => Math.abs(k - m) === best) as number;
}

describe('property: lookup agrees with a restatement of each engine\'s rule', () => {
  it('SGLang: the running version\'s triton_X_Y_Z folder first, then every folder newest version first; the first file found wins; an empty one means the default', () => {
    const version = fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 9 }));
    fc.assert(
      fc.property(
        fc.uniqueArray(version, { minLength: 1, maxLength: 6, selector: (v) => v.join('.') }),
        fc.array(fc.option(fileKeys, { nil: null }), { minLength: 6, maxLength: 6 }),
        fc.option(version, { nil: null }),
        fc.array(fc.integer({ min: 1, max: 10000 }), { minLength: 1, maxLength: 6 }),
        (versions, contents, running, ms) => {
          const files: Record<string, string> = {};
          const dirs = versions.map((v) => `triton_${v.join('_')}`);
          dirs.forEach((d, i) => {
            const keys = contents[i];
            if (keys !== null && keys !== undefined) files[`${d}/${NAME}`] = fileText(keys, i);
            else files[`${d}/.keep`] = '';
          });
          const runningVersion = running ? running.join('.') : null;
          const report = lookupConfig({ engine: 'sglang', key: KEY, ms, tritonVersion: runningVersion }, memorySource(files));
          // Restated: candidates in search order, the first that exists is loaded.
          const runningDir = runningVersion ? `triton_${runningVersion.replace(/\./g, '_')}` : null;
          const newestFirst = versions
            .map((v, i) => ({ v, d: dirs[i] as string }))
            .filter((x) => x.d !== runningDir)
            .sort((a, b) => b.v[0] - a.v[0] || b.v[1] - a.v[1] || b.v[2] - a.v[2])
            .map((x) => x.d);
          const order = [...(runningDir ? [runningDir] : []), ...newestFirst];
          const winner = order.find((d) => `${d}/${NAME}` in files);
          const keys = winner ? (contents[dirs.indexOf(winner)] as number[]) : [];
          for (const [i, m] of ms.entries()) {
            const r = report.results[i]!;
            if (!winner || keys.length === 0) {
              expect(r.source).toBe('default');
            } else {
              expect([r.source, r.file, r.key]).toEqual(['file', `${winner}/${NAME}`, pythonMin(keys, m)]);
              // The config is that entry's (its BLOCK_SIZE_N tags it).
              expect(r.config.BLOCK_SIZE_N).toBe(16 * (dirs.indexOf(winner) * 16 + keys.indexOf(pythonMin(keys, m)) + 1));
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('vLLM: VLLM_TUNED_CONFIG_FOLDER first, then its own folder; the first file found wins; an empty one means the default', () => {
    fc.assert(
      fc.property(
        fc.option(fileKeys, { nil: null }),
        fc.option(fileKeys, { nil: null }),
        fc.array(fc.integer({ min: 1, max: 10000 }), { minLength: 1, maxLength: 6 }),
        (user, shipped, ms) => {
          const sources = [memorySource(user ? { [NAME]: fileText(user, 0) } : {}, 'user/'), memorySource(shipped ? { [NAME]: fileText(shipped, 1) } : {}, 'shipped/')];
          const report = lookupConfig({ engine: 'vllm', key: KEY, ms }, sources);
          const [where, keys, tag] = user ? ['user/', user, 0] : shipped ? ['shipped/', shipped, 1] : [null, [], 0];
          for (const [i, m] of ms.entries()) {
            const r = report.results[i]!;
            if (where === null || keys.length === 0) expect(r.source).toBe('default');
            else {
              expect([r.source, r.file, r.key]).toEqual(['file', `${where}${NAME}`, pythonMin(keys, m)]);
              expect(r.config.BLOCK_SIZE_N).toBe(16 * (tag * 16 + keys.indexOf(pythonMin(keys, m)) + 1));
            }
          }
        },
      ),
      RUNS,
    );
  });
});

// ---- config validation --------------------------------------------------------------------------

const pow2 = (lo: number, hi: number) => fc.integer({ min: Math.log2(lo), max: Math.log2(hi) }).map((e) => 2 ** e);
/** Entries inside Triton's rules (FIELD_RULES restated): tiles powers of two 16..1024 etc. */
const validEntry: fc.Arbitrary<KernelConfig> = fc.record({
  BLOCK_SIZE_M: pow2(16, 1024),
  BLOCK_SIZE_N: pow2(16, 1024),
  BLOCK_SIZE_K: pow2(16, 1024),
  GROUP_SIZE_M: fc.integer({ min: 1, max: 4096 }),
  num_warps: pow2(1, 32),
  num_stages: fc.integer({ min: 0, max: 16 }),
});
const table = fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 1 << 20 }), validEntry), { minLength: 1, maxLength: 12, selector: (t) => t[0] });
/** A GPU MoE Kit does not know: no shared-memory limit, so only the value rules apply. */
const CTX_KEY = { dtype: null, blockShape: null, deviceName: 'Unknown_GPU' };

describe('property: config validation', () => {
  it.each(['sglang', 'vllm'] as const)('%s: a valid table is accepted, written, read back the same, and canonical', (engine) => {
    fc.assert(
      fc.property(table, (pairs) => {
        const t = new Map(pairs);
        expect(validateConfigTable(t, { engine, key: CTX_KEY }).filter((i) => i.severity === 'error')).toEqual([]);
        const text = formatConfigTable(engine, t);
        const a = analyzeConfigText(text, { engine });
        expect(a.loadable).toBe(true);
        expect(a.canonical).toBe(true);
        expect([...a.table.entries()].sort((x, y) => x[0] - y[0])).toEqual([...t.entries()].sort((x, y) => x[0] - y[0]));
      }),
      RUNS,
    );
  });

  /** Values each field's rule refuses: under the minimum, over the maximum, not a power of two, not an integer, not a number. */
  const badValue = {
    BLOCK_SIZE_M: fc.constantFrom(0, -16, 8, 2048, 48, 100, 16.5, '16'),
    BLOCK_SIZE_N: fc.constantFrom(0, -16, 8, 2048, 96, 16.5, '64'),
    BLOCK_SIZE_K: fc.constantFrom(0, 8, 4096, 80, 32.25, true),
    GROUP_SIZE_M: fc.constantFrom(0, -1, 4097, 1.5, '1'),
    num_warps: fc.constantFrom(0, 3, 64, 6, 2.5, '4'),
    num_stages: fc.constantFrom(-1, 17, 1.5, '3'),
  } as const;

  it.each(['sglang', 'vllm'] as const)('%s: one field outside its rule is named, at its batch size', (engine) => {
    const field = fc.constantFrom(...(Object.keys(badValue) as (keyof typeof badValue)[]));
    fc.assert(
      fc.property(table, field, fc.nat(), (pairs, f, pick) => {
        const t = new Map(pairs);
        const [m, config] = pairs[pick % pairs.length]!;
        const value = fc.sample(badValue[f] as fc.Arbitrary<unknown>, { numRuns: 1, seed: pick })[0];
        t.set(m, { ...config, [f]: value } as KernelConfig);
        const errors = validateConfigTable(t, { engine, key: CTX_KEY }).filter((i) => i.severity === 'error');
        expect(errors.length).toBe(1);
        expect(errors[0]!.message.startsWith(`batch size ${m}: ${f} must be`)).toBe(true);
      }),
      RUNS,
    );
  });
});

// ---- hostile text never crashes the readers ----------------------------------------------------

describe('property: any text is read or refused, never a crash', () => {
  it('analyzeConfigText on arbitrary text and arbitrary JSON returns issues, never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ '1': v, '2': { BLOCK_SIZE_M: v } }))), (text) => {
        for (const engine of ['sglang', 'vllm'] as const) {
          const a = analyzeConfigText(text, { engine, key: parseFileName(NAME)!.key });
          if (!a.loadable) expect(a.issues.some((i) => i.severity === 'error')).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('parseJsonText reads what JSON.parse reads, to the same values', () => {
    const toPlain = (n: ReturnType<typeof parseJsonText>): unknown => {
      switch (n.kind) {
        case 'object':
          return Object.fromEntries(n.members.map((m) => [m.key, toPlain(m.value)]));
        case 'array':
          return n.items.map(toPlain);
        case 'number':
          return n.value;
        case 'null':
          return null;
        default:
          return n.value;
      }
    };
    // Depth 32 is the reader's cap (config files nest 2 levels); fc.json stays well under it.
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        expect(toPlain(parseJsonText(text))).toEqual(JSON.parse(text));
      }),
      RUNS,
    );
  });
});
