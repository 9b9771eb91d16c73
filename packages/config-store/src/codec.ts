import type { ConfigFileContent, ParsedConfigFile } from './config-content';
import { analyzeConfigText, formatConfigContent, formatConfigTable, parseConfigFile } from './config-content';
import { deviceNameForEngine, formatFileName, parseFileName, type ConfigKey, type Engine, type ParsedFileName } from '@moe/engine-facts';
import type { ConfigTable } from './config-table';

/** Everything about one engine's files: names, device spelling, content in and out. */
export interface EngineCodec {
  readonly engine: Engine;
  /** Reads a name in either spelling (check `blockShapeSpelling` for the engine's own). */
  parseFileName(name: string): ParsedFileName | null;
  /** The name this engine asks for (device name used as given: normalise it first). */
  formatFileName(key: ConfigKey): string;
  /** The device part of names as this engine spells it, from a driver name or another spelling. */
  normalizeDeviceName(name: string): string;
  /** Parses a file as this engine loads it; throws BadConfigFileError when it could not. */
  parseContent(data: string | Uint8Array, options?: { key?: ConfigKey | null; label?: string }): ParsedConfigFile;
  /** Writes content as this engine's tuner does. */
  formatContent(content: ConfigFileContent): string;
  /** Writes a table as this engine's tuner does (vLLM may carry a leading triton_version). */
  formatTable(table: ConfigTable, options?: { tritonVersion?: string | null }): string;
  /** True when the bytes are exactly what this engine's tuner writes for their content. */
  isCanonical(text: string): boolean;
}

function makeCodec(engine: Engine): EngineCodec {
  return {
    engine,
    parseFileName,
    formatFileName: (key) => formatFileName(engine, key),
    normalizeDeviceName: (name) => deviceNameForEngine(engine, name),
    parseContent: (data, options) => parseConfigFile(engine, data, options),
    formatContent: (content) => formatConfigContent(engine, content),
    formatTable: (table, options) => formatConfigTable(engine, table, options),
    isCanonical: (text) => analyzeConfigText(text, { engine }).canonical,
  };
}

export const sglangCodec: EngineCodec = makeCodec('sglang');
export const vllmCodec: EngineCodec = makeCodec('vllm');

export function codecFor(engine: Engine): EngineCodec {
  return engine === 'sglang' ? sglangCodec : vllmCodec;
}
