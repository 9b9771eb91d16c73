// Every config file name is spelled by @moe/engine-facts alone (docs/decisions/0003): model-shapes
// (behind `moe shapes`) and config-store (behind `moe configs lookup`) both take device names and
// file names from it. These tests hold the two commands to that: for every form a device name
// comes in (the driver's name, the file-name spelling, a vLLM-on-ROCm PCI id in either case, with
// stray spaces), both commands name the same file, and that name parses back to the shape.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceNameForEngine, parseFileName } from '@moe/engine-facts';
import { MODEL_CATALOG, kernelShapes, resolveMoeShape } from '@moe/model-shapes';
import { memoryIo } from './io';
import { main } from './main';

const DEVICE_FORMS = [
  'NVIDIA H100 80GB HBM3',
  'NVIDIA_H100_80GB_HBM3',
  ' NVIDIA H200 ',
  'NVIDIA H200 NVL',
  'NVIDIA_H200_NVL',
  'NVIDIA GH200 480GB',
  'NVIDIA A100-SXM4-80GB',
  'NVIDIA B200',
  'AMD Instinct MI300X',
  'AMD_Instinct_MI300X',
  '0x74a1',
  '0x74A1',
  '0x74b5',
  '0x74a5',
  '0x744c',
  '0x1234',
];
const ENGINES = ['sglang', 'vllm'] as const;

describe('one spelling of device names', () => {
  // The values themselves (0x74a1 -> AMD_Instinct_MI300X, ...) are pinned in engine-facts' device-name tests.
  it('kernelShapes names the device as engine-facts does, PCI ids included', () => {
    const shape = resolveMoeShape(MODEL_CATALOG[0]?.config);
    for (const engine of ENGINES) {
      for (const form of DEVICE_FORMS) {
        expect(kernelShapes(shape, { tp: 1, engine, deviceName: form }).deviceName, `${engine} ${form}`).toBe(deviceNameForEngine(engine, form));
      }
    }
  });
});

describe('moe shapes and moe configs lookup name the same file', () => {
  // An empty folder named configs: SGLang reads it as its configs folder, vLLM as a flat folder.
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'moe-kit-names-')), 'configs');
  mkdirSync(dir);
  const env = { HF_HUB_OFFLINE: '1', HF_HOME: path.join(dir, '..', 'hf') };

  async function shapesFile(engine: string, model: string, tp: number, device: string): Promise<string> {
    const io = memoryIo(env);
    const code = await main(['shapes', model, '--tp', String(tp), '--engine', engine, '--device-name', device, '--json'], io);
    expect(code, io.err).toBe(0);
    return (JSON.parse(io.out) as { configFile: string }[])[0]?.configFile as string;
  }

  async function lookupFile(engine: string, model: string, tp: number, device: string): Promise<string> {
    const io = memoryIo(env);
    const code = await main(['configs', 'lookup', '--engine', engine, '--dir', dir, '--model', model, '--tp', String(tp), '--device-name', device, '--m', '1'], io);
    expect(code, io.err).toBe(0);
    const line = io.out.split('\n').find((l) => l.startsWith('asks for  '));
    return (line ?? '').slice('asks for  '.length);
  }

  // Mixtral: bf16, E=8 N=7168 at tp 2; DeepSeek-V3: block fp8, E=257 (SGLang) / 256 (vLLM), N=256 at tp 8.
  for (const [model, tp] of [['mistralai/Mixtral-8x7B-v0.1', 2], ['deepseek-ai/DeepSeek-V3', 8]] as const) {
    for (const engine of ENGINES) {
      it(`${model} tp ${tp}, ${engine}: every device-name form`, async () => {
        for (const form of DEVICE_FORMS) {
          const fromShapes = await shapesFile(engine, model, tp, form);
          expect(await lookupFile(engine, model, tp, form), `${engine} ${form}`).toBe(fromShapes);
          expect(parseFileName(fromShapes)?.key.deviceName).toBe(deviceNameForEngine(engine, form));
        }
      });
    }
  }
});

describe('catalog names parse back to their shape', () => {
  it('every catalog model at tp 1/2/4/8, both engines', () => {
    let checked = 0;
    for (const entry of MODEL_CATALOG) {
      const shape = resolveMoeShape(entry.config);
      for (const engine of ENGINES) {
        for (const tp of [1, 2, 4, 8]) {
          for (const gpu of ['NVIDIA H100 80GB HBM3', 'NVIDIA H200 NVL', '0x74a1']) {
            let ks;
            try {
              ks = kernelShapes(shape, { tp, engine, deviceName: gpu });
            } catch {
              continue; // a tp that does not divide the model: covered by model-shapes' own tests
            }
            const key = {
              E: ks.localExperts,
              N: ks.fileN,
              deviceName: ks.deviceName ?? '',
              dtype: ks.dtype,
              blockShape: ks.blockShape,
              perChannelQuant: ks.perChannelQuant,
              down: false,
            };
            expect(parseFileName(ks.configFile)?.key).toEqual(key);
            if (ks.downConfigFile) expect(parseFileName(ks.downConfigFile)?.key).toEqual({ ...key, down: true });
            checked++;
          }
        }
      }
    }
    // 21 catalog models x 2 engines x up to 4 layouts x 3 GPUs: most layouts divide.
    expect(checked).toBeGreaterThan(21 * 2 * 3);
  });
});
