import type { Engine } from '@moe/engine-facts';

/** What `--dtype` accepts: `auto` reads the model's quantization_config. */
export type DtypeOption = 'auto' | 'bf16' | 'fp16' | 'fp8_w8a8' | 'int8_w8a8' | 'int8_w8a16' | 'int4_w4a16';

/** The dtype strings the engines put in config file names (null: bf16/fp16, no dtype part). */
export type EngineDtype = 'fp8_w8a8' | 'int8_w8a8' | 'int8_w8a16' | 'int4_w4a16';

/** A model's quantization as far as the fused-MoE kernel cares. */
export interface MoeQuant {
  /** quantization_config.quant_method as written (fp8, compressed-tensors, awq, gptq, mxfp4, ...). */
  method: string;
  /** Weight block [bn, bk] of block-wise quantization (fp8 weight_block_size, compressed-tensors block_structure). */
  blockShape?: [number, number];
  /** activation_scheme (dynamic / static) where the config says it. */
  activationScheme?: string;
  /** Weights quantised per output channel (SGLang names such files `per_channel_quant=True`). */
  perChannel?: boolean;
  /** The kernel dtype string this quantization runs the fused-MoE Triton kernel with, or null when it has none. */
  kernelDtype: EngineDtype | null;
}

/** Where each value of a MoeShape came from: a key path in the config.json, or an override. */
export interface MoeShapeSources {
  architecture: string | null;
  hidden: string;
  experts: string;
  topk: string;
  intermediate: string;
  sharedExperts: string | null;
  dtype: string | null;
  quant: string | null;
}

/** A model's Mixture-of-Experts shape, independent of parallelism and engine. */
export interface MoeShape {
  /** architectures[0] of the config (or of text_config), else the model_type, else 'unknown'. */
  architecture: string;
  /** How errors name this model: the label given to resolveMoeShape (a path, a model id), else the architecture. */
  label: string;
  modelType: string | null;
  /** The known family whose rules resolved it, or null when the generic resolver did. */
  family: string | null;
  /** K: the hidden size. */
  hidden: number;
  /** Routed experts (shared experts not counted). */
  experts: number;
  topk: number;
  /** I: the intermediate size of ONE routed expert. */
  intermediate: number;
  sharedExperts: { count: number; intermediate: number } | null;
  /** The checkpoint's torch dtype as written (bfloat16, float16, ...), or null. */
  dtype: string | null;
  quant: MoeQuant | null;
  /** For every number above, the key it came from. */
  sources: MoeShapeSources;
  /** Things a reader should know (per-layer lists, keys taken as expert width, ...). */
  notes: string[];
  /** SGLang fuses one shared expert into the routed ones for this architecture (at ep=1). */
  sglangFusesSharedExpert: boolean;
}

/** Overrides for values the config doesn't hold or holds ambiguously. */
export interface MoeShapeOverrides {
  experts?: number;
  topk?: number;
  intermediate?: number;
  hidden?: number;
}

export interface KernelShapeOptions {
  tp: number;
  ep?: number;
  engine: Engine;
  dtype?: DtypeOption;
  /** The GPU name as the driver reports it ("NVIDIA H100 80GB HBM3"); null/undefined keeps `{device}`. */
  deviceName?: string | null;
}

/** The fused-MoE kernel shape on one rank for one engine, and the file names that engine looks for. */
export interface KernelShape {
  engine: Engine;
  tp: number;
  ep: number;
  architecture: string;
  /** K */
  hidden: number;
  /** Routed experts of the model. */
  experts: number;
  topk: number;
  /** I of one expert. */
  intermediate: number;
  /** E in the file name: experts on this rank (+1 where SGLang fuses a shared expert). */
  localExperts: number;
  /** I / (tp / ep): the expert intermediate size on this rank. */
  shardIntermediate: number;
  /** N in the file name: shardIntermediate (SGLang halves it once more for packed int4_w4a16). */
  fileN: number;
  /** SGLang fused one shared expert into the routed ones here. */
  fusedSharedExpert: boolean;
  dtype: EngineDtype | null;
  blockShape: [number, number] | null;
  perChannelQuant: boolean;
  /** Engine-normalised device name; null keeps the `{device}` placeholder in names. */
  deviceName: string | null;
  configFile: string;
  /** SGLang's separate down-projection file; null for vLLM (one file drives both GEMMs). */
  downConfigFile: string | null;
  notes: string[];
}

/** A loaded config.json and where it came from. */
export interface LoadedModelConfig {
  config: Record<string, unknown>;
  origin: 'file' | 'hub-cache' | 'hub' | 'catalog';
  /** The file path, the hub URL, or `catalog:<id>`. */
  location: string;
  /** Catalog entries only: values not confirmed against the real config.json. */
  unconfirmed?: string[];
}

export interface LoadModelConfigOptions {
  revision?: string;
  /** Never touch the network (also set by HF_HUB_OFFLINE=1 in env). */
  offline?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Consult the embedded catalog (default true; ignored when a revision is given). */
  catalog?: boolean;
  /** fetch to use for the hub (tests, proxies). */
  fetch?: typeof fetch;
}
