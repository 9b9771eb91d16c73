// `moe devices` through the real @moe/native addon (no mock): whatever the machine has, it exits
// 0 and prints either devices or the reason there are none.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../exit';
import { memoryIo } from '../io';
import { main } from '../main';

describe('moe devices with the real addon', () => {
  it('exits 0 with devices or a reason', async () => {
    const io = memoryIo();
    expect(await main(['devices', '--json'], io)).toBe(EXIT.ok);
    const parsed = JSON.parse(io.out) as { devices: unknown[]; reason: string | null };
    if (parsed.devices.length === 0) {
      expect(parsed.reason).toMatch(/libcuda\.so\.1/);
    } else {
      expect(parsed.reason).toBeNull();
    }
  });
});
