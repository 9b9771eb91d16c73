// @moe/tuner: finds the best fused-MoE kernel config per batch size while measuring a small part
// of the grid. The config type (TileConfig) and its key (tileConfigKey) are @moe/engine-facts'.
export { describeConfig } from './describe-config';
export type { SearchSpaceOptions, PruneReason, PrunedConfig, SearchSpace } from './search-space';
export { buildSearchSpace } from './search-space';
// The engines' grid lives in @moe/engine-facts; re-exported here, where it was first.
export { ENGINE_GRID_VALUES, engineGrid } from '@moe/engine-facts';
export type { MeasuredRow, MeasuredTable } from './measured-table';
export { parseMeasuredTable, bestRecorded } from './measured-table';
export { MAX_TABLE_BYTES, readMeasuredTableFile } from './read-measured-table';
export { RandomSource } from './random-source';
export type { CompileOutcome, MeasureOutcome, Oracle } from './oracle';
export type { TimingProtocol } from './timing-protocol';
export { TABLE_TIMING, launchesFor } from './timing-protocol';
export type { SimulationOptions, SimulationStats } from './simulation-oracle';
export { MAX_JITTER_PERCENT, SimulationOracle, createSimulationOracle } from './simulation-oracle';
export type { SearchInput, MeasuredConfig, BatchResult, CompileRecord, SearchResult, SearchStrategy } from './strategy';
export { BatchSession } from './batch-session';
export { SearchSession } from './search-session';
export { FAMILY_PARAMS, WITHIN_FAMILY_PARAMS, familyKey, CandidateGrid } from './candidate-grid';
export type { ExhaustiveOptions } from './exhaustive-strategy';
export { exhaustiveStrategy } from './exhaustive-strategy';
export type { RandomOptions } from './random-strategy';
export { randomStrategy } from './random-strategy';
export type { AutoOptions } from './auto-strategy';
export { AUTO_MIN_PER_BATCH, autoStrategy } from './auto-strategy';
export type { SimulateOptions, BatchScore, RunScore, Simulation } from './simulate';
export { tableCandidates, simulate, scoreRun } from './simulate';
export type { BatchSweep, SeedSweep, SweepOptions } from './goal';
export { GOAL, sweepSeeds } from './goal';
export type { SyntheticOptions } from './synthetic-tables';
export {
  SYNTHETIC_BATCH_SIZES,
  smoothTable,
  needleTable,
  failingBatchTable,
  perturbedTable,
  reshapedTable,
  withBatchSizes,
  tableToJson,
} from './synthetic-tables';
export type { StrategyName, StrategyChoice } from './strategy-by-name';
export { STRATEGY_NAMES, strategyByName } from './strategy-by-name';
export { MAX_SEED, isSeed, checkSeed } from './seed';
export { InvalidTableError } from './errors/invalid-table-error';
export { InvalidSearchOptionError } from './errors/invalid-search-option-error';
export { GpuWorkerError } from './errors/gpu-worker-error';
export { EngineSelfCheckError } from './errors/engine-self-check-error';
export { TuneJournalError } from './errors/tune-journal-error';
export type {
  WorkerShape,
  WorkerRouting,
  Gemm,
  SetupMessage,
  CompileMessage,
  MeasureMessage,
  CheckMessage,
  HostMessage,
  WorkerHelloMessage,
  ReadyAnswer,
  CompileAnswer,
  MeasureAnswer,
  CheckAnswer,
  WorkerMessage,
} from './gpu/measure-protocol';
export { MEASURE_PROTOCOL_VERSION } from './gpu/measure-protocol';
export type { WorkerCommand, WorkerTimeouts, WorkerRequest } from './gpu/measure-worker-client';
export { DEFAULT_TIMEOUTS, MeasureWorkerClient, WorkerDied } from './gpu/measure-worker-client';
export type { PoolEvent, PoolOptions } from './gpu/measure-pool';
export { MeasurePool } from './gpu/measure-pool';
export type { JournalEntry, JournalIdentity } from './gpu/tune-journal';
export { JOURNAL_VERSION, JournalReplay, TuneJournal } from './gpu/tune-journal';
export type { Estimate } from './gpu/trust';
export { Z, median, estimateOf, sumOf, fasterBeyondSpread } from './gpu/trust';
export type { MeasuredEvent, GemmOracleOptions } from './gpu/gemm-oracle';
export { FATAL_KINDS, GemmOracle } from './gpu/gemm-oracle';
export type { CoupleOptions, CoupledRow, CoupleInput } from './gpu/couple-gemms';
export { coupleGemms } from './gpu/couple-gemms';
export type { TuneTarget, TuneUnit, TuneProgress, GpuTuneOptions, UnitResult, GpuTuneResult } from './gpu/gpu-tune';
export { TuneInterrupted, launchSpecialisation, runGpuTune } from './gpu/gpu-tune';
export type { ReplayProtocol, ReplayPlan } from './gpu/replay-plan';
export { REPLAY_PROTOCOLS, FAST_REPLAY_US, replayPlan } from './gpu/replay-plan';
export type { TuneOutputOptions, TuneFile, TuneOutput } from './gpu/tune-output';
export { planTuneOutput, writeTuneOutput } from './gpu/tune-output';
export type { EstimateInput, TuneEstimate } from './gpu/tune-estimate';
export { AUTO_RUN, COMPILES_PER_SECOND, ROOFLINE_FRACTION, estimateTune, floorUs } from './gpu/tune-estimate';
export { measureWorkerCommand, defaultWorkerFile } from './gpu/worker-command';
export type { Shard } from './gpu/shard';
export { parseShard, shardFromEnv, shardBatchSizes } from './gpu/shard';
