import { describe, expect, it } from 'vitest';
import type { TileConfig } from '@moe/engine-facts';
import { fakeWorker, lfm2Unit } from './__fixtures__/fake-worker';
import { CompileNotNeeded, MeasurePool } from './measure-pool';

const configs = lfm2Unit([64]).candidates.slice(0, 8) as TileConfig[];

async function pool(): Promise<MeasurePool> {
  return MeasurePool.start({
    command: fakeWorker({ MOE_FAKE_COMPILE_MS: '40' }),
    gpus: [0],
    setup: { shape: lfm2Unit().shape, routing: { kind: 'uniform', seed: 0 }, kernel: 'moe-kit', python: null, compileWorkers: 1, seed: 0 },
  });
}

describe('MeasurePool compiles asked ahead of need', { timeout: 60_000 }, () => {
  it('runs them one per compile process, after every compile the search waits for, unless promoted', async () => {
    const p = await pool();
    try {
      const order: string[] = [];
      const later = configs.slice(0, 6).map((c, i) => p.compile('up', 64, c, { later: true }).then(() => order.push(`later${i}`)));
      // Asked after six later ones, answered after at most the one already sent.
      const now = p.compile('up', 64, configs[6]!).then(() => order.push('now'));
      // A later one that is needed now goes ahead of the other later ones.
      p.promote('up', 64, configs[5]!);
      await Promise.all([...later, now]);
      expect(order.indexOf('now')).toBeLessThanOrEqual(1);
      expect(order.indexOf('later5')).toBeLessThanOrEqual(2);
      expect(order.slice(-1)).toEqual(['later4']);
    } finally {
      await p.close();
    }
  });

  it('drops the ones not sent yet when they are no longer wanted', async () => {
    const p = await pool();
    try {
      const answers = configs.slice(0, 4).map((c) => p.compile('down', 64, c, { later: true }).then(() => 'done', (e: unknown) => (e instanceof CompileNotNeeded ? 'dropped' : 'other')));
      p.cancelLater();
      const got = await Promise.all(answers);
      // The first was sent at once (one compile process); the rest never ran.
      expect(got).toEqual(['done', 'dropped', 'dropped', 'dropped']);
    } finally {
      await p.close();
    }
  });
});
