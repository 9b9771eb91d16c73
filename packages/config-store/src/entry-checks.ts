// The checks of one batch-size entry of a config file: its fields against the engine's rules, and
// (with the file's key) whether it fits the GPU and the block quantization. analyzeConfigText runs
// them for every entry and groups the issues over entries.
import {
  KERNEL_CONFIG_FIELDS,
  LAUNCH_DEFAULT_FIELDS,
  REQUIRED_FIELDS,
  ROCM_ONLY_FIELDS,
  checkFieldValue,
  engineFields,
  tritonLaunchDefaults,
  type ConfigKey,
  type Engine,
  type KernelConfig,
  type KernelConfigField,
} from '@moe/engine-facts';
import { elementBytes, type ElementBytes } from './element-bytes';
import type { Issue } from './finding';
import { issue } from './finding';
import { gpuInfo, platformOf, type GpuInfo } from './gpu-info';
import type { JsonNode } from './json-text';
import { effectiveBlockK } from './shared-memory';
import { sharedMemoryProblem } from './shared-memory-finding';

export const FIX_RETUNE = 'regenerate the file with the engine tuner or `moe tune`';

/** Issues of many entries, one per (severity, code, text), naming the entries it applies to. */
export class GroupedIssues {
  private groups = new Map<string, { severity: Issue['severity']; code: string; text: string; fix: string; keys: string[] }>();
  add(severity: Issue['severity'], code: string, text: string, fix: string, key: string): void {
    const id = `${severity}|${code}|${text}`;
    const g = this.groups.get(id);
    if (g) g.keys.push(key);
    else this.groups.set(id, { severity, code, text, fix, keys: [key] });
  }
  issues(): Issue[] {
    return [...this.groups.values()].map((g) => {
      const shown = g.keys.slice(0, 6).join(', ');
      const more = g.keys.length > 6 ? ` and ${g.keys.length - 6} more` : '';
      const where = g.keys.length === 1 ? `entry ${shown}` : `entries ${shown}${more}`;
      return issue(g.severity, g.code, `${where}: ${g.text}`, g.fix);
    });
  }
}

/** What the entry checks of one file know: the engine, and from the file's key the GPU and dtype. */
export interface EntryContext {
  engine: Engine;
  key: ConfigKey | null;
  /** Triton's launch defaults on the file's platform. */
  launch: { num_warps: number; num_stages: number };
  gpu: GpuInfo | null;
  bytes: ElementBytes | null;
  /** The fields the engine passes on to its kernel. */
  known: Set<string>;
}

export function entryContext(engine: Engine, key: ConfigKey | null): EntryContext {
  return {
    engine,
    key,
    launch: tritonLaunchDefaults(key ? platformOf(key.deviceName) : 'cuda'),
    gpu: key ? gpuInfo(key.deviceName) : null,
    bytes: key ? elementBytes(key.dtype) : null,
    known: new Set<string>(engineFields(engine)),
  };
}

function describeNode(node: JsonNode): unknown {
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'null':
      return 'null';
    default:
      return `a JSON ${node.kind}`;
  }
}

/** An entry's fields by name; a repeated field keeps the last value, as the engine does (and is named). */
export function entryFields(members: { key: string; value: JsonNode }[], grouped: GroupedIssues, keyText: string): Map<string, JsonNode> {
  const values = new Map<string, JsonNode>();
  for (const f of members) {
    if (values.has(f.key)) {
      grouped.add('warning', 'duplicate-key', `field ${f.key} appears more than once; the engine keeps the last`, 'keep one of each field', keyText);
    }
    values.set(f.key, f.value);
  }
  return values;
}

/**
 * Checks an entry's fields: the required ones present, warps and stages written, no field the
 * engine's kernel launch rejects, every value within its rule. `ok` is false when the engine
 * fails on picking this entry; `config` holds the values read (out-of-range ones included).
 */
export function checkEntryFields(values: Map<string, JsonNode>, ec: EntryContext, grouped: GroupedIssues, keyText: string): { config: Record<string, number | boolean>; ok: boolean } {
  const { engine, key, gpu, launch } = ec;
  let ok = true;
  const config: Record<string, number | boolean> = {};
  for (const field of REQUIRED_FIELDS) {
    if (!values.has(field)) {
      ok = false;
      grouped.add('error', 'missing-key', `${field} is missing; the engine fails when it picks this entry`, FIX_RETUNE, keyText);
    }
  }
  for (const field of LAUNCH_DEFAULT_FIELDS) {
    if (!values.has(field)) {
      grouped.add(
        'warning',
        'missing-key',
        `${field} is missing; Triton's launch default (${launch[field as 'num_warps' | 'num_stages']}) is used`,
        `write ${field} explicitly (regenerate the file)`,
        keyText,
      );
    }
  }
  for (const [field, node] of values) {
    if (!ec.known.has(field)) {
      ok = false;
      const other = (KERNEL_CONFIG_FIELDS as readonly string[]).includes(field) ? ` (${field} is a ${engine === 'sglang' ? 'vLLM' : 'SGLang'} field)` : '';
      grouped.add('error', 'unknown-key', `unknown field ${field}${other}; the engine passes every field to the kernel launch, which rejects it`, `remove ${field}`, keyText);
      continue;
    }
    const value: unknown = node.kind === 'number' || node.kind === 'bool' ? node.value : describeNode(node);
    const problem = node.kind === 'number' && !node.integer ? `${field} must be an integer, got ${node.raw}` : checkFieldValue(field as KernelConfigField, value);
    if (problem) {
      const code = /must be an integer|must be true or false/.test(problem) ? 'not-integer' : /power of two/.test(problem) ? 'not-power-of-two' : 'out-of-range';
      if (code === 'not-integer') ok = false;
      grouped.add('error', code, problem, FIX_RETUNE, keyText);
      if (code !== 'not-integer') config[field] = value as number;
      continue;
    }
    config[field] = value as number | boolean;
    if ((ROCM_ONLY_FIELDS as readonly string[]).includes(field) && key && gpu?.vendor === 'nvidia') {
      grouped.add('warning', 'rocm-key-on-cuda', `${field} is an AMD-only launch option in a file for ${key.deviceName}`, `remove ${field} or check the device name`, keyText);
    }
  }
  return { config, ok };
}

/** With the file's key: BLOCK_SIZE_K against the quantization block, and the tiles against the GPU's shared memory. */
export function checkEntryFit(kc: KernelConfig, ec: EntryContext, grouped: GroupedIssues, keyText: string): void {
  const { key } = ec;
  if (!key) return;
  if (key.blockShape && key.blockShape[0] > 0 && key.blockShape[1] > 0 && Number.isInteger(kc.BLOCK_SIZE_K) && kc.BLOCK_SIZE_K > 0) {
    const eff = effectiveBlockK(kc.BLOCK_SIZE_K, key.blockShape);
    if (key.blockShape[1] % eff !== 0) {
      grouped.add(
        'error',
        'block-k-mismatch',
        `BLOCK_SIZE_K ${kc.BLOCK_SIZE_K} does not divide block_k ${key.blockShape[1]}: scales are applied per BLOCK_SIZE_K step, so results are wrong`,
        `use a BLOCK_SIZE_K that divides ${key.blockShape[1]}`,
        keyText,
      );
    }
  }
  const problem = sharedMemoryProblem(kc, { bytes: ec.bytes, blockShape: key.blockShape, gpu: ec.gpu, deviceName: key.deviceName });
  if (problem) grouped.add(problem.severity, problem.code, problem.message, problem.fix, keyText);
}
