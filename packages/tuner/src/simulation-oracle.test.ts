import { describe, expect, it } from 'vitest';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { createSimulationOracle } from './simulation-oracle';
import { referenceTable } from './__fixtures__/reference';

const table = referenceTable();
const row4096 = table.rows.at(-1)!;
const [index, us] = [...row4096.us][0]!;
const config = table.space[index]!;
const failedIndex = [...table.failed.keys()][0]!;

describe('SimulationOracle', () => {
  it('replays the recorded time exactly without jitter', async () => {
    const oracle = createSimulationOracle(table);
    expect(await oracle.compile(config)).toEqual({ ok: true });
    expect(await oracle.measure(config, 4096, 5)).toEqual({ ok: true, us });
  });

  it('fails compiles the table recorded as failed, with their reason', async () => {
    const oracle = createSimulationOracle(table);
    const outcome = await oracle.compile(table.space[failedIndex]!);
    expect(outcome).toEqual({ ok: false, reason: table.failed.get(failedIndex) });
  });

  it('refuses to time a config that was not compiled, and batch sizes the table lacks', async () => {
    const oracle = createSimulationOracle(table);
    expect((await oracle.measure(config, 4096, 1)).ok).toBe(false);
    await oracle.compile(config);
    expect(await oracle.measure(config, 5, 1)).toEqual({ ok: false, reason: 'no time recorded at M=5' });
  });

  it('charges each compile once at the table average, and each measurement its launches', async () => {
    const oracle = createSimulationOracle(table);
    await oracle.compile(config);
    await oracle.compile(config);
    await oracle.measure(config, 4096, 10);
    await oracle.measure(config, 4096, 10);
    const stats = oracle.stats();
    expect(stats.compiled).toBe(1);
    // 130.6 s for 1,920 configs with 15 processes.
    expect(stats.compileSeconds).toBeCloseTo(130.6 / 1920, 10);
    // 1 eager launch + 3 warm-up replays of 10 + 10 replays of 10 = 131 launches, twice.
    expect(stats.measureSeconds).toBeCloseTo(2 * us * 131e-6, 10);
    expect(stats.measurements).toBe(2);
    expect(stats.measuredPairs).toBe(1);
    expect(oracle.secondsAt(4096)).toBeCloseTo(stats.simulatedSeconds, 10);
  });

  it('refuses jitter that would make times negative, or is not a percent', () => {
    for (const jitterPercent of [-1, 25, Number.NaN, Infinity]) {
      expect(() => createSimulationOracle(table, { jitterPercent })).toThrow(InvalidSearchOptionError);
    }
    expect(() => createSimulationOracle(table, { jitterPercent: 20 })).not.toThrow();
  });

  it('adds Normal noise of J% / sqrt(repeats), seeded', async () => {
    const spread = async (repeats: number, seed: number) => {
      const oracle = createSimulationOracle(table, { jitterPercent: 1, seed });
      await oracle.compile(config);
      const e: number[] = [];
      for (let i = 0; i < 4000; i++) {
        const m = await oracle.measure(config, 4096, repeats);
        if (m.ok) e.push(m.us / us - 1);
      }
      const mean = e.reduce((a, b) => a + b, 0) / e.length;
      const sd = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / (e.length - 1));
      return { mean, sd, first: e[0] };
    };
    const one = await spread(1, 7);
    expect(Math.abs(one.mean)).toBeLessThan(0.001);
    expect(one.sd).toBeGreaterThan(0.0095);
    expect(one.sd).toBeLessThan(0.0105);
    const sixteen = await spread(16, 7);
    expect(sixteen.sd).toBeGreaterThan(0.0025 * 0.95);
    expect(sixteen.sd).toBeLessThan(0.0025 * 1.05);
    expect((await spread(1, 7)).first).toBe(one.first);
    expect((await spread(1, 8)).first).not.toBe(one.first);
  });
});
