import type { Engine } from '@moe/engine-facts';
import { kernelShapes, loadModelConfig, resolveMoeShape, type DtypeOption, type KernelShape, type MoeShape } from '@moe/model-shapes';
import { layerShapeOf } from '@moe/native';
import { BenchOptionError } from './errors/bench-option-error';
import type { LayerDims } from './traffic';

/** The model a bench runs when none is given (the one `moe tune` tunes first). */
export const BENCH_DEFAULT_MODEL = 'LiquidAI/LFM2-8B-A1B';

/**
 * One MoE layer on one rank, as the bench times it and as the engine names its config file: its
 * LayerDims (E and N on this rank, K hidden, top-k, dtype mode, fp8 block) plus where they came from.
 */
export interface BenchShape extends LayerDims {
  /** How the model was named (a hub id, a path, a label). */
  model: string;
  architecture: string;
  engine: Engine;
  tp: number;
  ep: number;
  /** The engine's dtype string in file names (null: bf16/fp16). */
  dtype: string | null;
  /** N in the file name (differs from N only for packed int4). */
  fileN: number;
  perChannelQuant: boolean;
  configFile: string;
  downConfigFile: string | null;
}

/** The bench shape of a KernelShape (whose dtype the runner supports). */
export function benchShapeOf(model: string, k: KernelShape, activation: 'bf16' | 'fp16' = 'bf16'): BenchShape {
  if (k.fusedSharedExpert) {
    throw new BenchOptionError(
      `${model}: SGLang fuses a shared expert into the routed ones for this model (E=${k.localExperts}, always routed), which the bench's routing does not model; pass \`ep\` > 1 (no fusion) or a model without a shared expert`,
    );
  }
  let layer;
  try {
    layer = layerShapeOf(k, activation);
  } catch (err) {
    throw new BenchOptionError(`${model}: ${(err as Error).message}`, { cause: err });
  }
  return {
    model,
    architecture: k.architecture,
    engine: k.engine,
    tp: k.tp,
    ep: k.ep,
    E: layer.E,
    N: layer.N,
    K: layer.K,
    topk: layer.topk,
    mode: layer.mode,
    blockShape: layer.blockShape ? [layer.blockShape[0], layer.blockShape[1]] : null,
    dtype: k.dtype,
    fileN: k.fileN,
    perChannelQuant: k.perChannelQuant,
    configFile: k.configFile,
    downConfigFile: k.downConfigFile,
  };
}

export interface ShapeQuery {
  engine: Engine;
  tp: number;
  ep?: number;
  dtype?: DtypeOption;
  /** The GPU's name as its driver reports it (file names use the engine's spelling). */
  deviceName: string | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  revision?: string;
}

/** A MoE shape (resolved from a config.json or the catalog) on one rank, for the bench. */
export function shapeOfMoe(model: string, shape: MoeShape, q: ShapeQuery): BenchShape {
  const k = kernelShapes(shape, { tp: q.tp, ep: q.ep ?? 1, engine: q.engine, dtype: q.dtype ?? 'auto', deviceName: q.deviceName });
  return benchShapeOf(model, k);
}

/** Loads a model (config.json, folder, hub id or catalog name) and gives its bench shape. */
export async function loadBenchShape(model: string, q: ShapeQuery): Promise<BenchShape> {
  const loaded = await loadModelConfig(model, {
    ...(q.env ? { env: q.env } : {}),
    ...(q.cwd ? { cwd: q.cwd } : {}),
    ...(q.revision !== undefined ? { revision: q.revision } : {}),
  });
  return shapeOfMoe(model, resolveMoeShape(loaded.config, {}, { label: model }), q);
}
