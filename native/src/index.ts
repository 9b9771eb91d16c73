// @moe/native: the addon, the compile service, the CPU reference and the layer runner.
export * from './compile';
export * from './addon';
export * from './reference';
export * from './runner';
export * from './engine';
