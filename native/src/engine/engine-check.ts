import type { EngineBufferRole, EngineLaunchPlan } from './engine-binding';

/** One kernel argument as the engine's launch passed it (engine_call.describe in Python). */
export type RecordedArg =
  | { readonly kind: 'none' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'dtype'; readonly value: string }
  | {
      readonly kind: 'tensor';
      /** The call-site input it views, or null for a tensor the launch function made (e.g. quantised activations). */
      readonly input: string | null;
      readonly dtype: string;
      readonly shape: readonly number[];
      readonly stride: readonly number[];
      readonly aligned16: boolean;
    }
  | { readonly kind: 'other'; readonly type: string; readonly repr: string };

/** The engine's own launch of its kernel, recorded by the self-check (PROTOCOL.md "engine_check"). */
export interface EngineLaunchRecord {
  readonly params: Readonly<Record<string, RecordedArg>>;
  /** Kernel params the launch passed no value for (the kernel's defaults applied). */
  readonly missing: readonly string[];
  /** Launch options besides the params: num_warps, num_stages, ... */
  readonly options: Readonly<Record<string, unknown>>;
  readonly grid: readonly number[];
}

/** The call-site tensor each buffer role is (engine_call.py names them so). */
export const ROLE_INPUT: Readonly<Record<EngineBufferRole, string | null>> = {
  a: 'A',
  b: 'B',
  c: 'C',
  a_scale: 'A_scale',
  b_scale: 'B_scale',
  topk_weights: 'topk_weights',
  topk_ids: 'topk_ids',
  sorted_token_ids: 'sorted_token_ids',
  expert_ids: 'expert_ids',
  num_tokens_post_padded: 'num_tokens_post_padded',
  // vLLM's naive path makes this one-int tensor itself.
  naive_ntpp: null,
};

/** Roles the engine's launch function may compute from the inputs itself (SGLang quantises activations). */
const MAY_BE_DERIVED: ReadonlySet<EngineBufferRole> = new Set(['a', 'a_scale', 'naive_ntpp']);

const TRITON_DTYPE: Readonly<Record<string, string>> = { 'tl.bfloat16': 'bf16', 'tl.float16': 'fp16', 'tl.float32': 'fp32' };

function show(a: RecordedArg | undefined): string {
  return a === undefined ? 'nothing' : JSON.stringify(a);
}

/**
 * Every difference between MoE Kit's binding of a launch and the engine's own launch of the same
 * call: each param (buffer role, integer, absent pointer, constexpr), the launch options and the
 * grid. Empty when MoE Kit launches exactly what the engine launches.
 */
export function compareEngineLaunch(plan: EngineLaunchPlan, record: EngineLaunchRecord): string[] {
  const diffs: string[] = [];
  for (const name of record.missing) diffs.push(`${name}: the engine passed no value (the kernel's default applied); MoE Kit binds it`);
  for (const { name, arg } of plan.args) {
    const got = record.params[name];
    if ('none' in arg) {
      if (got?.kind !== 'none') diffs.push(`${name}: MoE Kit passes None, the engine passed ${show(got)}`);
      continue;
    }
    if ('int' in arg) {
      if (got?.kind !== 'int' || got.value !== arg.int) diffs.push(`${name}: MoE Kit passes ${arg.int}, the engine passed ${show(got)}`);
      continue;
    }
    const want = ROLE_INPUT[arg.role];
    const type = plan.request.types?.[name]?.replace(/^\*/, '');
    if (got?.kind !== 'tensor') {
      diffs.push(`${name}: MoE Kit passes the ${arg.role} buffer, the engine passed ${show(got)}`);
      continue;
    }
    if (got.input !== want && !(got.input === null && MAY_BE_DERIVED.has(arg.role))) {
      diffs.push(`${name}: MoE Kit passes the ${arg.role} buffer (${want ?? 'made by the launch'}), the engine passed ${got.input ?? 'a tensor it made'}`);
    }
    if (type !== undefined && got.dtype !== type) diffs.push(`${name}: MoE Kit compiles it as *${type}, the engine passed a ${got.dtype} tensor`);
    if (!got.aligned16) diffs.push(`${name}: the engine's tensor is not 16-byte aligned (MoE Kit compiles it as aligned)`);
  }
  for (const [name, want] of Object.entries(plan.constexprs)) {
    const got = record.params[name];
    let same: boolean;
    if (typeof want === 'boolean') same = got?.kind === 'bool' && got.value === want;
    else if (typeof want === 'number') same = got?.kind === 'int' && got.value === want;
    else if (typeof want === 'string') same = got?.kind === 'dtype' && got.value === TRITON_DTYPE[want];
    else same = got?.kind === 'none';
    if (!same) diffs.push(`${name}: MoE Kit compiles it as ${JSON.stringify(want)}, the engine passed ${show(got)}`);
  }
  for (const key of ['num_warps', 'num_stages'] as const) {
    const want = plan.request[key];
    if (record.options[key] !== want) diffs.push(`${key}: MoE Kit compiles with ${want}, the engine launched with ${JSON.stringify(record.options[key])}`);
  }
  for (const [key, value] of Object.entries(record.options)) {
    if (key !== 'num_warps' && key !== 'num_stages') diffs.push(`option ${key}=${JSON.stringify(value)}: the engine passes it, MoE Kit does not`);
  }
  const grid = [...record.grid, 1, 1, 1].slice(0, 3);
  if (grid.join(',') !== plan.grid.join(',')) diffs.push(`grid: MoE Kit launches [${plan.grid.join(', ')}], the engine launched [${grid.join(', ')}]`);
  return diffs;
}
