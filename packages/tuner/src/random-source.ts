/** A seeded source of random numbers (mulberry32 uniform, Box-Muller normal): same seed, same run. */
export class RandomSource {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /**
   * Another stream for the same seed (stream 1, 2, ...), independent of `new RandomSource(seed)`:
   * two users of one seed (the noise of a replay and a strategy's draws) must not share numbers.
   */
  static stream(seed: number, stream: number): RandomSource {
    let h = Math.imul(Math.trunc(seed) ^ Math.imul(stream, 0x85ebca6b), 0xcc9e2d51);
    h = Math.imul(h ^ (h >>> 16), 0x1b873593);
    return new RandomSource((h ^ (h >>> 13)) | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** The items in random order, drawn one at a time (Fisher-Yates): stop early, and only the draws made use numbers. */
  *shuffled<T>(items: readonly T[]): Generator<T, void, undefined> {
    const copy = items.slice();
    for (let i = 0; i < copy.length; i++) {
      const j = i + this.int(copy.length - i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      yield copy[i]!;
    }
  }
}
