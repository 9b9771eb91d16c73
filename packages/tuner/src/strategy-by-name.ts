import { AUTO_MIN_PER_BATCH, autoStrategy } from './auto-strategy';
import { InvalidSearchOptionError } from './errors/invalid-search-option-error';
import { exhaustiveStrategy } from './exhaustive-strategy';
import { randomStrategy } from './random-strategy';
import type { SearchStrategy } from './strategy';

export const STRATEGY_NAMES = ['auto', 'exhaustive', 'random'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyChoice {
  name: StrategyName;
  /** Configs measured per batch size: random's sample size; auto's average (default: 7.5% of the candidates). */
  budget?: number;
  /** Seed of random's draws. */
  seed?: number;
  /** The number of candidates, to turn a budget into auto's measured fraction. */
  candidates: number;
}

/** A strategy by name, with a budget in configs per batch size where it applies. */
export function strategyByName(choice: StrategyChoice): SearchStrategy {
  switch (choice.name) {
    case 'auto':
      if (choice.budget === undefined) return autoStrategy();
      return autoStrategy({
        measureFraction: Math.min(1, choice.budget / Math.max(1, choice.candidates)),
        minPerBatch: Math.min(AUTO_MIN_PER_BATCH, choice.budget),
      });
    case 'exhaustive':
      if (choice.budget !== undefined) {
        throw new InvalidSearchOptionError('`budget` does not apply to `strategy` exhaustive (it measures every candidate); drop `budget` or pick auto or random');
      }
      return exhaustiveStrategy();
    case 'random':
      return randomStrategy({
        budget: choice.budget ?? Math.max(1, Math.round(0.075 * choice.candidates)),
        seed: choice.seed ?? 0,
      });
  }
}
