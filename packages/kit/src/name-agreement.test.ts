// @moe/model-shapes formats the file names an engine asks for without depending on
// @moe/config-store (docs/decisions/0001). This test holds the two to one spelling: for every
// catalog model, layout, engine and GPU, the names model-shapes gives must be what config-store's
// codec formats for the same key, and must parse back to the same key.
import { describe, expect, it } from 'vitest';
import { formatFileName, parseFileName, deviceNameForEngine } from '@moe/config-store';
import { MODEL_CATALOG, configFileName, engineDeviceName, kernelShapes, resolveMoeShape } from '@moe/model-shapes';

const GPUS = ['NVIDIA H100 80GB HBM3', 'NVIDIA H200', 'NVIDIA H200 NVL', 'NVIDIA A100-SXM4-80GB', 'NVIDIA B200', 'AMD Instinct MI300X'];
const ENGINES = ['sglang', 'vllm'] as const;

describe('model-shapes and config-store agree on file names', () => {
  it('normalise device names the same way', () => {
    for (const engine of ENGINES) {
      for (const gpu of GPUS) expect(engineDeviceName(engine, gpu)).toBe(deviceNameForEngine(engine, gpu));
    }
  });

  it('format and parse every catalog model at tp 1/2/4/8 the same way', () => {
    let checked = 0;
    for (const entry of MODEL_CATALOG) {
      const shape = resolveMoeShape(entry.config);
      for (const engine of ENGINES) {
        for (const tp of [1, 2, 4, 8]) {
          for (const gpu of GPUS) {
            let ks;
            try {
              ks = kernelShapes(shape, { tp, engine, deviceName: gpu });
            } catch {
              continue; // a tp that does not divide the model: covered by model-shapes' own tests
            }
            const key = {
              E: ks.localExperts,
              N: ks.fileN ?? ks.shardIntermediate,
              deviceName: ks.deviceName ?? '',
              dtype: ks.dtype,
              blockShape: ks.blockShape,
              perChannelQuant: ks.perChannelQuant,
              down: false,
            };
            expect(ks.configFile).toBe(formatFileName(engine, key));
            expect(parseFileName(ks.configFile)?.key).toEqual(key);
            if (ks.downConfigFile) {
              expect(ks.downConfigFile).toBe(formatFileName(engine, { ...key, down: true }));
              expect(parseFileName(ks.downConfigFile)?.key).toEqual({ ...key, down: true });
            }
            checked++;
          }
        }
      }
    }
    // 21 catalog models x 2 engines x up to 4 layouts x 6 GPUs: most layouts divide.
    expect(checked).toBeGreaterThan(21 * 2 * 6);
  });

  // The grid docs/decisions/0001 asks for, beyond what the catalog models happen to use: every
  // dtype, block shapes (one with a zero, which both leave out), per_channel_quant and _down.
  it('format and parse a grid of keys the same way', () => {
    const dtypes = [null, 'fp8_w8a8', 'int8_w8a8', 'int8_w8a16', 'int4_w4a16'] as const;
    const blocks: ([number, number] | null)[] = [null, [128, 128], [64, 128], [0, 128]];
    let checked = 0;
    for (const engine of ENGINES) {
      for (const [E, N] of [[8, 7168], [257, 256], [1, 14336]] as const) {
        for (const gpu of GPUS) {
          const deviceName = engineDeviceName(engine, gpu);
          for (const dtype of dtypes) {
            for (const blockShape of blocks) {
              // vLLM has neither per_channel_quant nor _down files.
              for (const perChannelQuant of engine === 'sglang' ? [false, true] : [false]) {
                for (const down of engine === 'sglang' ? [false, true] : [false]) {
                  const name = configFileName(engine, { experts: E, n: N, deviceName, dtype, blockShape, perChannelQuant, down });
                  const key = { E, N, deviceName, dtype, blockShape, perChannelQuant, down };
                  expect(name).toBe(formatFileName(engine, key));
                  const keptBlock = blockShape && blockShape[0] && blockShape[1] ? blockShape : null;
                  expect(parseFileName(name)?.key).toEqual({ ...key, blockShape: keptBlock });
                  checked++;
                }
              }
            }
          }
        }
      }
    }
    // sglang: 3 shapes x 6 GPUs x 5 dtypes x 4 blocks x 4 flag pairs; vllm: the same x 1.
    expect(checked).toBe(3 * 6 * 5 * 4 * 4 + 3 * 6 * 5 * 4);
  });
});
