// The one tsup base every package builds with. A package's tsup.config.ts is a line or two:
//   export default packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] })
// Kept small on purpose so that a later switch to tsdown is this one file.
import { defineConfig } from 'tsup';

export function packageConfig(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: false,
    ...overrides,
  });
}

const root = new URL('../../', import.meta.url).pathname;

/** The workspace packages a GPU-host bundle takes from source (no node_modules travel there). */
const SOURCES = {
  '@moe/native': 'native/src/index.ts',
  '@moe/tuner': 'packages/tuner/src/index.ts',
  '@moe/bench': 'packages/bench/src/index.ts',
  '@moe/config-store': 'packages/config-store/src/index.ts',
  '@moe/model-shapes': 'packages/model-shapes/src/index.ts',
  '@moe/engine-facts': 'packages/engine-facts/src/index.ts',
};

/**
 * A bundle for the GPU host (Node only, no npm install): one file per entry with every import
 * inlined, the workspace packages from source. Left out: @resvg/resvg-js (a native module,
 * loaded only for bench's PNG: carry node_modules/@resvg) and canvas (an optional import of
 * vega's that the headless SVG renderer never needs).
 */
export function gpuHostBundle({ entry, outDir }) {
  return defineConfig({
    entry,
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    noExternal: [/^(?!@resvg\/resvg-js$|canvas$).*/],
    external: ['@resvg/resvg-js', 'canvas'],
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: true,
    // Keep `node:` prefixes as written (without it Node looks for npm packages such as "test").
    removeNodeProtocol: false,
    // ESM bundles of CommonJS dependencies need require(): give them one.
    banner: { js: "import { createRequire as __moeCreateRequire } from 'node:module'; const require = __moeCreateRequire(import.meta.url);" },
    esbuildOptions(options) {
      options.alias = { ...(options.alias ?? {}), ...Object.fromEntries(Object.entries(SOURCES).map(([name, file]) => [name, root + file])) };
    },
  });
}
