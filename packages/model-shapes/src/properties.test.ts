import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelShapes } from './kernel-shapes';
import { MAX_SHAPE_DIMENSION, resolveMoeShape } from './resolve-moe-shape';

// Issue #13, deliverable 3: whatever a config.json holds, resolveMoeShape gives a shape or one
// line of bad input (an error with kind 'bad-input', no newline), never a crash.

/** A value as hostile JSON could hold it: numbers of every size, NaN, Infinity, strings, lists, objects. */
const hostile = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e20, 1e300, Infinity, -Infinity, NaN, 2 ** 31, 2 ** 53, 1.5),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constant(null), fc.constant(Infinity)), { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/** A Mixtral-like or unknown config.json whose MoE fields are replaced by hostile values. */
const config = fc.record(
  {
    architectures: fc.oneof(fc.constant(['MixtralForCausalLM']), fc.constant(['Qwen3MoeForCausalLM']), fc.constant(['SomethingNewForCausalLM']), hostile),
    hidden_size: fc.oneof(fc.integer({ min: 1, max: 16384 }), hostile),
    num_local_experts: fc.oneof(fc.integer({ min: 1, max: 512 }), hostile),
    num_experts: fc.oneof(fc.integer({ min: 1, max: 512 }), hostile),
    num_experts_per_tok: fc.oneof(fc.integer({ min: 1, max: 16 }), hostile),
    intermediate_size: fc.oneof(fc.integer({ min: 1, max: 65536 }), hostile),
    moe_intermediate_size: fc.oneof(fc.integer({ min: 1, max: 65536 }), hostile),
    text_config: fc.oneof(hostile, fc.record({ num_experts: hostile, moe_intermediate_size: hostile })),
    quantization_config: fc.oneof(hostile, fc.record({ quant_method: fc.constantFrom('fp8', 'awq', 'gptq', 'x'), bits: hostile, weight_block_size: hostile })),
  },
  { requiredKeys: [] },
);

describe('property: resolveMoeShape reads any config.json or refuses it with one line', () => {
  it('never a crash, every number in the shape a positive integer up to 2^31-1', () => {
    fc.assert(
      fc.property(config, (cfg) => {
        try {
          const shape = resolveMoeShape(cfg, {}, { label: 'config.json' });
          for (const n of [shape.experts, shape.topk, shape.intermediate, shape.hidden]) {
            expect(Number.isInteger(n) && n > 0 && n <= MAX_SHAPE_DIMENSION).toBe(true);
          }
          // And every tp it offers gives exact file-name numbers.
          for (const tp of [1, 2, 8]) {
            try {
              const k = kernelShapes(shape, { tp, engine: 'sglang' });
              expect(Number.isSafeInteger(k.fileN) && k.fileN > 0).toBe(true);
            } catch (err) {
              expect((err as { kind?: unknown }).kind).toBe('bad-input');
            }
          }
        } catch (err) {
          expect((err as { kind?: unknown }).kind, String(err)).toBe('bad-input');
          expect((err as Error).message).not.toContain('\n');
          expect((err as Error).message.startsWith('config.json: ') || (err as Error).message.startsWith('--')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
