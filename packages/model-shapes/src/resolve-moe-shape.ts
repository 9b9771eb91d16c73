import { z } from 'zod';
import {
  type ConfigObject,
  type DivergentList,
  type NumberField,
  getPath,
  isDivergent,
  isObject,
  joinPath,
  readNumber,
  readString,
} from './config-fields';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import { NotMoeModelError } from './errors/not-moe-model-error';
import { UnresolvedMoeFieldError } from './errors/unresolved-moe-field-error';
import { type MoeFamily, findFamily } from './moe-families';
import { parseQuantization } from './quantization';
import type { MoeShape, MoeShapeOverrides } from './types';

/** Where a text model's fields may live in configs of architectures we have never seen. */
export const GENERIC_SCOPES = ['', 'text_config', 'thinker_config.text_config', 'language_config', 'llm_config'];
export const EXPERT_KEYS = ['num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_experts', 'ffn_config.moe_num_experts'];
export const TOPK_KEYS = ['num_experts_per_tok', 'moe_top_k', 'moe_k', 'moe_topk', 'top_k_experts', 'ffn_config.moe_top_k', 'experts_per_token'];
/** Keys that can only mean the width of one expert. */
export const EXPERT_WIDTH_KEYS = ['moe_intermediate_size', 'ffn_config.ffn_hidden_size', 'expert_hidden_dim'];
export const HIDDEN_KEYS = ['hidden_size', 'd_model', 'n_embd'];
const SHARED_COUNT_KEYS = ['n_shared_experts', 'num_shared_experts', 'num_shared_expert', 'moe_num_shared_experts'];
const SHARED_WIDTH_KEYS = ['shared_expert_intermediate_size', 'moe_shared_expert_intermediate_size', 'shared_intermediate_size', 'share_expert_dim'];
const DTYPE_KEYS = ['torch_dtype', 'dtype'];
const QUANT_KEYS = ['quantization_config', 'compression_config'];

/**
 * The largest expert count, top-k or width taken from a config.json or an override: no model
 * comes near it, and every shape derived from it (2 x width, file names, lookups) stays exact.
 */
export const MAX_SHAPE_DIMENSION = 2 ** 31 - 1;

const dimension = z.number().int().positive().max(MAX_SHAPE_DIMENSION);
const overridesSchema = z.object({
  experts: dimension.optional(),
  topk: dimension.optional(),
  intermediate: dimension.optional(),
  hidden: dimension.optional(),
});

export interface ResolveOptions {
  /** How errors name the input (a path, a model id); defaults to "config.json of <architecture>". */
  label?: string;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string' && value) return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

/** Evidence that some layers are dense, so `intermediate_size` may be their MLP width. */
function denseLayerEvidence(config: ConfigObject, scope: string, expertsList: NumberField | undefined): string[] {
  const found: string[] = [];
  const num = (key: string) => {
    const v = getPath(config, joinPath(scope, key));
    return typeof v === 'number' ? v : undefined;
  };
  for (const key of ['first_k_dense_replace', 'num_dense_layers']) {
    const v = num(key);
    if (v !== undefined && v > 0) found.push(`${key}=${v}`);
  }
  const moeStart = num('moe_layer_start_index');
  if (moeStart !== undefined && moeStart > 0) found.push(`moe_layer_start_index=${moeStart}`);
  for (const key of ['decoder_sparse_step', 'moe_layer_freq', 'interleave_moe_layer_step', 'expert_layer_period', 'moe_every_n_layers']) {
    const v = num(key);
    if (v !== undefined && v > 1) found.push(`${key}=${v}`);
    // A per-layer 0/1 list (1 = MoE layer).
    const list = getPath(config, joinPath(scope, key));
    if (Array.isArray(list) && list.some((x) => x === 0 || x === false)) found.push(`${key}=[${list.join(',')}]`);
  }
  const mlpOnly = getPath(config, joinPath(scope, 'mlp_only_layers'));
  if (Array.isArray(mlpOnly) && mlpOnly.length > 0) found.push(`mlp_only_layers=[${mlpOnly.join(',')}]`);
  const mlpTypes = getPath(config, joinPath(scope, 'mlp_layer_types'));
  if (Array.isArray(mlpTypes) && mlpTypes.includes('dense')) found.push(`mlp_layer_types has dense layers`);
  if (expertsList?.layersDiffer) found.push(`${expertsList.key} has dense layers`);
  return found;
}

/**
 * Resolves a model's MoE shape from its config.json: known families through an explicit table,
 * any other architecture through the generic aliases (EXPERT_KEYS, TOPK_KEYS, EXPERT_WIDTH_KEYS,
 * HIDDEN_KEYS) in the root or a nested text config. A dense MLP width is never taken for an expert
 * width: `intermediate_size` counts only in families where it is the expert width, or, for unknown
 * architectures, when no MoE-specific width key exists and no layer is declared dense.
 */
export function resolveMoeShape(config: unknown, overrides: MoeShapeOverrides = {}, options: ResolveOptions = {}): MoeShape {
  if (!isObject(config)) {
    const got = Array.isArray(config) ? 'an array' : config === null ? 'null' : typeof config;
    throw new InvalidModelConfigError(
      `${options.label ?? 'model config'}: expected a JSON object (a config.json), got ${got}; pass a Hugging Face config.json, its folder or a model id`,
    );
  }
  const parsedOverrides = overridesSchema.safeParse(overrides);
  if (!parsedOverrides.success) {
    const issue = parsedOverrides.error.issues[0];
    const flag = String(issue?.path[0] ?? 'override');
    throw new InvalidShapeOptionError(`--${flag}: expected a positive integer up to ${MAX_SHAPE_DIMENSION}; pass e.g. --${flag} 8`);
  }
  const ov = parsedOverrides.data;

  const nestedRoots = ['text_config', 'thinker_config.text_config', 'language_config', 'llm_config'];
  const architectures = unique([
    ...stringList(config.architectures),
    ...nestedRoots.flatMap((s) => stringList(getPath(config, joinPath(s, 'architectures')))),
  ]);
  const modelTypes = unique([config.model_type, ...nestedRoots.map((s) => getPath(config, joinPath(s, 'model_type')))].flatMap(stringList));
  const fam: MoeFamily | null = findFamily(architectures, modelTypes);
  const architecture = architectures[0] ?? modelTypes[0] ?? 'unknown';
  const label = options.label ?? `config.json of ${architecture}`;
  const notes: string[] = [];

  const scopes = fam ? fam.scopes : GENERIC_SCOPES;
  const expertKeys = unique([...(fam?.experts ?? []), ...EXPERT_KEYS]);

  const positive = (field: NumberField, flag: string | null): number => {
    if (!Number.isInteger(field.value) || field.value <= 0) {
      throw new InvalidModelConfigError(
        `${label}: ${field.key} = ${field.value} is not a positive integer; fix the config.json${flag ? ` or pass --${flag} <value>` : ''}`,
      );
    }
    if (field.value > MAX_SHAPE_DIMENSION) {
      throw new InvalidModelConfigError(
        `${label}: ${field.key} = ${BigInt(field.value)} is over ${MAX_SHAPE_DIMENSION} (2^31-1), too large for a kernel dimension; fix the config.json${flag ? ` or pass --${flag} <value>` : ''}`,
      );
    }
    if (field.note) notes.push(field.note);
    return field.value;
  };
  const divergent = (d: DivergentList, flag: string): never => {
    throw new UnresolvedMoeFieldError(
      `${label}: ${d.key} differs across MoE layers (${d.values.join(', ')}), so one kernel shape does not fit every layer; pass --${flag} <value> for the layers you want to tune`,
    );
  };

  /** readNumber, but a value of the wrong type (a quoted number, a boolean) is named, not skipped. */
  const read = (path: string, flag: string | null, layers?: boolean[]): NumberField | DivergentList | undefined => {
    const raw = getPath(config, path);
    if (typeof raw === 'string' || typeof raw === 'boolean' || isObject(raw)) {
      throw new InvalidModelConfigError(
        `${label}: ${path} = ${JSON.stringify(raw)} is not a number; fix the config.json${flag ? ` or pass --${flag} <value>` : ''}`,
      );
    }
    // JSON reads 1e999 as Infinity: named here, where readNumber would skip it as "not numeric".
    const fix = `fix the config.json${flag ? ` or pass --${flag} <value>` : ''}`;
    if (typeof raw === 'number' && !Number.isFinite(raw)) {
      throw new InvalidModelConfigError(
        Number.isNaN(raw) ? `${label}: ${path} = NaN is not a number; ${fix}` : `${label}: ${path} = ${raw} (a number past the largest float, e.g. 1e999) is not a finite number; ${fix}`,
      );
    }
    if (Array.isArray(raw) && raw.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
      throw new InvalidModelConfigError(`${label}: ${path} = [${raw.map(String).join(',')}] holds ${raw.some((v) => Number.isNaN(v)) ? 'NaN' : 'a number past the largest float (e.g. 1e999)'}; ${fix}`);
    }
    return readNumber(config, path, layers);
  };

  // Experts: the first scope holding a non-zero expert-count key is the text model's scope.
  let textScope: string | null = null;
  let expertsField: NumberField | undefined;
  let zeroExperts: string | null = null;
  for (const scope of scopes) {
    for (const key of expertKeys) {
      const field = read(joinPath(scope, key), 'experts');
      if (field === undefined) continue;
      if (!isDivergent(field) && field.value === 0) {
        // Dense checkpoints of MoE-capable families write 0 here; keep looking elsewhere.
        zeroExperts ??= field.key;
        continue;
      }
      if (isDivergent(field)) {
        if (ov.experts === undefined) divergent(field, 'experts');
        textScope = scope;
        break;
      }
      textScope = scope;
      expertsField = field;
      break;
    }
    if (textScope !== null) break;
  }
  if (textScope === null && ov.experts === undefined && zeroExperts !== null) {
    throw new NotMoeModelError(
      `${label}: not a Mixture-of-Experts model: ${zeroExperts} = 0 routed experts; if it is a MoE model, pass --experts <routed experts> (with --topk and --intermediate)`,
    );
  }
  if (textScope === null && ov.experts === undefined) {
    const looked = scopes.flatMap((s) => expertKeys.map((k) => joinPath(s, k)));
    throw new NotMoeModelError(
      `${label}: not a Mixture-of-Experts model: no expert-count key found, looked for ${looked.join(', ')}; if it is a MoE model, pass --experts <routed experts> (with --topk and --intermediate)`,
    );
  }
  const scope = textScope ?? scopes[0] ?? '';
  const lookIn = unique([scope, ...scopes, '']);
  const moeLayers = expertsField?.note ? (getPath(config, expertsField.key) as (number | null)[]).map((v) => typeof v === 'number' && v > 0) : undefined;

  const find = (keys: string[], flag: string | null): NumberField | DivergentList | undefined => {
    for (const s of lookIn) {
      for (const key of keys) {
        const field = read(joinPath(s, key), flag, moeLayers);
        if (field !== undefined) return field;
      }
    }
    return undefined;
  };

  let experts: number;
  let expertsSource: string;
  if (ov.experts !== undefined) {
    experts = ov.experts;
    expertsSource = 'override (--experts)';
  } else {
    experts = positive(expertsField as NumberField, 'experts');
    expertsSource = (expertsField as NumberField).key;
  }

  // Top-k.
  const topkKeys = unique([...(fam?.topk ?? []), ...TOPK_KEYS]);
  let topk: number;
  let topkSource: string;
  if (ov.topk !== undefined) {
    topk = ov.topk;
    topkSource = 'override (--topk)';
  } else {
    const field = find(topkKeys, 'topk');
    if (field === undefined) {
      throw new UnresolvedMoeFieldError(
        `${label}: no top-k key found, looked for ${topkKeys.map((k) => joinPath(scope, k)).join(', ')}; pass --topk <experts per token>`,
      );
    }
    if (isDivergent(field)) divergent(field, 'topk');
    topk = positive(field as NumberField, 'topk');
    topkSource = (field as NumberField).key;
  }
  if (topk > experts) {
    throw new InvalidModelConfigError(
      `${label}: top-k ${topk} (${topkSource}) is more than the ${experts} routed experts (${expertsSource}); fix the config.json or pass --topk and --experts`,
    );
  }

  // Expert width: a MoE-specific key wins; intermediate_size only where it is the expert width.
  let intermediate: number;
  let intermediateSource: string;
  if (ov.intermediate !== undefined) {
    intermediate = ov.intermediate;
    intermediateSource = 'override (--intermediate)';
  } else {
    const specific = find(EXPERT_WIDTH_KEYS, 'intermediate');
    const plain = specific === undefined ? find(['intermediate_size'], 'intermediate') : undefined;
    const candidates = [...EXPERT_WIDTH_KEYS, 'intermediate_size'].map((k) => joinPath(scope, k));
    let field = specific;
    if (field === undefined && plain !== undefined) {
      const plainDesc = isDivergent(plain) ? `${plain.key} = [${plain.values.join(', ')}]` : `${plain.key} = ${plain.value}`;
      if (fam) {
        if (!fam.intermediateSizeIsExpertWidth) {
          throw new UnresolvedMoeFieldError(
            `${label}: no expert width: ${fam.id} keeps its dense MLP width in intermediate_size (${plainDesc}) and none of ${EXPERT_WIDTH_KEYS.join(', ')} is set; pass --intermediate <width of one expert>`,
          );
        }
        field = plain;
      } else {
        const evidence = denseLayerEvidence(config, scope, expertsField);
        const denseKey = ['intermediate_size_mlp', 'dense_intermediate_size'].find((k) => getPath(config, joinPath(scope, k)) !== undefined);
        // A per-layer list that holds one width in the MoE layers and another in the dense ones names both.
        const splitByLayer = moeLayers !== undefined && !isDivergent(plain) && plain.layersDiffer === true;
        if (evidence.length > 0 && !denseKey && !splitByLayer) {
          throw new UnresolvedMoeFieldError(
            `${label}: cannot tell the expert width of ${architecture}: no MoE-specific key (${EXPERT_WIDTH_KEYS.join(', ')}) and ${plainDesc} may be the dense MLP's (${evidence.join(', ')}); candidates: ${candidates.join(', ')}; pass --intermediate <width of one expert>`,
          );
        }
        if (!splitByLayer) {
          notes.push(
            denseKey
              ? `${plainDesc} taken as the expert width: the dense MLP has its own key (${joinPath(scope, denseKey)})`
              : `${plainDesc} taken as the expert width: no MoE-specific width key and no dense layers declared`,
          );
        }
        field = plain;
      }
    }
    if (field === undefined) {
      throw new UnresolvedMoeFieldError(
        `${label}: no expert width found, looked for ${candidates.join(', ')}; pass --intermediate <width of one expert>`,
      );
    }
    if (isDivergent(field)) divergent(field, 'intermediate');
    intermediate = positive(field as NumberField, 'intermediate');
    intermediateSource = (field as NumberField).key;
  }

  // Hidden size K.
  let hidden: number;
  let hiddenSource: string;
  if (ov.hidden !== undefined) {
    hidden = ov.hidden;
    hiddenSource = 'override (--hidden)';
  } else {
    const field = find(unique([...(fam?.hidden ?? []), ...HIDDEN_KEYS]), null);
    if (field === undefined || isDivergent(field)) {
      throw new InvalidModelConfigError(
        `${label}: no hidden size found, looked for ${HIDDEN_KEYS.map((k) => joinPath(scope, k)).join(', ')}; pass a complete config.json`,
      );
    }
    hidden = positive(field, null);
    hiddenSource = field.key;
  }

  // Shared experts.
  let sharedExperts: MoeShape['sharedExperts'] = null;
  let sharedSource: string | null = null;
  if (fam?.shared === 'one-of-expert-width') {
    sharedExperts = { count: 1, intermediate };
    sharedSource = `implicit: one shared expert as wide as ${intermediateSource}`;
  } else if (fam?.shared !== 'none') {
    const countField = find(SHARED_COUNT_KEYS, null);
    const widthField = find(SHARED_WIDTH_KEYS, null);
    const count = countField && !isDivergent(countField) ? countField.value : undefined;
    const width = widthField && !isDivergent(widthField) ? widthField.value : undefined;
    if (width !== undefined && width > 0 && count !== 0) {
      sharedExperts = { count: count ?? 1, intermediate: width };
      sharedSource = count !== undefined ? `${(countField as NumberField).key} x ${(widthField as NumberField).key}` : (widthField as NumberField).key;
    } else if (width === undefined && count !== undefined && count > 0) {
      sharedExperts = { count, intermediate };
      sharedSource = `${(countField as NumberField).key} x ${intermediateSource}`;
    }
  }

  // dtype and quantization.
  let dtype: string | null = null;
  let dtypeSource: string | null = null;
  for (const s of unique(['', scope])) {
    for (const key of DTYPE_KEYS) {
      const v = readString(config, joinPath(s, key));
      if (v && dtype === null) {
        dtype = v;
        dtypeSource = joinPath(s, key);
      }
    }
  }
  let quant = null;
  let quantSource: string | null = null;
  for (const s of unique(['', scope])) {
    for (const key of QUANT_KEYS) {
      const q = parseQuantization(getPath(config, joinPath(s, key)));
      if (q && quant === null) {
        quant = q;
        quantSource = joinPath(s, key);
      }
    }
  }
  if (quant && quant.kernelDtype === null) {
    notes.push(
      `quantization ${quant.method} does not run the Triton fused-MoE kernel with a dtype string: names use the unquantised form; pass --dtype to pick one`,
    );
  }

  const singleShared = sharedExperts !== null && sharedExperts.count === 1 && sharedExperts.intermediate === intermediate;
  const fusion = fam?.sglangFusion ?? 'never';
  const sglangFusesSharedExpert = fusion === 'always' || (fusion === 'single-shared' && singleShared);
  if (fusion === 'single-shared' && !singleShared) {
    notes.push(
      `SGLang fuses a shared expert for ${architecture} only when there is exactly one as wide as a routed expert; this config has ${sharedExperts ? `${sharedExperts.count} x ${sharedExperts.intermediate}` : 'none'}, so E has no fused expert`,
    );
  }

  return {
    architecture,
    label: options.label ?? architecture,
    modelType: modelTypes[0] ?? null,
    family: fam?.id ?? null,
    hidden,
    experts,
    topk,
    intermediate,
    sharedExperts,
    dtype,
    quant,
    sources: {
      architecture: architectures.length > 0 ? 'architectures' : modelTypes.length > 0 ? 'model_type' : null,
      hidden: hiddenSource,
      experts: expertsSource,
      topk: topkSource,
      intermediate: intermediateSource,
      sharedExperts: sharedSource,
      dtype: dtypeSource,
      quant: quantSource,
    },
    notes,
    sglangFusesSharedExpert,
  };
}
