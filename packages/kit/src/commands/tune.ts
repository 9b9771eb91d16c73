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
import { UsageError } from '../errors/usage-error';
import type { CliIo } from '../io';
import { flagged, numberInRange, oneOf, positiveInt } from '../options';
import type { CommandModule } from './command-module';

interface TuneOptions {
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

async function runTune(options: TuneOptions, io: CliIo): Promise<void> {
  if (options.simulate === undefined) {
    throw new UsageError(
      '--simulate is missing: tuning on a GPU is not available yet (it comes with @moe/native); pass --simulate <table.json> to replay a measured table',
    );
  }
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

/** `moe tune`: find the best config per batch size; `--simulate` replays a measured table. */
export const tuneCommand: CommandModule = (program, io) => {
  program
    .command('tune')
    .description('find the best kernel config per batch size while measuring a small part of the grid')
    .option('--simulate <table.json>', 'replay a measured table (no GPU): every config timed at every batch size')
    .option('--strategy <name>', 'search strategy: auto, exhaustive or random (default auto)')
    .option('--budget <n>', 'configs measured per batch size (random: its sample; auto: on average)')
    .option('--jitter <percent>', 'measurement noise in percent (0 to 20), shrinking as 1/sqrt(repeats) (default 0)')
    .option('--seed <n>', 'seed of the noise and of random draws: 0 to 4294967295 (default 0)')
    .option('--json', 'print JSON')
    .action(flagged((options: TuneOptions) => runTune(options, io)));
};
