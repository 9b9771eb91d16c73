import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is packages/config-store/src/__fixtures__/reference.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** Read-only reference data in the repository (reference/ at its root; see reference/README.md). */
export const REFERENCE_DIR = path.join(REPO_ROOT, 'reference');
export const SGLANG_CORPUS = path.join(REFERENCE_DIR, 'sglang-configs');
export const VLLM_CORPUS = path.join(REFERENCE_DIR, 'vllm-configs');

/** Every `E=...json` file under `dir`, as paths relative to it ('/'-separated), sorted. */
export function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(r);
      else if (entry.name.startsWith('E=') && entry.name.endsWith('.json')) out.push(r);
    }
  };
  walk('');
  return out.sort();
}
