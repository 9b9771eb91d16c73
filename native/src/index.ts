// @moe/native: the addon, the compile service, the CPU reference and the layer runner. Each
// area's index lists its exports by name; this file only joins them (every name listed once).
export * from './compile';
export * from './addon';
export * from './reference';
export * from './runner';
export * from './engine';
// The config type native's API speaks in; its one home (and tileConfigKey's) is @moe/engine-facts.
export type { TileConfig } from '@moe/engine-facts';
