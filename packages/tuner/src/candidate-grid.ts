import { TILE_CONFIG_FIELDS, tileConfigKey, type TileConfigField, type TileConfig } from '@moe/engine-facts';

/** The tile parameters that define a config's family; the rest tune within a family. */
export const FAMILY_PARAMS = ['BLOCK_SIZE_M', 'BLOCK_SIZE_N', 'BLOCK_SIZE_K'] as const satisfies readonly TileConfigField[];
/** The parameters that tune within a tile family. */
export const WITHIN_FAMILY_PARAMS = ['GROUP_SIZE_M', 'num_warps', 'num_stages'] as const satisfies readonly TileConfigField[];

/** The family of a config: its tile shape ("64x128x64"). */
export function familyKey(config: TileConfig): string {
  return `${config.BLOCK_SIZE_M}x${config.BLOCK_SIZE_N}x${config.BLOCK_SIZE_K}`;
}

/**
 * The candidates seen as a lattice: the values each parameter takes, tile families, and the
 * neighbours of a config (the candidates that differ from it in exactly one parameter).
 */
export class CandidateGrid {
  readonly values: Record<TileConfigField, number[]>;
  readonly families = new Map<string, TileConfig[]>();
  private readonly byKey = new Map<string, TileConfig>();

  constructor(readonly candidates: readonly TileConfig[]) {
    const values = {} as Record<TileConfigField, number[]>;
    for (const p of TILE_CONFIG_FIELDS) values[p] = [...new Set(candidates.map((c) => c[p]))].sort((a, b) => a - b);
    this.values = values;
    for (const c of candidates) {
      this.byKey.set(tileConfigKey(c), c);
      const f = familyKey(c);
      const list = this.families.get(f);
      if (list) list.push(c);
      else this.families.set(f, [c]);
    }
  }

  has(config: TileConfig): boolean {
    return this.byKey.has(tileConfigKey(config));
  }

  /** Candidates that differ from `config` in one of `params` (every other value of it). */
  neighbours(config: TileConfig, params: readonly TileConfigField[] = TILE_CONFIG_FIELDS): TileConfig[] {
    const out: TileConfig[] = [];
    for (const p of params) {
      for (const v of this.values[p]) {
        if (v === config[p]) continue;
        const c = this.byKey.get(tileConfigKey({ ...config, [p]: v }));
        if (c) out.push(c);
      }
    }
    return out;
  }

  /**
   * The neighbours of `config` in all six parameters, plus, for each move to a tile shape whose
   * accumulator leaves the warp count open (64 to 128 registers per thread), the same move with
   * the other warp counts: a bigger tile often wants more warps.
   */
  tileNeighbours(config: TileConfig): TileConfig[] {
    const out = this.neighbours(config);
    const seen = new Set(out.map(tileConfigKey));
    for (const moved of this.neighbours(config, FAMILY_PARAMS)) {
      if (!ambiguousWarps(moved)) continue;
      for (const c of this.neighbours(moved, ['num_warps'])) {
        if (!seen.has(tileConfigKey(c))) {
          seen.add(tileConfigKey(c));
          out.push(c);
        }
      }
    }
    return out;
  }

  /** Families one step away in one tile dimension (the next smaller or larger value). */
  adjacentFamilies(family: string): string[] {
    const [m, n, k] = family.split('x').map(Number) as [number, number, number];
    const tile = { BLOCK_SIZE_M: m, BLOCK_SIZE_N: n, BLOCK_SIZE_K: k };
    const out: string[] = [];
    for (const p of FAMILY_PARAMS) {
      const vs = this.values[p];
      const i = vs.indexOf(tile[p]);
      for (const j of [i - 1, i + 1]) {
        const v = vs[j];
        if (v === undefined) continue;
        const f = familyKey({ ...tile, [p]: v } as TileConfig);
        if (this.families.has(f)) out.push(f);
      }
    }
    return out;
  }

  /**
   * The configs a family is first screened with: its start, and the same with the other warp
   * counts when the start's accumulator (64 to 128 registers per thread) does not settle it.
   */
  familyStarts(family: string, like?: TileConfig): TileConfig[] {
    const start = this.familyStart(family, like);
    if (!start) return [];
    if (!ambiguousWarps(start)) return [start];
    return [start, ...this.neighbours(start, ['num_warps'])];
  }

  /**
   * A family's starting config: enough warps that the fp32 accumulator takes at most 128
   * registers per thread (BLOCK_M x BLOCK_N / (32 x warps) <= 128); the GROUP_SIZE_M of `like`
   * (the best config known at this batch size) and its stages if more than 3, else 3 stages and
   * the smallest GROUP_SIZE_M; the nearest candidate of the family to that.
   */
  familyStart(family: string, like?: TileConfig): TileConfig | undefined {
    const members = this.families.get(family);
    if (!members || members.length === 0) return undefined;
    const first = members[0]!;
    const warpsWanted = (first.BLOCK_SIZE_M * first.BLOCK_SIZE_N) / (32 * 128);
    const warps = this.values.num_warps.find((w) => w >= warpsWanted) ?? this.values.num_warps.at(-1)!;
    // Deep pipelines carry over between tile shapes; two stages rarely do (large tiles starve).
    const stages = Math.max(3, like?.num_stages ?? 3);
    const groups = like?.GROUP_SIZE_M ?? this.values.GROUP_SIZE_M[0]!;
    const distance = (c: TileConfig): number =>
      Math.abs(Math.log2(c.num_warps / warps)) * 4 +
      Math.abs(c.num_stages - stages) * 2 +
      (c.num_stages > stages ? 1 : 0) +
      Math.abs(Math.log2(c.GROUP_SIZE_M / groups)) * 0.1;
    return members.reduce((best, c) => (distance(c) < distance(best) ? c : best));
  }
}

/** 64 to 128 fp32 accumulator registers per thread: either warp count may be the faster. */
function ambiguousWarps(config: TileConfig): boolean {
  const regs = (config.BLOCK_SIZE_M * config.BLOCK_SIZE_N) / (32 * config.num_warps);
  return regs >= 64 && regs <= 128;
}
