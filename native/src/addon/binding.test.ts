import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADDON_ABI_VERSION, addonCandidates, loadAddon, loadAddonFrom } from './binding';
import { NativeAddonUnavailableError } from './errors/native-addon-unavailable-error';
import { probeDevices } from './probe-devices';

const dir = mkdtempSync(path.join(tmpdir(), 'moe-addon-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading the addon', () => {
  it('loads the build of this package without a GPU driver', () => {
    const addon = loadAddon();
    expect(addon.abiVersion).toBe(ADDON_ABI_VERSION);
    expect(addon.cudaApiVersion).toBe(12000);
    expect(typeof addon.Context.open).toBe('function');
  });

  it('looks in MOE_NATIVE_ADDON first, then in the package build folders', () => {
    const list = addonCandidates({ MOE_NATIVE_ADDON: '/opt/x/moe_native.node' });
    expect(list[0]).toBe('/opt/x/moe_native.node');
    expect(list[1]).toMatch(/native[/\\]build[/\\]Release[/\\]moe_native\.node$/);
    expect(list[2]).toMatch(/native[/\\]build[/\\]Debug[/\\]moe_native\.node$/);
  });

  it('throws one error listing every place tried, what went wrong there and the fix', () => {
    const missing = path.join(dir, 'missing.node');
    const broken = path.join(dir, 'broken.node');
    writeFileSync(broken, 'not a shared object');
    let error: unknown;
    try {
      loadAddonFrom([missing, broken]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NativeAddonUnavailableError);
    const e = error as NativeAddonUnavailableError;
    expect(e.code).toBe('MOE_NATIVE_ADDON_UNAVAILABLE');
    expect(e.attempts.map((a) => [a.path, a.problem.split(' (')[0]])).toEqual([
      [missing, 'not found'],
      [broken, 'could not be loaded'],
    ]);
    const lines = e.message.split('\n');
    expect(lines[0]).toContain('did not load');
    expect(lines[1]).toContain(`1. ${missing}: not found. Fix: build it with \`npm run build:addon -w @moe/native\``);
    expect(lines[2]).toContain(`2. ${broken}: could not be loaded`);
    expect(lines[2]).toContain('delete');
  });
});

describe('probeDevices', () => {
  it('never throws and explains an empty list', () => {
    const probe = probeDevices();
    expect(probe.backends.map((b) => b.backend)).toEqual(['cuda', 'hip']);
    if (probe.devices.length === 0) {
      // no GPU here (CI): the reason names each driver library that was tried
      expect(probe.reason).toMatch(/libcuda\.so\.1/);
      expect(probe.reason).toMatch(/libamdhip64\.so/);
    } else {
      expect(probe.reason).toBeNull();
      expect(probe.devices.map((d) => d.index)).toEqual(probe.devices.map((_, i) => i));
    }
  });
});
