import type { Options } from 'tsup';
export declare function packageConfig(overrides?: Options): Options | Options[];
/** A bundle for the GPU host: every import inlined, the workspace packages from source. */
export declare function gpuHostBundle(o: { entry: Record<string, string>; outDir: string }): Options | Options[];
