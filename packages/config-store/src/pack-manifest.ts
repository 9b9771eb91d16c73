import { z } from 'zod';
import { issueWords } from './issue-words';
import { BadPackError } from './errors/bad-pack-error';
import { unsafeNameReason } from '@moe/engine-facts';

const safePath = z
  .string()
  .min(1)
  .max(1000)
  .refine((p) => p.split('/').every((part) => unsafeNameReason(part) === null), 'must be a relative path without "..", "\\\\" or NUL')
  .refine((p) => !p.startsWith('/'), 'must be relative');

const measurement = z.object({
  /** Mean kernel time of the tuned config, microseconds. */
  tunedUs: z.number().positive().finite(),
  /** Mean kernel time of the engine's default config, microseconds (null when not measured). */
  defaultUs: z.number().positive().finite().nullable(),
  /** ISO date of the measurement. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be an ISO date (YYYY-MM-DD)'),
});

const servedBy = z.object({
  model: z.string().min(1).max(300),
  tp: z.number().int().positive(),
  ep: z.number().int().positive().default(1),
});

const packFile = z.object({
  /** Path inside the pack, SGLang layout: configs/triton_X_Y_Z/<name>. */
  path: safePath,
  /** sha256 of the file's bytes, hex. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The vLLM name of the same configs (a copy lives at vllm/<name>), or null when vLLM cannot use it. */
  vllmName: z.string().min(1).max(300).nullable(),
  /** Models and parallel layouts whose kernel shape this file serves. */
  serves: z.array(servedBy).default([]),
  /** Per batch key: measured time of the tuned and default configs. */
  measurements: z.record(z.string().regex(/^\d+$/), measurement).default({}),
});

/** What a tuning run measured on (`moe tune` writes it): the card, driver, Triton, engine, kernel source, routing. */
const measuredWith = z.object({
  card: z.string().max(200).nullable().optional(),
  driver: z.string().max(100).nullable().optional(),
  triton: z.string().max(50).nullable().optional(),
  /** The engine whose kernel was measured, or null for MoE Kit's stand-in. */
  engine: z.object({ engine: z.string().max(50), version: z.string().max(100), path: z.string().max(1000) }).nullable().optional(),
  kernelSource: z.string().max(1000).nullable().optional(),
  kernelSourceSha256: z.string().max(200).nullable().optional(),
  /** uniform, zipf:<s> or trace:<file>. */
  routing: z.string().max(1000).nullable().optional(),
  /** The search strategy and seed. */
  strategy: z.string().max(50).nullable().optional(),
  seed: z.number().int().nonnegative().nullable().optional(),
  /** How each measurement was replayed (CUDA graph launches, warm-ups), in words. */
  timing: z.string().max(300).nullable().optional(),
});

/** manifest.json of a config pack (@moe/configs-<gpu>). */
export const packManifestSchema = z.object({
  schema: z.literal(1),
  name: z.string().regex(/^@moe\/configs-[a-z0-9][a-z0-9-]*$/, 'must be @moe/configs-<gpu>'),
  /** GPU names as the engines spell them in file names. */
  deviceNames: z.array(z.string().min(1).max(200)).min(1),
  gpuArch: z.string().max(50).nullable(),
  tritonVersion: z.string().max(50).nullable(),
  kernelSourceHash: z.string().max(200).nullable(),
  toolVersion: z.string().max(100).nullable(),
  /** What the configs were measured on, when a tuning run said (optional). */
  measuredWith: measuredWith.optional(),
  /** How vLLM-named copies relate to the SGLang files: renamed copies under vllm/. */
  vllm: z.object({ derive: z.literal('rename'), dir: z.literal('vllm') }),
  files: z.array(packFile),
});

export type PackManifest = z.infer<typeof packManifestSchema>;
export type PackFile = z.infer<typeof packFile>;
export type PackMeasurement = z.infer<typeof measurement>;
export type PackServes = z.infer<typeof servedBy>;
export type PackMeasuredWith = z.infer<typeof measuredWith>;

/** Validates a parsed manifest.json; throws BadPackError naming the first problem. */
export function parsePackManifest(value: unknown, label = 'manifest.json'): PackManifest {
  const r = packManifestSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    const where = i?.path.length ? i.path.join('.') : '(top level)';
    throw new BadPackError(`${label}: ${where} ${i ? issueWords(i) : 'is invalid'}; rebuild the pack with \`moe configs pack\``);
  }
  return r.data;
}

/** Input a tune run may leave next to its files (all optional), merged into the pack manifest. */
export const packInputSchema = z.object({
  gpuArch: z.string().max(50).nullable().optional(),
  tritonVersion: z.string().max(50).nullable().optional(),
  kernelSourceHash: z.string().max(200).nullable().optional(),
  toolVersion: z.string().max(100).nullable().optional(),
  measuredWith: measuredWith.optional(),
  /**
   * Per file name, or per path in the folder (triton_X_Y_Z/<name>) when a name repeats across
   * Triton folders; a path wins over a name. `moe configs merge` writes paths.
   */
  files: z
    .record(
      z.string().max(300),
      z.object({ serves: z.array(servedBy).optional(), measurements: z.record(z.string().regex(/^\d+$/), measurement).optional() }),
    )
    .optional(),
});

export type PackInput = z.infer<typeof packInputSchema>;
