import { KERNEL_CONFIG_FIELDS, checkFieldValue, engineFields, type ConfigKey, type Engine, type KernelConfigField } from '@moe/engine-facts';
import type { ConfigTable } from './config-table';
import type { Issue } from './finding';
import { issue } from './finding';
import { gpuInfo } from './gpu-info';
import { effectiveBlockK } from './shared-memory';
import { sharedMemoryProblem } from './shared-memory-finding';
import { elementBytes } from './element-bytes';

export interface TableContext {
  engine: Engine;
  /** dtype, block shape and device from the file's key; the GPU limit comes from deviceName. */
  key: Pick<ConfigKey, 'dtype' | 'blockShape' | 'deviceName'>;
}

/**
 * Checks a typed table before it is written: value ranges and powers of two, fields the engine
 * accepts, BLOCK_SIZE_K against block_k, and shared memory against the GPU's per-block limit
 * (an error when no Triton can fit it, a warning when only Triton 3.6's rule is over). Returns
 * the problems; no errors means the engine can launch every entry on some Triton.
 */
export function validateConfigTable(table: ConfigTable, ctx: TableContext): Issue[] {
  const out: Issue[] = [];
  const known = new Set<string>(engineFields(ctx.engine));
  const gpu = gpuInfo(ctx.key.deviceName);
  const bytes = elementBytes(ctx.key.dtype);
  for (const [m, config] of table) {
    const where = `batch size ${m}`;
    for (const field of KERNEL_CONFIG_FIELDS) {
      const value = config[field];
      if (value === undefined) continue;
      if (!known.has(field)) {
        out.push(issue('error', 'unknown-key', `${where}: ${ctx.engine === 'sglang' ? 'SGLang' : 'vLLM'} does not accept ${field}`, `drop ${field}`));
        continue;
      }
      const problem = checkFieldValue(field as KernelConfigField, value);
      if (problem) out.push(issue('error', /power of two/.test(problem) ? 'not-power-of-two' : /must be an integer|true or false/.test(problem) ? 'not-integer' : 'out-of-range', `${where}: ${problem}`, 'choose a valid value'));
    }
    const bs = ctx.key.blockShape;
    if (bs && bs[0] > 0 && bs[1] > 0 && Number.isInteger(config.BLOCK_SIZE_K) && config.BLOCK_SIZE_K > 0 && bs[1] % effectiveBlockK(config.BLOCK_SIZE_K, bs) !== 0) {
      out.push(issue('error', 'block-k-mismatch', `${where}: BLOCK_SIZE_K ${config.BLOCK_SIZE_K} does not divide block_k ${bs[1]}`, `use a BLOCK_SIZE_K that divides ${bs[1]}`));
    }
    const problem = sharedMemoryProblem(config, { bytes, blockShape: bs, gpu, deviceName: ctx.key.deviceName });
    if (problem) out.push({ ...problem, message: `${where}: ${problem.message}` });
  }
  return out;
}
