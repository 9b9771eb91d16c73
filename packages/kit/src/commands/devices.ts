import { ENGINES, type Engine, deviceNameForEngine } from '@moe/engine-facts';
import { type DeviceInfo, type DeviceProbe, probeDevices } from '@moe/native';
import type { CliIo } from '../io';
import type { CommandModule } from './command-module';

interface DevicesOptions {
  json?: boolean;
}

/** The --json object of one GPU: the driver's facts plus each engine's file-name device. */
export interface DevicesJsonRow {
  index: number;
  backend: string;
  ordinal: number;
  name: string;
  arch: string;
  smCount: number;
  warpSize: number;
  totalMemoryBytes: number;
  sharedMemoryPerBlockOptin: number;
  l2CacheBytes: number;
  pciBusId: string;
  driverVersion: string;
  /** device_name as each engine writes it in config file names. */
  deviceName: Record<Engine, string>;
}

function engineNames(name: string): Record<Engine, string> {
  return Object.fromEntries(ENGINES.map((e) => [e, deviceNameForEngine(e, name)])) as Record<Engine, string>;
}

function jsonRow(d: DeviceInfo): DevicesJsonRow {
  return {
    index: d.index,
    backend: d.backend,
    ordinal: d.ordinal,
    name: d.name,
    arch: d.arch,
    smCount: d.smCount,
    warpSize: d.warpSize,
    totalMemoryBytes: d.totalMemoryBytes,
    sharedMemoryPerBlockOptin: d.sharedMemoryPerBlockOptin,
    l2CacheBytes: d.l2CacheBytes,
    pciBusId: d.pciBusId,
    driverVersion: d.driverVersion,
    deviceName: engineNames(d.name),
  };
}

function size(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(0)} KiB`;
}

function humanReport(probe: DeviceProbe): string {
  if (probe.devices.length === 0) return `No GPU found: ${probe.reason ?? 'no devices'}\n`;
  const out: string[] = [];
  for (const d of probe.devices) {
    out.push(`GPU ${d.index}: ${d.name}`);
    out.push(
      `  ${d.backend} ${d.arch}, ${d.smCount} SMs, ${size(d.totalMemoryBytes)}, ${size(d.sharedMemoryPerBlockOptin)} shared memory per block (opt-in), ${size(d.l2CacheBytes)} L2, driver ${d.driverVersion}${d.pciBusId ? `, PCI ${d.pciBusId}` : ''}`,
    );
    const width = Math.max(...ENGINES.map((e) => e.length));
    for (const engine of ENGINES) out.push(`  ${`${engine}:`.padEnd(width + 1)} device_name=${deviceNameForEngine(engine, d.name)}`);
  }
  return `${out.join('\n')}\n`;
}

/** `moe devices`: the local GPUs and the device_name each engine writes in config file names. */
export const devicesCommand: CommandModule = (program, io: CliIo) => {
  program
    .command('devices')
    .description('list the local GPUs and the device_name each engine uses in config file names (exits 0 without a GPU and says why)')
    .option('--json', 'print { devices: [...], reason } as JSON')
    .action((opts: DevicesOptions) => {
      const probe = probeDevices();
      if (opts.json) {
        io.stdout(`${JSON.stringify({ devices: probe.devices.map(jsonRow), reason: probe.reason }, null, 2)}\n`);
      } else io.stdout(humanReport(probe));
    });
};
