// Test helper: the read-only reference data in the repository (reference/ at its root).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../../..');
export const referenceDir = path.join(repoRoot, 'reference');

/** Every config file name shipped in SGLang's tree (all triton_* folders). */
export function sglangNames(): Set<string> {
  const root = path.join(referenceDir, 'sglang-configs');
  const names = new Set<string>();
  for (const dir of readdirSync(root)) {
    const full = path.join(root, dir);
    if (dir.startsWith('triton_') && statSync(full).isDirectory()) {
      for (const f of readdirSync(full)) names.add(f);
    }
  }
  return names;
}

/** Every config file name shipped in vLLM's tree. */
export function vllmNames(): Set<string> {
  return new Set(readdirSync(path.join(referenceDir, 'vllm-configs')).filter((f) => f.startsWith('E=')));
}

export interface ModelFact {
  model_id: string;
  architecture: string;
  hidden_size: number;
  num_experts: number | string;
  experts_per_tok: number | string;
  expert_ffn_size: number;
  confirmed_real_config_json: boolean;
}

export function modelFacts(): ModelFact[] {
  return JSON.parse(readFileSync(path.join(referenceDir, 'model-facts.json'), 'utf8')) as ModelFact[];
}
