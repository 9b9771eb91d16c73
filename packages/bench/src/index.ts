// @moe/bench: config sets against the engine's default, on the engine's kernel, with rooflines,
// speedup intervals and reports with plots.
export type { BenchShape, ShapeQuery } from './bench-shape';
export { BENCH_DEFAULT_MODEL, benchShapeOf, shapeOfMoe, loadBenchShape } from './bench-shape';
export type { SetKind, SetSpec } from './config-sets';
export { SET_KINDS, BASELINE_SET, parseSetSpecs } from './config-sets';
export type { ResolvedEntry, ResolvedGemm, ResolvedSet, ResolveOptions } from './resolve-sets';
export { resolveSets, tunedFolder, provenance } from './resolve-sets';
export type { BenchStage, LayerDims, Work } from './traffic';
export { BENCH_STAGES, expectedHitExperts, operandBytes, gemmWork, layerWork, stageWork } from './traffic';
export type { Ceilings } from './roofline';
export { ceilingsFor, attainableFlops, floorMicros, rooflineFraction, boundBy } from './roofline';
export type { SpeedupOptions, SpeedupEstimate } from './speedup';
export { SPEEDUP_METHOD, median, speedupInterval } from './speedup';
export type {
  PeakSource,
  Ceiling,
  Peaks,
  DenseDims,
  DenseTiming,
  PeakDevice,
  MeasuredRate,
  MeasuredPeaks,
  PeakMeasurer,
  PeakMeasureOptions,
} from './peaks';
export { PEAK_TABLE, DENSE_CONFIGS, tablePeaks, copyBandwidth, denseRate, DevicePeakMeasurer, peaksOf } from './peaks';
export type { BenchRouting, BenchProtocol, EntryRecord, RunRecord, BatchRecord, SetRecord, BenchRecord } from './bench-record';
export { RECORD_FORMAT, RECORD_VERSION, parseBenchRecord } from './bench-record';
export type { CheckOutcome, BenchBatch, BenchDevice, RunOptions } from './run-bench';
export { runBench, planBatches, stageConfigs, runKey } from './run-bench';
export type { BenchRow } from './summarize';
export { summarize } from './summarize';
export { BenchOptionError } from './errors/bench-option-error';
export { BenchRecordError } from './errors/bench-record-error';
export { BenchDeviceError } from './errors/bench-device-error';
export type { SyntheticOptions } from './synthetic';
export { SYNTHETIC_BATCH_SIZES, syntheticLabel, syntheticRecord } from './synthetic';
export { setRecords } from './bench-record';
export { resolvedSetOf } from './resolve-sets';
export { BENCH_VERSION } from './version';
export { textTable, describeRun, textReport } from './report/text-report';
export { fmtSpeedup, fmtUs } from './report/format';
export { PLOT_FONT, speedupSpec, rooflineSpec, renderSvg, renderPng } from './report/plots';
export type { HtmlReportInput } from './report/html-report';
export { PLOT_IDS, escapeHtml, htmlReport } from './report/html-report';
export type { RenderedReport, RenderOptions } from './report/write-report';
export { renderReport, reportPaths, writeReport } from './report/write-report';
export type { BenchOptions, BenchPlan } from './bench';
export { BENCH_BATCH_SIZES, DEFAULT_ROUNDS, DEFAULT_REPLAYS, planBench, runBenchOnGpu } from './bench';
export type { NativeBenchOptions } from './native-bench';
export { NativeBench } from './native-bench';
export type { PlanJson } from './report/plan-report';
export { planJson, planText } from './report/plan-report';
