// `moe tune --simulate <table.json>`: a search strategy replayed on a measured table, no GPU.
import path from 'node:path';
import { tileConfigOf, type TileConfig } from '@moe/engine-facts';
import {
  describeConfig,
  MAX_JITTER_PERCENT,
  MAX_SEED,
  readMeasuredTableFile,
  simulate,
  STRATEGY_NAMES,
  strategyByName,
  tableCandidates,
} from '@moe/tuner';
import { UsageError } from '../../errors/usage-error';
import type { CliIo } from '../../io';
import { numberInRange, oneOf, positiveInt } from '../../options';

export interface SimulateFlags {
  simulate?: string;
  strategy?: string;
  budget?: string;
  jitter?: string;
  seed?: string;
  json?: boolean;
}

/** The --json object: exactly these keys, in this order. */
export interface TuneJson {
  strategy: string;
  rows: { M: number; config: TileConfig | null; us: number | null; measured: number }[];
  compiled: number;
  simulatedSeconds: number;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The table at `file` (relative to the working folder): a capped, non-blocking read of a regular file. */
function readTable(file: string, io: CliIo) {
  return readMeasuredTableFile(path.resolve(io.cwd, file), `--simulate ${file}`);
}

/** `moe tune --simulate <table>`: replays a measured table through a search strategy (no GPU). */
export async function runSimulate(options: SimulateFlags & { simulate: string }, io: CliIo): Promise<void> {
  if (options.simulate.startsWith('--')) {
    throw new UsageError(
      `--simulate ${options.simulate}: the table path is missing (${options.simulate} is the next option); pass --simulate <table.json> before other options`,
    );
  }
  const cli = {
    strategy: options.strategy === undefined ? 'auto' : oneOf('--strategy', options.strategy, STRATEGY_NAMES, 'strategy'),
    budget: options.budget === undefined ? undefined : positiveInt('--budget', options.budget, '100'),
    jitterPercent:
      options.jitter === undefined
        ? 0
        : numberInRange('--jitter', options.jitter, { min: 0, max: MAX_JITTER_PERCENT, why: `not a percentage from 0 to ${MAX_JITTER_PERCENT} (more Normal noise makes times negative)` }, '1'),
    seed: options.seed === undefined ? 0 : numberInRange('--seed', options.seed, { min: 0, max: MAX_SEED, integer: true, why: `not a whole number from 0 to ${MAX_SEED} (2^32 - 1)` }, '0'),
  };
  const table = readTable(options.simulate, io);
  const candidates = tableCandidates(table);
  const strategy = strategyByName({
    name: cli.strategy,
    candidates: candidates.length,
    seed: cli.seed,
    ...(cli.budget === undefined ? {} : { budget: cli.budget }),
  });
  const { result, score } = await simulate(table, strategy, { jitterPercent: cli.jitterPercent, seed: cli.seed, candidates });

  const json: TuneJson = {
    strategy: result.strategy,
    rows: result.rows.map((row, i) => ({
      M: row.M,
      config: row.best ? tileConfigOf(row.best.config) : null,
      us: row.best ? round(row.best.us, 3) : null,
      measured: score.rows[i]!.measured,
    })),
    compiled: score.compiled,
    simulatedSeconds: round(score.simulatedSeconds, 3),
  };
  if (options.json) {
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  const lines = [
    `${options.simulate}: strategy ${result.strategy}, jitter ${cli.jitterPercent}%, seed ${cli.seed}`,
    `${'M'.padStart(6)}  ${'config'.padEnd(48)}${'µs'.padStart(10)}${'measured'.padStart(10)}${'vs best'.padStart(9)}`,
  ];
  for (const [i, row] of result.rows.entries()) {
    const s = score.rows[i]!;
    const config = row.best ? describeConfig(row.best.config) : 'none (no config ran)';
    const us = row.best ? row.best.us.toFixed(1) : '-';
    const ratio = Number.isFinite(s.ratio) && row.best ? s.ratio.toFixed(3) : '-';
    lines.push(`${String(row.M).padStart(6)}  ${config.padEnd(48)}${us.padStart(10)}${String(s.measured).padStart(10)}${ratio.padStart(9)}`);
  }
  lines.push(
    `compiled ${score.compiled} of ${table.space.length} configs (${(100 * score.compiledFraction).toFixed(1)}%); ` +
      `measured ${score.measuredPairs} of ${score.measurablePairs} (batch size, config) pairs (${(100 * score.measuredFraction).toFixed(1)}%); ` +
      `simulated wall time ${score.simulatedSeconds.toFixed(1)} s`,
    `("vs best": the chosen config's recorded time over the table's best at that batch size)`,
  );
  io.stdout(`${lines.join('\n')}\n`);
}

