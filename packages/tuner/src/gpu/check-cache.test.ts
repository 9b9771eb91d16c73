import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckCache, ReferenceFileStore, type CheckKey } from './check-cache';

const dir = mkdtempSync(path.join(os.tmpdir(), 'moe-check-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key: CheckKey = { what: 'reference', gemm: 'up', M: 64, binary: 'abc123', context: { seed: 0, shape: { E: 32 } } };

describe('CheckCache', () => {
  it('remembers a passed check by everything it depended on, and nothing else', () => {
    const cache = new CheckCache(dir);
    expect(cache.get(key)).toBeNull();
    cache.put(key, 'up vs float64 reference: rel error 1e-3');
    expect(new CheckCache(dir).get(key)).toBe('up vs float64 reference: rel error 1e-3');
    // Another binary, batch size, GEMM, kind of check or input: a miss.
    expect(cache.get({ ...key, binary: 'abc124' })).toBeNull();
    expect(cache.get({ ...key, M: 65 })).toBeNull();
    expect(cache.get({ ...key, gemm: 'down' })).toBeNull();
    expect(cache.get({ ...key, what: 'engine-self-check' })).toBeNull();
    expect(cache.get({ ...key, context: { seed: 1, shape: { E: 32 } } })).toBeNull();
  });

  it('treats a damaged entry as a miss, and remembers nothing without a folder', () => {
    const cache = new CheckCache(dir);
    const k2 = { ...key, M: 2 };
    cache.put(k2, 'ok');
    const sub = readdirSync(dir).map((d) => path.join(dir, d));
    for (const d of sub) for (const f of readdirSync(d)) writeFileSync(path.join(d, f), '{"ok": tr');
    expect(cache.get(k2)).toBeNull();
    const none = new CheckCache(null);
    none.put(key, 'ok');
    expect(none.get(key)).toBeNull();
  });
});

describe('ReferenceFileStore', () => {
  const refDir = path.join(dir, 'references');

  it('reads back exactly the values it kept, per key', () => {
    const store = new ReferenceFileStore(refDir);
    const values = new Float64Array([1.5, -0.25, 3e-300, Number.MAX_VALUE, 0]);
    expect(store.get('k1')).toBeNull();
    store.put('k1', values);
    const again = new ReferenceFileStore(refDir).get('k1');
    expect(again).not.toBeNull();
    expect(Array.from(again!)).toEqual([1.5, -0.25, 3e-300, Number.MAX_VALUE, 0]);
    expect(store.get('k2')).toBeNull();
    // A view into a larger buffer is stored as the view's values only.
    const big = new Float64Array([9, 8, 7, 6]);
    store.put('k3', big.subarray(1, 3));
    expect(Array.from(store.get('k3')!)).toEqual([8, 7]);
  });

  it('treats a truncated or altered entry as a miss (never a wrong reference)', () => {
    // One key per fresh folder, so the folder's one file is that key's entry.
    const onlyFile = (d: string) => {
      const files = readdirSync(d).flatMap((s) => readdirSync(path.join(d, s)).map((f) => path.join(d, s, f)));
      expect(files).toHaveLength(1);
      return files[0]!;
    };
    const d1 = mkdtempSync(path.join(dir, 'ref-t-'));
    const t = new ReferenceFileStore(d1);
    t.put('t', new Float64Array([1, 2, 3]));
    const tf = onlyFile(d1);
    writeFileSync(tf, readFileSync(tf).subarray(0, 32 + 16)); // two of the three values left
    expect(t.get('t')).toBeNull();
    const d2 = mkdtempSync(path.join(dir, 'ref-a-'));
    const a = new ReferenceFileStore(d2);
    a.put('a', new Float64Array([1, 2, 3]));
    const af = onlyFile(d2);
    const bytes = readFileSync(af);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1; // one bit of the last value flipped
    writeFileSync(af, bytes);
    expect(a.get('a')).toBeNull();
    // Rewritten, it is read again.
    a.put('a', new Float64Array([5, 6]));
    expect(Array.from(a.get('a')!)).toEqual([5, 6]);
  });

  it('costs only time when the folder cannot be written', () => {
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const store = new ReferenceFileStore(blocker);
    expect(() => store.put('k', new Float64Array([1]))).not.toThrow();
    expect(store.get('k')).toBeNull();
  });
});
