import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeDevices } from '../src/addon';

test('the driver reports at least one GPU with its name, arch and limits', () => {
  const probe = probeDevices();
  assert.ok(probe.devices.length >= 1, `no devices: ${probe.reason}`);
  const d = probe.devices[0]!;
  console.log(`# device 0: ${d.name} ${d.arch}, ${d.smCount} SMs, L2 ${d.l2CacheBytes} B, opt-in shared ${d.sharedMemoryPerBlockOptin} B, driver ${d.driverVersion}`);
  assert.match(d.arch, /^(sm_\d+|gfx\d+)/);
  assert.ok(d.smCount > 0);
  assert.ok(d.l2CacheBytes > 0);
  assert.ok(d.sharedMemoryPerBlockOptin >= 48 * 1024);
});
