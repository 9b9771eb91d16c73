import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT, errorKind } from './exit';
import { memoryIo } from './io';
import { main } from './main';

// Issue #13 item 6: exit codes come from the kind of an error, not from a prefix of its code.
// Bad input is 2; a refusal of the machine (EACCES/EROFS/ENOSPC/EIO on a write) is 4 with its
// own message, never "internal error"; 3 is only for bugs. Item 7: the argument parser's errors
// read `moe: ...` like every other error.

const packagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the exit code of an error comes from its kind', () => {
  it('the codes: 0 ok, 1 findings, 2 bad input, 3 bug, 4 the machine refused', () => {
    expect(EXIT).toEqual({ ok: 0, findings: 1, usage: 2, internal: 3, machine: 4 });
  });

  it('bad input, a refusal of the machine, a bug', () => {
    expect(errorKind(Object.assign(new Error('x'), { code: 'MOE_BAD_ARGUMENT', kind: 'bad-input' }))).toBe('bad-input');
    expect(errorKind(Object.assign(new Error('x'), { code: 'MOE_WRITE_FAILED', kind: 'machine' }))).toBe('machine');
    // A system error that escaped every wrapper is the machine's, not a bug.
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']) {
      expect(errorKind(Object.assign(new Error(`${code}: x`), { code, syscall: 'open', path: '/x' })), code).toBe('machine');
    }
    expect(errorKind(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe('bug');
    expect(errorKind(Object.assign(new Error('x'), { code: 'ERR_ASSERTION' }))).toBe('bug');
    // A code that merely starts with MOE_ but declares another kind is not taken for bad input.
    expect(errorKind(Object.assign(new Error('x'), { code: 'MOE_SOMETHING', kind: 'surprise' }))).toBe('bug');
  });

  it('every error class of every package declares its kind', async () => {
    const missing: string[] = [];
    let classes = 0;
    for (const pkg of readdirSync(packagesDir)) {
      const dir = path.join(packagesDir, pkg, 'src', 'errors');
      let files: string[] = [];
      try {
        files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
      } catch {
        continue;
      }
      for (const f of files) {
        const mod = (await import(path.join(dir, f))) as Record<string, unknown>;
        for (const [name, value] of Object.entries(mod)) {
          if (typeof value !== 'function') continue;
          classes += 1;
          const err = Reflect.construct(value as new (...a: unknown[]) => Error, ['m', 'EACCES', '/p']) as Error & { kind?: unknown; code?: unknown };
          if (err.kind !== 'bad-input' && err.kind !== 'machine') missing.push(`${pkg}/${f}: ${name}`);
          expect(String(err.code), `${pkg}/${f}`).toMatch(/^MOE_[A-Z_]+$/);
        }
      }
    }
    expect(classes).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});

describe('moe prints each kind its own way', () => {
  it('the argument parser\'s errors read moe: ..., one line, exit 2', async () => {
    const io = memoryIo();
    expect(await main(['configs', 'doctor', '.', '--no-such-flag'], io)).toBe(EXIT.usage);
    expect(io.err).toBe("moe: unknown option '--no-such-flag'; see moe configs doctor --help\n");
    const io2 = memoryIo();
    expect(await main(['no-such-command'], io2)).toBe(EXIT.usage);
    expect(io2.err).toBe("moe: unknown command 'no-such-command'; see moe --help\n");
    const io3 = memoryIo();
    expect(await main(['configs', 'doctor'], io3)).toBe(EXIT.usage);
    expect(io3.err).toBe("moe: missing required argument 'dir'; see moe configs doctor --help\n");
  });
});
