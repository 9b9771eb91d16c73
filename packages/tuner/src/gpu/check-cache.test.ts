import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckCache, type CheckKey } from './check-cache';

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
