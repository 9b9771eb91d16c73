// One resolver per field of a MoeShape, in the order resolveMoeShape runs them. Each reads through
// a ShapeReader (which names bad values) and returns the value and the key it came from.
import { type ConfigObject, type NumberField, getPath, isDivergent, joinPath, readString } from './config-fields';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { NotMoeModelError } from './errors/not-moe-model-error';
import { UnresolvedMoeFieldError } from './errors/unresolved-moe-field-error';
import type { MoeFamily } from './moe-families';
import { DTYPE_KEYS, EXPERT_KEYS, EXPERT_WIDTH_KEYS, HIDDEN_KEYS, QUANT_KEYS, SHARED_COUNT_KEYS, SHARED_WIDTH_KEYS, TOPK_KEYS } from './moe-keys';
import { parseQuantization } from './quantization';
import { type ShapeReader, unique } from './shape-reader';
import type { MoeQuant, MoeShape } from './types';

/** A resolved number and the key (or override) it came from. */
export interface Resolved {
  value: number;
  source: string;
}

/** The expert count and the text model's scope: the first scope holding a non-zero expert-count key. */
export interface ResolvedExperts extends Resolved {
  scope: string;
  /** The field read (undefined under an override), for the dense-layer evidence. */
  field: NumberField | undefined;
}

/**
 * The routed expert count. Sets the reader's scopes (the text model's first, then the others)
 * and, for a per-layer expert list, which layers are MoE layers.
 */
export function resolveExperts(r: ShapeReader, fam: MoeFamily | null, scopes: string[], override: number | undefined): ResolvedExperts {
  const expertKeys = unique([...(fam?.experts ?? []), ...EXPERT_KEYS]);
  let textScope: string | null = null;
  let expertsField: NumberField | undefined;
  let zeroExperts: string | null = null;
  for (const scope of scopes) {
    for (const key of expertKeys) {
      const field = r.read(joinPath(scope, key), 'experts');
      if (field === undefined) continue;
      if (!isDivergent(field) && field.value === 0) {
        // Dense checkpoints of MoE-capable families write 0 here; keep looking elsewhere.
        zeroExperts ??= field.key;
        continue;
      }
      if (isDivergent(field)) {
        if (override === undefined) r.divergent(field, 'experts');
        textScope = scope;
        break;
      }
      textScope = scope;
      expertsField = field;
      break;
    }
    if (textScope !== null) break;
  }
  if (textScope === null && override === undefined && zeroExperts !== null) {
    throw new NotMoeModelError(
      `${r.label}: not a Mixture-of-Experts model: ${zeroExperts} = 0 routed experts; if it is a MoE model, pass \`experts\` <routed experts> (with \`topk\` and \`intermediate\`)`,
    );
  }
  if (textScope === null && override === undefined) {
    const looked = scopes.flatMap((s) => expertKeys.map((k) => joinPath(s, k)));
    throw new NotMoeModelError(
      `${r.label}: not a Mixture-of-Experts model: no expert-count key found, looked for ${looked.join(', ')}; if it is a MoE model, pass \`experts\` <routed experts> (with \`topk\` and \`intermediate\`)`,
    );
  }
  const scope = textScope ?? scopes[0] ?? '';
  r.lookIn = unique([scope, ...scopes, '']);
  r.moeLayers = expertsField?.note ? (getPath(r.config, expertsField.key) as (number | null)[]).map((v) => typeof v === 'number' && v > 0) : undefined;
  if (override !== undefined) return { value: override, source: 'override (`experts`)', scope, field: expertsField };
  return { value: r.positive(expertsField as NumberField, 'experts'), source: (expertsField as NumberField).key, scope, field: expertsField };
}

/** Experts per token; never more than the routed experts. */
export function resolveTopk(r: ShapeReader, fam: MoeFamily | null, experts: ResolvedExperts, override: number | undefined): Resolved {
  const topkKeys = unique([...(fam?.topk ?? []), ...TOPK_KEYS]);
  let topk: Resolved;
  if (override !== undefined) topk = { value: override, source: 'override (`topk`)' };
  else {
    const field = r.find(topkKeys, 'topk');
    if (field === undefined) {
      throw new UnresolvedMoeFieldError(
        `${r.label}: no top-k key found, looked for ${topkKeys.map((k) => joinPath(experts.scope, k)).join(', ')}; pass \`topk\` <experts per token>`,
      );
    }
    if (isDivergent(field)) r.divergent(field, 'topk');
    topk = { value: r.positive(field as NumberField, 'topk'), source: (field as NumberField).key };
  }
  if (topk.value > experts.value) {
    throw new InvalidModelConfigError(
      `${r.label}: top-k ${topk.value} (${topk.source}) is more than the ${experts.value} routed experts (${experts.source}); fix the config.json or pass \`topk\` and \`experts\``,
    );
  }
  return topk;
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
 * The width of one routed expert. A MoE-specific key wins; `intermediate_size` counts only in
 * families where it is the expert width, or, for unknown architectures, when no MoE-specific
 * width key exists and no layer is declared dense.
 */
export function resolveExpertWidth(r: ShapeReader, fam: MoeFamily | null, architecture: string, experts: ResolvedExperts, override: number | undefined): Resolved {
  if (override !== undefined) return { value: override, source: 'override (`intermediate`)' };
  const { scope } = experts;
  const specific = r.find(EXPERT_WIDTH_KEYS, 'intermediate');
  const plain = specific === undefined ? r.find(['intermediate_size'], 'intermediate') : undefined;
  const candidates = [...EXPERT_WIDTH_KEYS, 'intermediate_size'].map((k) => joinPath(scope, k));
  let field = specific;
  if (field === undefined && plain !== undefined) {
    const plainDesc = isDivergent(plain) ? `${plain.key} = [${plain.values.join(', ')}]` : `${plain.key} = ${plain.value}`;
    if (fam) {
      if (!fam.intermediateSizeIsExpertWidth) {
        throw new UnresolvedMoeFieldError(
          `${r.label}: no expert width: ${fam.id} keeps its dense MLP width in intermediate_size (${plainDesc}) and none of ${EXPERT_WIDTH_KEYS.join(', ')} is set; pass \`intermediate\` <width of one expert>`,
        );
      }
    } else {
      const evidence = denseLayerEvidence(r.config, scope, experts.field);
      const denseKey = ['intermediate_size_mlp', 'dense_intermediate_size'].find((k) => getPath(r.config, joinPath(scope, k)) !== undefined);
      // A per-layer list that holds one width in the MoE layers and another in the dense ones names both.
      const splitByLayer = r.moeLayers !== undefined && !isDivergent(plain) && plain.layersDiffer === true;
      if (evidence.length > 0 && !denseKey && !splitByLayer) {
        throw new UnresolvedMoeFieldError(
          `${r.label}: cannot tell the expert width of ${architecture}: no MoE-specific key (${EXPERT_WIDTH_KEYS.join(', ')}) and ${plainDesc} may be the dense MLP's (${evidence.join(', ')}); candidates: ${candidates.join(', ')}; pass \`intermediate\` <width of one expert>`,
        );
      }
      if (!splitByLayer) {
        r.notes.push(
          denseKey
            ? `${plainDesc} taken as the expert width: the dense MLP has its own key (${joinPath(scope, denseKey)})`
            : `${plainDesc} taken as the expert width: no MoE-specific width key and no dense layers declared`,
        );
      }
    }
    field = plain;
  }
  if (field === undefined) {
    throw new UnresolvedMoeFieldError(`${r.label}: no expert width found, looked for ${candidates.join(', ')}; pass \`intermediate\` <width of one expert>`);
  }
  if (isDivergent(field)) r.divergent(field, 'intermediate');
  return { value: r.positive(field as NumberField, 'intermediate'), source: (field as NumberField).key };
}

/** K, the hidden size. */
export function resolveHidden(r: ShapeReader, fam: MoeFamily | null, scope: string, override: number | undefined): Resolved {
  if (override !== undefined) return { value: override, source: 'override (`hidden`)' };
  const field = r.find(unique([...(fam?.hidden ?? []), ...HIDDEN_KEYS]), null);
  if (field === undefined || isDivergent(field)) {
    throw new InvalidModelConfigError(`${r.label}: no hidden size found, looked for ${HIDDEN_KEYS.map((k) => joinPath(scope, k)).join(', ')}; pass a complete config.json`);
  }
  return { value: r.positive(field, null), source: field.key };
}

/** The shared experts (count x width), or null; `width` is the routed expert width. */
export function resolveSharedExperts(r: ShapeReader, fam: MoeFamily | null, width: Resolved): { shared: MoeShape['sharedExperts']; source: string | null } {
  if (fam?.shared === 'one-of-expert-width') return { shared: { count: 1, intermediate: width.value }, source: `implicit: one shared expert as wide as ${width.source}` };
  if (fam?.shared === 'none') return { shared: null, source: null };
  const countField = r.find(SHARED_COUNT_KEYS, null);
  const widthField = r.find(SHARED_WIDTH_KEYS, null);
  const count = countField && !isDivergent(countField) ? countField.value : undefined;
  const sharedWidth = widthField && !isDivergent(widthField) ? widthField.value : undefined;
  if (sharedWidth !== undefined && sharedWidth > 0 && count !== 0) {
    const source = count !== undefined ? `${(countField as NumberField).key} x ${(widthField as NumberField).key}` : (widthField as NumberField).key;
    return { shared: { count: count ?? 1, intermediate: sharedWidth }, source };
  }
  if (sharedWidth === undefined && count !== undefined && count > 0) {
    return { shared: { count, intermediate: width.value }, source: `${(countField as NumberField).key} x ${width.source}` };
  }
  return { shared: null, source: null };
}

/** The checkpoint's torch dtype as written, from the root or the text model's scope. */
export function resolveDtype(r: ShapeReader, scope: string): { dtype: string | null; source: string | null } {
  for (const s of unique(['', scope])) {
    for (const key of DTYPE_KEYS) {
      const v = readString(r.config, joinPath(s, key));
      if (v) return { dtype: v, source: joinPath(s, key) };
    }
  }
  return { dtype: null, source: null };
}

/** The quantization as far as the kernel cares, from the root or the text model's scope. */
export function resolveQuant(r: ShapeReader, scope: string): { quant: MoeQuant | null; source: string | null } {
  for (const s of unique(['', scope])) {
    for (const key of QUANT_KEYS) {
      const q = parseQuantization(getPath(r.config, joinPath(s, key)));
      if (q) {
        if (q.kernelDtype === null) {
          r.notes.push(`quantization ${q.method} does not run the Triton fused-MoE kernel with a dtype string: names use the unquantised form; pass \`dtype\` to pick one`);
        }
        return { quant: q, source: joinPath(s, key) };
      }
    }
  }
  return { quant: null, source: null };
}

/** Whether SGLang fuses one shared expert into the routed ones for this family and config. */
export function resolveSglangFusion(r: ShapeReader, fam: MoeFamily | null, architecture: string, shared: MoeShape['sharedExperts'], width: number): boolean {
  const singleShared = shared !== null && shared.count === 1 && shared.intermediate === width;
  const fusion = fam?.sglangFusion ?? 'never';
  if (fusion === 'single-shared' && !singleShared) {
    r.notes.push(
      `SGLang fuses a shared expert for ${architecture} only when there is exactly one as wide as a routed expert; this config has ${shared ? `${shared.count} x ${shared.intermediate}` : 'none'}, so E has no fused expert`,
    );
  }
  return fusion === 'always' || (fusion === 'single-shared' && singleShared);
}
