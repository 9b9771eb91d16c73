import pkg from '../package.json' with { type: 'json' };

/** The version of @moe/bench (inlined at build time, so a bundle carries it). */
export const BENCH_VERSION: string = pkg.version;
