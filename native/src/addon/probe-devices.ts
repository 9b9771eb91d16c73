import { loadAddon } from './binding';
import type { BackendProbe, DeviceInfo, DeviceProbe } from './types';

/** Why no device was found, from what each backend said. */
export function noDeviceReason(backends: readonly BackendProbe[]): string {
  const parts = backends.map((b) => b.error ?? `${b.library}: no devices`);
  return parts.length > 0 ? parts.join('; ') : 'no GPU backend was tried';
}

/**
 * The GPUs this process can use, CUDA devices first, then HIP devices. Never throws: without a
 * driver, a device or the addon itself, `devices` is empty and `reason` says why.
 */
export function probeDevices(): DeviceProbe {
  try {
    const raw = loadAddon().probe();
    const devices: DeviceInfo[] = raw.devices.map((d, index) => ({ index, ...d }));
    return {
      devices,
      reason: devices.length > 0 ? null : noDeviceReason(raw.backends),
      backends: raw.backends,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { devices: [], reason: message, backends: [] };
  }
}

/** The GPUs this process can use ([] without a driver or a GPU; probeDevices() says why). */
export function devices(): DeviceInfo[] {
  return [...probeDevices().devices];
}
