import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CORPUS, CorpusDir, type Category } from './__fixtures__/bad-input-corpus';
import { memoryIo } from './io';
import { main } from './main';

// Issue #13, deliverable 1: every entry of the bad-input corpus gives one line naming the input
// and the fix, the exit code of its kind (2 bad input, 1 findings, 4 the machine refused), no
// stack trace, no "internal error", no hang, and no partial write.

/** Every entry under `dir` (paths, kinds, contents), to compare before and after. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      out.push(`${rel}: unreadable`);
      return;
    }
    for (const name of names) {
      const abs = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) out.push(`${r} -> ${readlinkSync(abs)}`);
      else if (st.isDirectory()) {
        out.push(`${r}/`);
        walk(abs, r);
      } else if (st.isFile()) out.push(`${r} ${st.size > 1 << 20 ? `${st.size} bytes` : createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
      else out.push(`${r} (special)`);
    }
  };
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (st?.isFile()) return [createHash('sha256').update(readFileSync(dir)).digest('hex')];
  walk(dir, '');
  return out;
}

let current: CorpusDir | null = null;
afterEach(() => {
  for (const u of current?.undo.splice(0) ?? []) u();
  current = null;
});

describe('the bad-input corpus', () => {
  it('covers every entry point and every kind of hostile input the issue lists', () => {
    const points = new Set(CORPUS.map((e) => e.id.split(':')[0]?.replace(/ .*/, '')));
    expect([...points].sort()).toEqual(['doctor', 'install', 'lookup', 'merge', 'pack', 'shapes', 'tune']);
    const categories = new Set<Category>(CORPUS.map((e) => e.category));
    expect([...categories].sort()).toEqual(['bad argument', 'hostile path', 'malformed data', 'oversized or odd file', 'write failure']);
    expect(new Set(CORPUS.map((e) => e.id)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((e) => [e.id, e] as const))('%s', async (_, entry) => {
    const c = new CorpusDir();
    current = c;
    const argv = entry.setup(c);
    if (typeof argv === 'string') {
      // Only write-failure entries, as root without a working chattr: said once, not hidden.
      expect(entry.category).toBe('write failure');
      console.warn(`skipped ${entry.id}: ${argv}`);
      return;
    }
    const watched = entry.unchanged?.(c) ?? [];
    const before = watched.map(snapshot);
    const io = memoryIo({ HF_HUB_OFFLINE: '1', HF_HOME: path.join(c.root, 'no-hf-home'), HF_HUB_CACHE: path.join(c.root, 'no-hf-cache') }, c.root);
    const code = await main(argv, io);
    const where = `${entry.id}\nstdout: ${io.out}\nstderr: ${io.err}`;
    expect(code, where).toBe(entry.exit);
    expect(io.err, where).not.toMatch(/internal error|\n\s+at /);
    if (entry.exit === 2 || entry.exit === 4) {
      // One line, "moe: ...", naming the input.
      expect(io.err, where).toMatch(/^moe: [^\n]+\n$/);
      expect(io.err, where).toContain(entry.names(c));
      expect(io.err.trimEnd(), where).toMatch(entry.says);
      expect(io.out, where).toBe('');
    } else {
      expect(io.err, where).toBe('');
      expect(io.out, where).toContain(entry.names(c));
      expect(io.out, where).toMatch(entry.says);
    }
    for (const [i, dir] of watched.entries()) expect(snapshot(dir), `${entry.id}: ${dir} changed`).toEqual(before[i]);
  }, 15_000);
});
