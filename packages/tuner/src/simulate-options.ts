import { z } from 'zod';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { isSeed, MAX_SEED } from './seed';
import { MAX_JITTER_PERCENT } from './simulation-oracle';
import { STRATEGY_NAMES, type StrategyName } from './strategy-by-name';

/** The options of `moe tune --simulate`, typed. */
export interface SimulateCliOptions {
  strategy: StrategyName;
  budget?: number;
  jitterPercent: number;
  seed: number;
}

const toNumber = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
const numberText = (what: string) => z.preprocess(toNumber, z.number({ error: `${what} must be a number` }));

const schema = z.object({
  strategy: z.enum(STRATEGY_NAMES, { message: `--strategy must be one of ${STRATEGY_NAMES.join(', ')}` }).default('auto'),
  budget: numberText('--budget')
    .pipe(z.number().int('--budget must be a whole number of configs per batch size').positive('--budget must be at least 1'))
    .optional(),
  jitter: numberText('--jitter')
    .pipe(
      z
        .number()
        .min(0, '--jitter must be 0 or more (percent)')
        .max(MAX_JITTER_PERCENT, `--jitter must be at most ${MAX_JITTER_PERCENT} (percent; more Normal noise makes times negative)`),
    )
    .default(0),
  seed: numberText('--seed')
    .pipe(z.number().refine(isSeed, `--seed must be a whole number from 0 to ${MAX_SEED} (2^32 - 1)`))
    .default(0),
});

/**
 * Parses the raw option values of `moe tune --simulate` (strings from the command line, or
 * numbers). Throws InvalidSearchOptionError naming the option and the fix.
 */
export function parseSimulateOptions(raw: Record<string, unknown>): SimulateCliOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0] ?? 'option');
    const given = raw[option];
    const examples: Record<string, string> = {
      strategy: '--strategy auto',
      budget: '--budget 100',
      jitter: '--jitter 1',
      seed: '--seed 0',
    };
    throw new InvalidSearchOptionError(
      `--${option} ${given === undefined ? '' : JSON.stringify(given) + ' '}is not valid: ${issue.message}; pass e.g. ${examples[option] ?? '--help'}`,
    );
  }
  const { strategy, budget, jitter, seed } = parsed.data;
  return { strategy, ...(budget === undefined ? {} : { budget }), jitterPercent: jitter, seed };
}
