import { describe, expect, it } from 'vitest';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import { parseModelConfig } from './load-model-config';
import { MAX_SHAPE_DIMENSION, resolveMoeShape } from './resolve-moe-shape';

// Issue #13 item 5: `intermediate_size: 1e20` was printed as N=100000000000000000000 (which
// lookup then rejects), and `1e999` read as "no expert width found".

const mixtral = (over: Record<string, string>) => {
  const fields: Record<string, string> = {
    architectures: '["MixtralForCausalLM"]',
    hidden_size: '4096',
    num_local_experts: '8',
    num_experts_per_tok: '2',
    intermediate_size: '14336',
    ...over,
  };
  const text = `{${Object.entries(fields).map(([k, v]) => `"${k}": ${v}`).join(', ')}}`;
  return parseModelConfig(text, 'config.json');
};

const refused = (config: unknown, overrides = {}) => {
  try {
    resolveMoeShape(config, overrides, { label: 'config.json' });
  } catch (err) {
    return err as Error;
  }
  throw new Error('accepted');
};

describe('resolveMoeShape: numbers too large to be a kernel dimension', () => {
  it('the limit is 2^31-1', () => {
    expect(MAX_SHAPE_DIMENSION).toBe(2147483647);
  });

  it('1e20 is named with the limit, not printed as a shape', () => {
    const err = refused(mixtral({ intermediate_size: '1e20' }));
    expect(err).toBeInstanceOf(InvalidModelConfigError);
    expect(err.message).toBe('config.json: intermediate_size = 100000000000000000000 is over 2147483647 (2^31-1), too large for a kernel dimension; fix the config.json or pass `intermediate` <value>');
  });

  it('1e999 (JSON reads it as Infinity) is named, not taken for a missing key', () => {
    const err = refused(mixtral({ intermediate_size: '1e999' }));
    expect(err).toBeInstanceOf(InvalidModelConfigError);
    expect(err.message).toBe('config.json: intermediate_size = Infinity (a number past the largest float, e.g. 1e999) is not a finite number; fix the config.json or pass `intermediate` <value>');
    expect(refused(mixtral({ hidden_size: '-1e999' })).message).toMatch(/^config.json: hidden_size = -Infinity \(a number past the largest float, e\.g\. 1e999\) is not a finite number; fix the config.json/);
  });

  it('every field: experts, top-k, hidden', () => {
    expect(refused(mixtral({ num_local_experts: '4294967296' })).message).toBe(
      'config.json: num_local_experts = 4294967296 is over 2147483647 (2^31-1), too large for a kernel dimension; fix the config.json or pass `experts` <value>',
    );
    expect(refused(mixtral({ hidden_size: '2147483648' })).message).toMatch(/^config.json: hidden_size = 2147483648 is over 2147483647/);
    // Exactly the limit is a positive integer like any other (nothing here divides it).
    expect(() => resolveMoeShape(mixtral({ intermediate_size: '2147483647' }), {}, { label: 'config.json' })).not.toThrow();
  });

  it('a per-layer list holding an overflowing entry', () => {
    const err = refused(mixtral({ num_local_experts: '[8, 1e999, 8]' }));
    expect(err.message).toBe('config.json: num_local_experts = [8,Infinity,8] holds a number past the largest float (e.g. 1e999); fix the config.json or pass `experts` <value>');
  });

  it('NaN, negative and fractional values keep their own messages', () => {
    expect(refused(mixtral({ intermediate_size: '-14336' })).message).toBe('config.json: intermediate_size = -14336 is not a positive integer; fix the config.json or pass `intermediate` <value>');
    expect(refused(mixtral({ intermediate_size: '1.5' })).message).toBe('config.json: intermediate_size = 1.5 is not a positive integer; fix the config.json or pass `intermediate` <value>');
  });

  it('overrides: a huge --intermediate is named in plain words, not the schema library\'s', () => {
    const err = refused(mixtral({}), { intermediate: 1e20 });
    expect(err).toBeInstanceOf(InvalidShapeOptionError);
    expect(err.message).toBe('`intermediate`: expected a positive integer up to 2147483647; pass e.g. `intermediate` 8');
  });
});

describe('kernelShapes options in plain words', () => {
  it('a huge or fractional --tp is named without the schema library\'s wording', async () => {
    const { kernelShapes } = await import('./kernel-shapes');
    const shape = resolveMoeShape(mixtral({}), {}, { label: 'config.json' });
    for (const tp of [1e20, 1.5, 0]) {
      expect(() => kernelShapes(shape, { tp, engine: 'sglang' })).toThrow('`tp`: expected a positive integer; pass e.g. `tp` 1,2,4,8');
    }
    expect(() => kernelShapes(shape, { tp: 1, ep: 1e20, engine: 'sglang' })).toThrow('`ep`: expected a positive integer; pass e.g. `ep` 1');
  });
});
