import { describe, expect, it } from 'vitest';
import { MODEL_CATALOG, findCatalogEntry } from './catalog';
import { kernelShapes } from './kernel-shapes';
import { resolveMoeShape } from './resolve-moe-shape';
import { modelFacts } from './__fixtures__/reference';

/**
 * Worked out by hand from reference/model-facts.json and ENGINES.md:
 * N = expert_ffn_size / tp; E = routed experts, + 1 on SGLang for DeepSeek-V3 and GLM-4.5
 * (one shared expert, fused); K = hidden_size.
 */
const EXPECTED: Record<string, { k: number; topk: number; vllmE: number; sglangE: number; n: [number, number, number, number] }> = {
  'LiquidAI/LFM2-8B-A1B': { k: 2048, topk: 4, vllmE: 32, sglangE: 32, n: [1792, 896, 448, 224] },
  'LiquidAI/LFM2-24B-A2B': { k: 2048, topk: 4, vllmE: 64, sglangE: 64, n: [1536, 768, 384, 192] },
  'mistralai/Mixtral-8x7B-v0.1': { k: 4096, topk: 2, vllmE: 8, sglangE: 8, n: [14336, 7168, 3584, 1792] },
  'mistralai/Mixtral-8x22B-v0.1': { k: 6144, topk: 2, vllmE: 8, sglangE: 8, n: [16384, 8192, 4096, 2048] },
  'Qwen/Qwen1.5-MoE-A2.7B': { k: 2048, topk: 4, vllmE: 60, sglangE: 60, n: [1408, 704, 352, 176] },
  'Qwen/Qwen2-57B-A14B': { k: 3584, topk: 8, vllmE: 64, sglangE: 64, n: [2560, 1280, 640, 320] },
  'Qwen/Qwen3-30B-A3B': { k: 2048, topk: 8, vllmE: 128, sglangE: 128, n: [768, 384, 192, 96] },
  'Qwen/Qwen3-235B-A22B': { k: 4096, topk: 8, vllmE: 128, sglangE: 128, n: [1536, 768, 384, 192] },
  'Qwen/Qwen3-235B-A22B-Instruct-2507': { k: 4096, topk: 8, vllmE: 128, sglangE: 128, n: [1536, 768, 384, 192] },
  'deepseek-ai/DeepSeek-V2-Lite': { k: 2048, topk: 6, vllmE: 64, sglangE: 64, n: [1408, 704, 352, 176] },
  'deepseek-ai/DeepSeek-V2': { k: 5120, topk: 6, vllmE: 160, sglangE: 160, n: [1536, 768, 384, 192] },
  'deepseek-ai/DeepSeek-V3': { k: 7168, topk: 8, vllmE: 256, sglangE: 257, n: [2048, 1024, 512, 256] },
  'openai/gpt-oss-20b': { k: 2880, topk: 4, vllmE: 32, sglangE: 32, n: [2880, 1440, 720, 360] },
  'openai/gpt-oss-120b': { k: 2880, topk: 4, vllmE: 128, sglangE: 128, n: [2880, 1440, 720, 360] },
  'meta-llama/Llama-4-Scout-17B-16E-Instruct': { k: 5120, topk: 1, vllmE: 16, sglangE: 16, n: [8192, 4096, 2048, 1024] },
  'allenai/OLMoE-1B-7B-0924': { k: 2048, topk: 8, vllmE: 64, sglangE: 64, n: [1024, 512, 256, 128] },
  'ibm-granite/granite-3.0-3b-a800m-instruct': { k: 1536, topk: 8, vllmE: 40, sglangE: 40, n: [512, 256, 128, 64] },
  'zai-org/GLM-4.5': { k: 5120, topk: 8, vllmE: 160, sglangE: 161, n: [1536, 768, 384, 192] },
  'inclusionAI/Ling-lite-base': { k: 2048, topk: 6, vllmE: 64, sglangE: 64, n: [1408, 704, 352, 176] },
  'MiniMaxAI/MiniMax-M1-40k': { k: 6144, topk: 2, vllmE: 32, sglangE: 32, n: [9216, 4608, 2304, 1152] },
  'tencent/Tencent-Hunyuan-Large': { k: 6400, topk: 1, vllmE: 16, sglangE: 16, n: [18304, 9152, 4576, 2288] },
};

const TPS = [1, 2, 4, 8] as const;

describe('the catalog', () => {
  it('has every model of model-facts.json, marked confirmed exactly where the facts are', () => {
    const facts = modelFacts();
    expect(facts).toHaveLength(21);
    for (const fact of facts) {
      const id = fact.model_id.replace(/\s*\(.*\)$/, '');
      const entry = findCatalogEntry(id);
      expect(entry, id).toBeDefined();
      expect(entry?.confirmed, id).toBe(fact.confirmed_real_config_json);
      if (!fact.confirmed_real_config_json) expect(entry?.unconfirmed.length, id).toBeGreaterThan(0);
      else expect(entry?.unconfirmed, id).toEqual([]);
    }
    expect(MODEL_CATALOG).toHaveLength(21);
    expect(Object.keys(EXPECTED).sort()).toEqual(MODEL_CATALOG.map((e) => e.id).sort());
  });

  it('agrees with the facts on K, E, top-k and the expert width', () => {
    for (const fact of modelFacts()) {
      const entry = findCatalogEntry(fact.model_id.replace(/\s*\(.*\)$/, ''));
      const shape = resolveMoeShape(entry?.config);
      expect(shape.hidden, fact.model_id).toBe(fact.hidden_size);
      expect(shape.experts, fact.model_id).toBe(parseInt(String(fact.num_experts), 10));
      expect(shape.topk, fact.model_id).toBe(parseInt(String(fact.experts_per_tok), 10));
      expect(shape.intermediate, fact.model_id).toBe(fact.expert_ffn_size);
    }
  });

  it('finds entries by id, alias and bare name, case-insensitively', () => {
    expect(findCatalogEntry('liquidai/lfm2-8b-a1b')?.id).toBe('LiquidAI/LFM2-8B-A1B');
    expect(findCatalogEntry('LFM2-8B-A1B')?.id).toBe('LiquidAI/LFM2-8B-A1B');
    expect(findCatalogEntry('tencent/Hunyuan-A52B-Pretrain')?.id).toBe('tencent/Tencent-Hunyuan-Large');
    expect(findCatalogEntry('someone/LFM2-8B-A1B')).toBeUndefined();
    expect(findCatalogEntry('no-such-model')).toBeUndefined();
  });

  for (const [id, want] of Object.entries(EXPECTED)) {
    describe(id, () => {
      const entry = findCatalogEntry(id);
      const shape = resolveMoeShape(entry?.config);
      for (const engine of ['sglang', 'vllm'] as const) {
        it(`${engine}: E, N, K and top-k at tp 1/2/4/8`, () => {
          TPS.forEach((tp, i) => {
            const k = kernelShapes(shape, { tp, engine, deviceName: 'NVIDIA H100 80GB HBM3' });
            const e = engine === 'sglang' ? want.sglangE : want.vllmE;
            expect([k.localExperts, k.shardIntermediate, k.hidden, k.topk]).toEqual([e, want.n[i], want.k, want.topk]);
            expect(k.configFile.startsWith(`E=${e},N=${want.n[i]},device_name=NVIDIA_H100_80GB_HBM3`)).toBe(true);
          });
        });
      }
    });
  }
});
