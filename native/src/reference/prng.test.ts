import { describe, expect, it } from 'vitest';
import { createRng } from './prng';

describe('createRng state', () => {
  it('getState is int32 words, and setState continues the stream from them', () => {
    const rng = createRng(7);
    for (let i = 0; i < 3; i++) rng.u32();
    const state = rng.getState();
    for (const w of state) expect(w).toBe(w | 0);
    const ahead = Array.from({ length: 5 }, () => rng.u32());
    const other = createRng(123);
    other.setState(state);
    expect(Array.from({ length: 5 }, () => other.u32())).toEqual(ahead);
    rng.setState(state);
    expect(Array.from({ length: 5 }, () => rng.u32())).toEqual(ahead);
  });

  it('an update inlined on getState words matches u32()', () => {
    const rng = createRng(0x5eed);
    const ref = createRng(0x5eed);
    let [a, b, c, d] = rng.getState();
    for (let i = 0; i < 1000; i++) {
      const x = Math.imul(b, 5);
      const r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      expect(r).toBe(ref.u32());
    }
    rng.setState([a, b, c, d]);
    expect(rng.u32()).toBe(ref.u32());
  });
});
