// @moe/config-store: fused-MoE kernel config files for SGLang and vLLM.
// The engine facts (engine, device and dtype names, file names, the kernel config types) live in
// @moe/engine-facts: import their functions from there. Their types are re-exported here because
// this package's API speaks in them.
export type {
  Engine,
  TileConfig,
  KernelConfig,
  KernelConfigField,
  FieldRule,
  ConfigKey,
  ParsedFileName,
  BlockShapeSpelling,
} from '@moe/engine-facts';
export type { Severity, Finding, Issue } from './finding';
export type { ConfigTable, TableDifference } from './config-table';
export { configTableFrom, nearestBatchKey, diffConfigTables } from './config-table';
export type { GpuInfo } from './gpu-info';
export { gpuInfo, gpuInfoForDriverName, platformOf } from './gpu-info';
export type { ElementBytes } from './element-bytes';
export { elementBytes } from './element-bytes';
export type { SharedMemoryContext, SharedMemoryVerdict, SharedMemoryTile } from './shared-memory';
export { estimateSharedMemory, sharedMemoryLowerBound, checkSharedMemory, effectiveBlockK } from './shared-memory';
export type { ConfigFileContent, ContentEntry, AnalyzedContent, ContentContext, ParsedConfigFile } from './config-content';
export {
  analyzeConfigText,
  formatConfigContent,
  formatConfigTable,
  tableToContent,
  parseConfigFile,
  decodeConfigBytes,
  pythonIntKey,
} from './config-content';
export type { EngineCodec } from './codec';
export { sglangCodec, vllmCodec, codecFor } from './codec';
export { BadArgumentError } from './errors/bad-argument-error';
export { BadConfigFileError } from './errors/bad-config-file-error';
export { FileTooLargeError } from './errors/file-too-large-error';
export { UnsafePathError } from './errors/unsafe-path-error';
export { TreeNotFoundError } from './errors/tree-not-found-error';
export { EngineNotFoundError } from './errors/engine-not-found-error';
export { InstallConflictError } from './errors/install-conflict-error';
export { MergeConflictError } from './errors/merge-conflict-error';
export { BadPackError } from './errors/bad-pack-error';
export { EngineWouldFailError } from './errors/engine-would-fail-error';
export type { WalkEntry, WalkProblem } from './safe-fs';
export { readFileCapped, walkTree, writeFileAtomic, isInside, MAX_CONFIG_FILE_BYTES, MAX_MANIFEST_BYTES } from './safe-fs';
export { WriteFailedError } from './errors/write-failed-error';
export type { IssueLike } from './issue-words';
export { issueWords } from './issue-words';
export type { PlannedWrite } from './file-writes';
export { writeAllOrNothing, writeNewFolder, checkWritableFolder } from './file-writes';
export type { EngineTree, TreeLayout, TreeFile, TritonDir } from './engine-tree';
export { readEngineTree, detectEngine, SGLANG_NEW_CONFIGS, SGLANG_OLD_CONFIGS, VLLM_CONFIGS } from './engine-tree';
export type { DefaultConfig, DefaultConfigInput } from './default-config';
export { sglangDefaultConfig, vllmDefaultConfig, defaultConfig } from './default-config';
export type { ConfigSource, LookupQuery, LookupEntry, LookupReport } from './lookup';
export { lookupConfig, treeSource, memorySource, sglangSearchOrder } from './lookup';
export type { DoctorOptions, DoctorReport } from './doctor';
export { doctor, fileNameIssues } from './doctor';
export type { InstalledEngine } from './python-engine';
export { findInstalledEngine } from './python-engine';
export type { SourceFile, InstallOptions, InstallAction, InstallReport } from './install';
export { collectSourceFiles, installConfigs, installRoot } from './install';
export type { PackManifest, PackFile, PackMeasurement, PackServes, PackInput, PackMeasuredWith } from './pack-manifest';
export { packManifestSchema, packInputSchema, parsePackManifest } from './pack-manifest';
export type { ConfigPack, BuildPackOptions, BuiltPack } from './packs';
export { readPack, discoverPacks, packSource, buildPack } from './packs';
export type { MergeOptions, MergeReport, MergeRule, MergeProvenance } from './merge';
export { mergeConfigs } from './merge';
export type { LookupOptions, LookupResult, InstallFilesOptions, InstallFilesReport, SaveTableOptions } from './api';
export { lookup, install, saveConfigTable } from './api';
export type { EngineEnvironment, ReadLocation, WriteLocation } from './engine-location';
export { engineReadLocation, engineWriteLocation, shadowNotes } from './engine-location';
export type { ExistingFile } from './existing-file';
export { compareWithExisting } from './existing-file';
export type { TableContext } from './validate-table';
export { validateConfigTable } from './validate-table';
