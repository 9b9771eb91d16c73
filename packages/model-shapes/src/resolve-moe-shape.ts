import { z } from 'zod';
import { getPath, isObject, joinPath } from './config-fields';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { InvalidShapeOptionError } from './errors/invalid-shape-option-error';
import { type MoeFamily, findFamily } from './moe-families';
import {
  resolveDtype,
  resolveExpertWidth,
  resolveExperts,
  resolveHidden,
  resolveQuant,
  resolveSglangFusion,
  resolveSharedExperts,
  resolveTopk,
} from './moe-field-resolvers';
import { GENERIC_SCOPES, MAX_SHAPE_DIMENSION, NESTED_ROOTS } from './moe-keys';
import { ShapeReader, unique } from './shape-reader';
import type { MoeShape, MoeShapeOverrides } from './types';

export { GENERIC_SCOPES, EXPERT_KEYS, TOPK_KEYS, EXPERT_WIDTH_KEYS, HIDDEN_KEYS, MAX_SHAPE_DIMENSION } from './moe-keys';

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

function stringList(value: unknown): string[] {
  if (typeof value === 'string' && value) return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
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
    throw new InvalidShapeOptionError(`\`${flag}\`: expected a positive integer up to ${MAX_SHAPE_DIMENSION}; pass e.g. \`${flag}\` 8`);
  }
  const ov = parsedOverrides.data;

  const architectures = unique([
    ...stringList(config.architectures),
    ...NESTED_ROOTS.flatMap((s) => stringList(getPath(config, joinPath(s, 'architectures')))),
  ]);
  const modelTypes = unique([config.model_type, ...NESTED_ROOTS.map((s) => getPath(config, joinPath(s, 'model_type')))].flatMap(stringList));
  const fam: MoeFamily | null = findFamily(architectures, modelTypes);
  const architecture = architectures[0] ?? modelTypes[0] ?? 'unknown';
  const r = new ShapeReader(config, options.label ?? `config.json of ${architecture}`);

  const experts = resolveExperts(r, fam, fam ? fam.scopes : GENERIC_SCOPES, ov.experts);
  const topk = resolveTopk(r, fam, experts, ov.topk);
  const width = resolveExpertWidth(r, fam, architecture, experts, ov.intermediate);
  const hidden = resolveHidden(r, fam, experts.scope, ov.hidden);
  const shared = resolveSharedExperts(r, fam, width);
  const dtype = resolveDtype(r, experts.scope);
  const quant = resolveQuant(r, experts.scope);
  const sglangFusesSharedExpert = resolveSglangFusion(r, fam, architecture, shared.shared, width.value);

  return {
    architecture,
    label: options.label ?? architecture,
    modelType: modelTypes[0] ?? null,
    family: fam?.id ?? null,
    hidden: hidden.value,
    experts: experts.value,
    topk: topk.value,
    intermediate: width.value,
    sharedExperts: shared.shared,
    dtype: dtype.dtype,
    quant: quant.quant,
    sources: {
      architecture: architectures.length > 0 ? 'architectures' : modelTypes.length > 0 ? 'model_type' : null,
      hidden: hidden.source,
      experts: experts.source,
      topk: topk.source,
      intermediate: width.source,
      sharedExperts: shared.source,
      dtype: dtype.source,
      quant: quant.source,
    },
    notes: r.notes,
    sglangFusesSharedExpert,
  };
}
