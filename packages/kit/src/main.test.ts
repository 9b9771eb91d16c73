import { describe, expect, it } from 'vitest';
import { main } from './main';
import { memoryIo } from './io';
import { EXIT } from './exit';

describe('moe', () => {
  it('prints its version from package.json', async () => {
    const io = memoryIo();
    expect(await main(['--version'], io)).toBe(EXIT.ok);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const io = memoryIo();
    expect(await main(['no-such-command'], io)).toBe(EXIT.usage);
    expect(io.err).toMatch(/^moe: unknown command 'no-such-command'/);
  });
});
