import { ENGINES, type Engine, deviceNameForEngine } from '@moe/engine-facts';
import { type DeviceInfo, type DeviceProbe, type EngineKernelProbe, probeDevices, probeEngineKernel } from '@moe/native';
import type { CliIo } from '../io';
import type { CommandModule } from './command-module';

interface DevicesOptions {
  json?: boolean;
  python?: string;
}

/** The --json `kernel` object: the kernel `moe tune` measures with this python. */
export type DevicesJsonKernel =
  | { kind: 'engine'; engine: string; version: string; module: string; path: string; sourceSha256: string; python: string }
  | { kind: 'moe-kit'; python: string; reason: string };

function kernelJson(python: string, probe: EngineKernelProbe): DevicesJsonKernel {
  if (probe.ok) {
    const i = probe.info;
    return { kind: 'engine', engine: i.engine, version: i.version, module: i.module, path: i.path, sourceSha256: i.sourceSha256, python };
  }
  return { kind: 'moe-kit', python, reason: probe.reason };
}

function kernelLine(k: DevicesJsonKernel): string {
  if (k.kind === 'engine') {
    return `Kernel: ${k.engine} ${k.version} fused_moe_kernel in ${k.path} (sha256 ${k.sourceSha256.slice(0, 12)}), from ${k.python}: moe tune measures the engine's own kernel\n`;
  }
  return `Kernel: MoE Kit's own kernel, a stand-in for the engine's (no engine kernel in ${k.python}: ${k.reason}); pass --python <the engine environment's python> to measure the engine's\n`;
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
    .option('--python <path>', "the engine environment's interpreter whose SGLang or vLLM kernel moe tune measures (default: $MOE_PYTHON, else python3)")
    .option('--json', 'print { devices: [...], reason, kernel } as JSON')
    .action(async (opts: DevicesOptions) => {
      const probe = probeDevices();
      const python = opts.python ?? process.env.MOE_PYTHON ?? 'python3';
      const kernel = kernelJson(python, await probeEngineKernel({ python }));
      if (opts.json) {
        io.stdout(`${JSON.stringify({ devices: probe.devices.map(jsonRow), reason: probe.reason, kernel }, null, 2)}\n`);
      } else io.stdout(humanReport(probe) + kernelLine(kernel));
    });
};
